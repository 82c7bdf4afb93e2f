"""One conformance suite for the profile store and the recommendation funnel, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from assistant.recommend.profiles import CustomerEvent
from assistant.recommend.store import (
    DEMO_CUSTOMERS,
    RecommendationEvents,
    SqlProfileStore,
    UnknownCustomerError,
    read_profiles,
)
from assistant.storage.database import open_database
from assistant.storage.migrations import migrate


@pytest.fixture
def engine(database_url: str) -> Engine:
    engine = open_database(database_url)
    migrate(engine)
    return engine


def test_the_migrations_load_the_demo_customers_exactly_as_written(engine):
    stored = SqlProfileStore(engine).all()
    written = [
        p.model_copy(
            update={"holdings": sorted(p.holdings), "events": sorted(p.events, key=lambda e: e.date)}
        )
        for p in sorted(read_profiles(DEMO_CUSTOMERS), key=lambda p: p.id)
    ]
    assert stored == written
    assert migrate(engine) == []  # loaded once; a second run changes nothing


def test_a_profile_round_trips_with_its_holdings_and_events(engine):
    store = SqlProfileStore(engine)
    profile = store.get("C001")
    assert profile is not None
    changed = profile.model_copy(
        update={
            "holdings": [*profile.holdings, "wm-cash-plus"],
            "events": [CustomerEvent(type="large_deposit", date=date(2026, 11, 1), amount_cny=90000)],
            "risk_tolerance": "C4",
        }
    )
    store.save(changed)
    again = store.get("C001")
    assert again is not None
    assert again.holdings == sorted(changed.holdings)
    assert again.events == changed.events and again.risk_tolerance == "C4"
    assert store.get("nobody") is None


def test_opting_out_and_back_in_is_stored(engine):
    store = SqlProfileStore(engine)
    store.set_opt_out("C001", True)
    assert store.get("C001").recommendations_opt_out  # type: ignore[union-attr]
    store.set_opt_out("C001", False)
    assert not store.get("C001").recommendations_opt_out  # type: ignore[union-attr]
    with pytest.raises(UnknownCustomerError):
        store.set_opt_out("nobody", True)


def test_funnel_counts_per_product_and_remembers_shown_turns_and_dismissals(engine):
    events = RecommendationEvents(engine)
    events.record("shown", "C001", "cc-gold", "conv", turn=1)
    events.record("clicked", "C001", "cc-gold", "conv")
    events.record("accepted", "C001", "cc-gold", "conv")
    events.record("shown", "C001", "wm-cash-plus", "conv", turn=4)
    events.record("dismissed", "C001", "wm-cash-plus", "conv")
    events.record("opted_out", "C001", conversation_id="conv")
    funnel = {row.product_id: row for row in events.funnel()}
    assert (funnel["cc-gold"].shown, funnel["cc-gold"].clicked, funnel["cc-gold"].accepted) == (1, 1, 1)
    assert funnel["cc-gold"].acceptance_rate == 1.0
    assert (funnel["wm-cash-plus"].shown, funnel["wm-cash-plus"].dismissed) == (1, 1)
    assert events.last_shown_turn("conv") == 4 and events.last_shown_turn("other") is None
    assert events.dismissed_since("C001", datetime.now(UTC) - timedelta(days=1)) == {"wm-cash-plus"}
    assert events.dismissed_since("C002", datetime.now(UTC) - timedelta(days=1)) == set()
    assert [e["event"] for e in events.events("C001")][-1] == "opted_out"
