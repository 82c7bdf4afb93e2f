"""A lease: a named job that one process does at a time, among replicas sharing one database.

The holder renews it every round; another process takes it only once it has lapsed, so a holder
that crashes is replaced within one lease time and two live holders never overlap.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, or_, update
from sqlalchemy.exc import IntegrityError

from assistant.storage.migrations import leases


class Lease:
    def __init__(self, engine: Engine, name: str, ttl_s: float, holder: str | None = None) -> None:
        self.engine = engine
        self.name = name
        self.ttl = timedelta(seconds=ttl_s)
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def acquire(self) -> bool:
        """Take or renew the lease; False while another process holds it."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            renewed = conn.execute(
                update(leases)
                .where(
                    leases.c.name == self.name, or_(leases.c.holder == self.holder, leases.c.expires_at < now)
                )
                .values(holder=self.holder, expires_at=now + self.ttl)
            ).rowcount
        if renewed:
            return True
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    leases.insert().values(name=self.name, holder=self.holder, expires_at=now + self.ttl)
                )
        except IntegrityError:
            return False  # someone holds it, or took it first
        return True

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(leases)
                .where(leases.c.name == self.name, leases.c.holder == self.holder)
                .values(expires_at=datetime.now(UTC) - self.ttl)
            )
