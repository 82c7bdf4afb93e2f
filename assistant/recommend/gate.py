"""When a recommendation may be shown at all: never to someone upset, in a complaint or fraud
conversation, with a person, or without consent; only beside an answer; at most one offer every few turns."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from assistant.domain import AnswerKind, HandoffDecision, Understanding
from assistant.handoff.phrases import FORMAL_COMPLAINT, reports_risk, reports_vulnerability
from assistant.handoff.policy import RISK_INTENTS

GateReason = Literal[
    "no_customer",
    "no_marketing_consent",
    "opted_out",
    "with_person",
    "not_beside_an_answer",
    "customer_upset",
    "complaint_or_fraud",
    "vulnerable_customer",
    "protected_customer",
    "handoff",
    "too_soon",
]

UPSET_EMOTIONS = frozenset({"angry", "frustrated", "anxious"})
# A conversation that has touched any of these is no place for marketing.
SENSITIVE_INTENTS = RISK_INTENTS | {"complaint", "lost_or_stolen_card", "lost_or_stolen_phone"}
SENSITIVE_HANDOFF_REASONS = frozenset({"risk", "vulnerable", "complaint", "emotion"})
ANSWER_KINDS_WITH_OFFERS: frozenset[AnswerKind] = frozenset({"llm", "extractive", "curated"})


class GateDecision(BaseModel):
    allowed: bool
    reason: GateReason | None = None


class GateInput(BaseModel):
    has_profile: bool
    marketing_consent: bool = False
    opted_out: bool = False
    with_person: bool = False
    answer_kind: AnswerKind | None = Field(default=None, description="None outside a chat turn.")
    understanding: Understanding | None = None
    message: str = ""
    earlier_intents: list[str] = []
    handoff: HandoffDecision = HandoffDecision(decision=False)
    # Customer labels that protect (a vulnerable customer, a recent fraud victim): no offers at all.
    protected_labels: list[str] = []
    turn: int = 1
    last_shown_turn: int | None = None
    every_turns: int = 3


def _upset(understanding: Understanding | None) -> bool:
    if understanding is None:
        return False
    recent = understanding.trend.recent[-2:] if understanding.trend else [understanding.emotion]
    return any(e.label in UPSET_EMOTIONS for e in [*recent, understanding.emotion])


def _about_complaint_or_fraud(given: GateInput) -> bool:
    intent = given.understanding.intent.label if given.understanding else None
    message = given.message
    # The classifier can miss "someone used my card" phrased as a story; the handoff phrases catch it.
    fraud_story = bool(reports_risk(message))
    return (
        intent in SENSITIVE_INTENTS
        or bool(SENSITIVE_INTENTS.intersection(given.earlier_intents))
        or bool(SENSITIVE_HANDOFF_REASONS.intersection({given.handoff.reason, *given.handoff.also}))
        or fraud_story
        or bool(FORMAL_COMPLAINT.search(message))
    )


def gate(given: GateInput) -> GateDecision:
    """The first rule that blocks, in order of how much it matters; allowed when none does."""
    checks: list[tuple[bool, GateReason]] = [
        (not given.has_profile, "no_customer"),
        (not given.marketing_consent, "no_marketing_consent"),
        (given.opted_out, "opted_out"),
        (given.with_person, "with_person"),
        (_upset(given.understanding), "customer_upset"),
        (_about_complaint_or_fraud(given), "complaint_or_fraud"),
        # Bereaved, in hardship or ill: never a sales moment, whatever else the turn says.
        (bool(reports_vulnerability(given.message)), "vulnerable_customer"),
        # ... nor in a later conversation, while the label's evidence lasts.
        (bool(given.protected_labels), "protected_customer"),
        (given.handoff.decision or given.handoff.offer_person, "handoff"),
        (
            given.answer_kind is not None and given.answer_kind not in ANSWER_KINDS_WITH_OFFERS,
            "not_beside_an_answer",
        ),
        (
            given.last_shown_turn is not None and given.turn - given.last_shown_turn < given.every_turns,
            "too_soon",
        ),
    ]
    for blocked, reason in checks:
        if blocked:
            return GateDecision(allowed=False, reason=reason)
    return GateDecision(allowed=True)
