"""The message rate limit, counted in the shared database so it holds across replicas and channels.

A sliding window estimated from two fixed windows (the current one, and the previous one weighted by
how much of it still overlaps the last ``window_s`` seconds): one row per key and window, one upsert
per message, no timestamps kept per message. A refused message is not counted, so a customer who
waits out the window can write again.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from assistant.storage.migrations import rate_limit_windows

logger = logging.getLogger(__name__)
# Old windows are deleted about once every this many messages (any replica may do it).
_CLEANUP_EVERY = 500


class DatabaseRateLimiter:
    """At most ``limit`` messages per key in any ``window_s`` seconds, counted in the database."""

    def __init__(
        self, engine: Engine, limit: int, window_s: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.engine = engine
        self.limit = limit
        self.window = max(1, math.ceil(window_s))
        self.clock = clock
        self._calls = 0

    def allow(self, key: str) -> bool:
        try:
            return self._allow(key)
        except SQLAlchemyError as exc:  # the database is down: answer anyway rather than refuse everyone
            logger.warning("Rate limit not checked, the database is unreachable: %s", exc)
            return True

    def _allow(self, key: str) -> bool:
        now = self.clock()
        start = int(now // self.window) * self.window
        overlap = 1.0 - (now - start) / self.window  # share of the previous window still inside
        insert = postgresql_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        table = rate_limit_windows
        with self.engine.begin() as conn:
            count = conn.execute(
                insert(table)
                .values(key=key, window_start=start, count=1)
                .on_conflict_do_update(
                    index_elements=[table.c.key, table.c.window_start], set_={"count": table.c.count + 1}
                )
                .returning(table.c.count)
            ).scalar_one()
            previous = conn.execute(
                select(table.c.count).where(table.c.key == key, table.c.window_start == start - self.window)
            ).scalar()
            allowed = (previous or 0) * overlap + count <= self.limit
            if not allowed:  # a refused message does not count against the customer
                conn.execute(
                    update(table)
                    .where(table.c.key == key, table.c.window_start == start)
                    .values(count=table.c.count - 1)
                )
        self._calls += 1
        if self._calls % _CLEANUP_EVERY == 0:
            with self.engine.begin() as conn:
                conn.execute(delete(table).where(table.c.window_start < start - self.window))
        return allowed
