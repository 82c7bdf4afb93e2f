"""The decide stage (recommendation part): suitability rules, then ranking, then the gate; the one
offer shown beside an answer is recorded as the first step of the funnel."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from assistant.domain import AnswerKind, HandoffDecision, Lang, Recommendation, Understanding
from assistant.insight.label_store import Labeler
from assistant.insight.labels import CustomerLabel
from assistant.recommend.catalog import Catalog
from assistant.recommend.gate import GateDecision, GateInput, gate
from assistant.recommend.profiles import CustomerProfile
from assistant.recommend.ranking import Evidence, gather_evidence, rank
from assistant.recommend.store import FunnelEvent, ProfileStore, RecommendationEvents
from assistant.recommend.suitability import Exclusion, SuitabilityPolicy, screen
from assistant.storage.turn_log import TurnLog

logger = logging.getLogger(__name__)

DISMISSAL_MEMORY = timedelta(days=30)  # a dismissed product is not offered again for this long


class RecommendRequest(BaseModel):
    customer_id: str | None
    conversation_id: str | None = None
    lang: Lang | None = None  # None: the customer's own language
    message: str = ""
    understanding: Understanding | None = None
    answer_kind: AnswerKind | None = None
    handoff: HandoffDecision = HandoffDecision(decision=False)
    with_person: bool = False
    today: date | None = None


class RecommendOutcome(BaseModel):
    customer_id: str | None
    risk_tolerance: str | None = None
    risk_assessed_on: date | None = None
    risk_assessment_valid: bool = False
    gate: GateDecision
    recommendations: list[Recommendation] = []
    excluded: list[Exclusion] = []
    turn: int = Field(default=1, description="The conversation turn this was decided for.")


def decide_offers(
    profile: CustomerProfile,
    catalog: Catalog,
    gate_input: GateInput,
    message: str,
    intent: str | None,
    lang: Lang,
    today: date,
    policy: SuitabilityPolicy,
    dismissed: set[str],
    limit: int,
    label_evidence: list[Evidence] | None = None,
) -> tuple[GateDecision, list[Recommendation], list[Exclusion]]:
    """The whole decision, without storage: rules exclude, the gate may close, ranking orders the rest.
    ``label_evidence``: need signals from the customer's marketing labels (insight/labels.py)."""
    eligible, excluded = screen(profile, catalog.products, today, policy, dismissed)
    decision = gate(gate_input)
    if not decision.allowed:
        return decision, [], excluded
    evidence = gather_evidence(profile, catalog.needs, lang, today, message, intent)
    evidence += label_evidence or []
    return decision, rank(profile, eligible, evidence, catalog, lang, limit), excluded


class RecommendStage:
    def __init__(
        self,
        catalog: Catalog,
        profiles: ProfileStore,
        events: RecommendationEvents,
        turn_log: TurnLog,
        policy: SuitabilityPolicy,
        every_turns: int = 3,
        limit: int = 3,
        labeler: Labeler | None = None,
    ) -> None:
        self.labeler = labeler
        self.catalog = catalog
        self.profiles = profiles
        self.events = events
        self.turn_log = turn_log
        self.policy = policy
        self.every_turns = every_turns
        self.limit = limit

    def evaluate(self, request: RecommendRequest) -> RecommendOutcome:
        """Everything the recommender concludes for this customer now; records nothing."""
        today = request.today or date.today()
        profile = self.profiles.get(request.customer_id) if request.customer_id else None
        if profile is None:
            return RecommendOutcome(
                customer_id=request.customer_id, gate=GateDecision(allowed=False, reason="no_customer")
            )
        dismissed = self.events.dismissed_since(profile.id, datetime.now(UTC) - DISMISSAL_MEMORY)
        intent = request.understanding.intent.label if request.understanding else None
        lang = request.lang or profile.language
        labels = self.labeler.labels(profile.id, profile) if self.labeler else []
        gate_input = self._gate_input(request, profile, labels)
        decision, ranked, excluded = decide_offers(
            profile,
            self.catalog,
            gate_input,
            request.message,
            intent,
            lang,
            today,
            self.policy,
            dismissed,
            self.limit,
            self._label_evidence(labels, lang),
        )
        return RecommendOutcome(
            customer_id=profile.id,
            risk_tolerance=profile.risk_tolerance,
            risk_assessed_on=profile.risk_assessed_on,
            risk_assessment_valid=profile.assessment_valid(today, self.policy.assessment_valid_days),
            gate=decision,
            recommendations=ranked,
            excluded=excluded,
            turn=gate_input.turn,
        )

    def run(self, request: RecommendRequest) -> RecommendOutcome:
        """In a chat turn: at most one offer, beside the answer, recorded as shown."""
        try:
            outcome = self.evaluate(request)
            offer = outcome.recommendations[:1]
            if offer and request.customer_id:
                self.events.record(
                    "shown",
                    request.customer_id,
                    offer[0].product_id,
                    request.conversation_id,
                    turn=outcome.turn,
                    detail={"reason": offer[0].reason, "signals": offer[0].signals},
                )
        except SQLAlchemyError as exc:
            # Recommendations are never worth failing a turn for.
            logger.error("Recommendations unavailable: %s", exc)
            return RecommendOutcome(customer_id=request.customer_id, gate=GateDecision(allowed=False))
        return outcome.model_copy(update={"recommendations": offer})

    def feedback(
        self,
        event: FunnelEvent,
        customer_id: str,
        product_id: str | None = None,
        conversation_id: str | None = None,
    ) -> None:
        """The customer opened "why this?", accepted, dismissed, or turned recommendations off or on."""
        if event in ("opted_out", "opted_in"):
            self.profiles.set_opt_out(customer_id, event == "opted_out")
        self.events.record(event, customer_id, product_id, conversation_id)

    def _turns_so_far(self, conversation_id: str | None) -> tuple[int, list[str]]:
        """This turn's number (the current turn is recorded after this stage) and earlier intents."""
        if conversation_id is None:
            return 1, []
        turns = self.turn_log.conversation(conversation_id)
        return len(turns) + 1, [t["intent"] for t in turns if t.get("intent")]

    def _label_evidence(self, labels: list[CustomerLabel], lang: Lang) -> list[Evidence]:
        """Marketing labels as need signals, each named in the reason it gives."""
        if self.labeler is None:
            return []
        book = self.labeler.book
        return [
            Evidence(signal=f"label:{label.id}", needs=label.needs, clause=book.reason(label, lang))
            for label in labels
            if label.needs
        ]

    def _gate_input(
        self, request: RecommendRequest, profile: CustomerProfile, labels: list[CustomerLabel]
    ) -> GateInput:
        turn, earlier_intents = self._turns_so_far(request.conversation_id)
        last_shown = self.events.last_shown_turn(request.conversation_id) if request.conversation_id else None
        return GateInput(
            has_profile=True,
            marketing_consent=profile.marketing_consent,
            opted_out=profile.recommendations_opt_out,
            with_person=request.with_person,
            answer_kind=request.answer_kind,
            understanding=request.understanding,
            message=request.message,
            earlier_intents=earlier_intents,
            handoff=request.handoff,
            protected_labels=[label.id for label in labels if label.use == "protect"],
            turn=turn,
            last_shown_turn=last_shown,
            every_turns=self.every_turns,
        )
