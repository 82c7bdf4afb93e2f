"""One conformance suite for the message rate limiter: in process memory (tools and tests) and in the
shared database on SQLite and PostgreSQL (what `serve` uses, so replicas and channels count together)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.stages.guard import InMemoryRateLimiter, RateLimiter
from assistant.storage.database import open_database
from assistant.storage.migrations import migrate
from assistant.storage.rate_limits import DatabaseRateLimiter
from tests.conftest import new_database_url

LIMIT, WINDOW = 3, 60.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_020.0  # 20 s into a 60 s window

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def make_limiter(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[Clock], RateLimiter]:
    if request.param == "memory":
        return lambda clock: InMemoryRateLimiter(LIMIT, WINDOW, clock=clock)
    engine = open_database(new_database_url(request, request.param, tmp_path))
    migrate(engine)
    return lambda clock: DatabaseRateLimiter(engine, LIMIT, WINDOW, clock=clock)


def test_the_limit_holds_per_key(make_limiter):
    clock = Clock()
    limiter = make_limiter(clock)
    assert [limiter.allow("customer:C001") for _ in range(LIMIT + 2)] == [True] * LIMIT + [False, False]
    assert limiter.allow("customer:C002")


def test_a_customer_who_waits_out_the_window_may_write_again(make_limiter):
    clock = Clock()
    limiter = make_limiter(clock)
    for _ in range(LIMIT):
        limiter.allow("k")
    for _ in range(10):  # refused messages do not push the wait further out
        clock.now += 1
        assert not limiter.allow("k")
    clock.now += 2 * WINDOW
    assert limiter.allow("k")


def test_no_burst_beats_the_limit_within_a_window(make_limiter):
    clock = Clock()
    limiter = make_limiter(clock)
    allowed = 0
    for _ in range(40):
        clock.now += WINDOW / 40
        allowed += limiter.allow("k")
    assert allowed <= LIMIT + 1  # the database's sliding estimate may round one in at a boundary


def test_replicas_count_together(database_url):
    engine = open_database(database_url)
    migrate(engine)
    clock = Clock()
    first, second = (DatabaseRateLimiter(engine, LIMIT, WINDOW, clock=clock) for _ in range(2))
    allowed = [limiter.allow("customer:C001") for limiter in (first, second) * LIMIT]
    assert allowed.count(True) == LIMIT
