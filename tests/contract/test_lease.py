"""Replicas on one database: migrations run once however many start together, and a lease lets one
process at a time do a shared job; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from assistant.storage.database import open_database
from assistant.storage.lease import Lease
from assistant.storage.migrations import MIGRATIONS, migrate, schema_migrations


def test_replicas_starting_together_migrate_the_database_once(database_url: str) -> None:
    errors: list[BaseException] = []

    def start_replica() -> None:
        try:
            migrate(open_database(database_url))  # each replica has its own engine and connections
        except Exception as exc:  # reported below
            errors.append(exc)

    replicas = [threading.Thread(target=start_replica) for _ in range(4)]
    for replica in replicas:
        replica.start()
    for replica in replicas:
        replica.join()
    assert not errors
    with open_database(database_url).connect() as conn:
        applied = conn.execute(select(schema_migrations.c.version, func.count()).group_by("version")).all()
    assert sorted(applied) == [(m.version, 1) for m in MIGRATIONS]


def test_one_holder_at_a_time_and_a_lapsed_lease_is_taken_over(database_url: str) -> None:
    engine = open_database(database_url)
    migrate(engine)
    first, second = (Lease(engine, "publish", ttl_s=0.5, holder=name) for name in ("a", "b"))
    assert first.acquire() and not second.acquire()
    assert first.acquire(), "the holder renews"
    time.sleep(0.6)  # the first holder stops renewing (it crashed)
    assert second.acquire() and not first.acquire()
    second.release()
    assert first.acquire(), "a released lease is free at once"


def test_contenders_racing_for_a_free_lease_get_one_holder(database_url: str) -> None:
    contenders = 8
    engine = open_database(database_url)
    migrate(engine)
    won: list[str] = []
    barrier = threading.Barrier(contenders)

    def contend(name: str) -> None:
        lease = Lease(open_database(database_url), "publish", ttl_s=30, holder=name)
        barrier.wait()
        if lease.acquire():
            won.append(name)

    threads = [threading.Thread(target=contend, args=(f"r{i}",)) for i in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
