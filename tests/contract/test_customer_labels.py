"""Customer labels over the label evidence store, on SQLite and PostgreSQL: evidence is recorded per
turn, a label needs enough of it inside its expiry, disappears when it is too old, and profile labels
come from the profile as it is now."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from assistant.domain import (
    Answer,
    EmotionPrediction,
    HandoffDecision,
    IntentPrediction,
    TurnResult,
    Understanding,
)
from assistant.insight.label_store import Labeler, LabelEvidenceStore
from assistant.insight.labels import LabelBook
from assistant.recommend.profiles import CustomerEvent, CustomerProfile
from assistant.storage.database import open_database
from assistant.storage.migrations import migrate
from tests.conftest import new_database_url

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class Profiles:
    def __init__(self, *profiles: CustomerProfile) -> None:
        self.by_id = {p.id: p for p in profiles}

    def get(self, customer_id: str) -> CustomerProfile | None:
        return self.by_id.get(customer_id)

    def all(self) -> list[CustomerProfile]:
        return list(self.by_id.values())

    def set_opt_out(self, customer_id: str, opted_out: bool) -> None:
        raise NotImplementedError


def profile(**changes: object) -> CustomerProfile:
    values: dict[str, object] = {
        "id": "C900",
        "name": "Test Customer",
        "age": 40,
        "segment": "mass",
        "income_band": "10k_25k",
        "employment": "employed",
        "residency": "mainland",
        "language": "en",
        "lanting_assets_cny": 20000,
    }
    return CustomerProfile.model_validate({**values, **changes})


def turn(
    text: str, lang: str = "en", intent: str = "card_about_to_expire", handoff: str | None = None
) -> TurnResult:
    return TurnResult(
        conversation_id="conv-1",
        question=text,
        lang=lang,  # type: ignore[arg-type]
        understanding=Understanding(
            intent=IntentPrediction(label=intent, confidence=0.9),
            emotion=EmotionPrediction(label="neutral", confidence=0.9, intensity=0.0),
        ),
        answer=Answer(text="…", kind="extractive", abstained=False, grounded=True),
        handoff=HandoffDecision(decision=handoff is not None, reason=handoff),  # type: ignore[arg-type]
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def make_labeler(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = open_database(new_database_url(request, request.param, tmp_path))
    migrate(engine)

    def build(*profiles: CustomerProfile) -> tuple[Labeler, Clock]:
        clock = Clock()
        store = LabelEvidenceStore(engine)
        return Labeler(LabelBook.load(), store, Profiles(*profiles), 365, clock=clock), clock

    return build


def ids(labeler: Labeler, customer: str = "C900") -> list[str]:
    return [label.id for label in labeler.labels(customer)]


def test_a_turn_is_evidence_and_the_label_shows_why(make_labeler):
    labeler, _ = make_labeler()
    assert labeler.observe("C900", turn("Is there a fee when I use my card overseas?"), turn_id=7) == [
        "travels_abroad"
    ]
    [label] = labeler.labels("C900")
    assert (label.id, label.use, label.sources) == ("travels_abroad", "marketing", ["conversation"])
    assert label.evidence[0].turn_id == 7 and "overseas" in label.evidence[0].detail
    assert label.since == NOW and label.expires == NOW + timedelta(days=180)
    assert label.needs == {"travel": 0.6}


def test_a_label_needing_two_messages_waits_for_the_second(make_labeler):
    labeler, clock = make_labeler()
    # Asking a rate is not comparing one: only messages that compare count.
    labeler.observe("C900", turn("What interest rate do you pay on a 1-year deposit?"))
    labeler.observe("C900", turn("Is your 1-year rate higher than ICBC's 1.65%?"))
    assert "rate_sensitive" not in ids(labeler)
    clock.now += timedelta(days=3)
    labeler.observe("C900", turn("Is the Smart Saver rate higher than that?"))
    assert "rate_sensitive" in ids(labeler)


def test_evidence_runs_out(make_labeler):
    labeler, clock = make_labeler()
    labeler.observe("C900", turn("I want to make a formal complaint about your branch staff"))
    assert "complained_recently" in ids(labeler)
    clock.now += timedelta(days=31)
    assert "complained_recently" not in ids(labeler)


def test_protecting_labels_come_from_what_the_customer_reports(make_labeler):
    labeler, _ = make_labeler()
    labeler.observe("C900", turn("My husband passed away last month, what happens to his account?"))
    labeler.observe("C900", turn("Someone used my card, I did not authorise these payments", handoff="risk"))
    assert [label.id for label in labeler.protected("C900")] == ["recent_fraud_victim", "vulnerable_customer"]
    assert all(label.needs == {} for label in labeler.protected("C900"))  # never a marketing signal


def test_profile_labels_follow_the_profile_and_merge_with_conversation_evidence(make_labeler):
    today = NOW.date()
    traveller = profile(
        age=67,
        events=[CustomerEvent(type="travel_spending", date=today - timedelta(days=10), amount_cny=23500)],
        risk_tolerance="C2",
        risk_assessed_on=date(2025, 1, 1),  # expired: no investor label, an expired-assessment label
    )
    labeler, _ = make_labeler(traveller)
    labeler.observe("C900", turn("我想问一下境外刷卡手续费", lang="zh"))
    labels = {label.id: label for label in labeler.labels("C900")}
    assert {"senior", "risk_assessment_expired", "travels_abroad"} <= set(labels)
    assert "conservative_investor" not in labels
    assert labels["travels_abroad"].sources == ["conversation", "profile"]
    assert "prefers_chinese" not in labels  # one Chinese message is not a preference yet


def test_customers_are_kept_apart_and_evidence_can_be_erased(make_labeler):
    labeler, _ = make_labeler()
    labeler.observe("C900", turn("card fees abroad?"))
    assert ids(labeler, "C901") == []
    assert labeler.store.forget("C900") == 1
    assert ids(labeler) == []
