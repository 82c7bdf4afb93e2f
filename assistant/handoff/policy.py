"""When a conversation goes to a person: one policy, every decision with a reason code.

Each rule reads the classifiers' labels and a few phrase patterns. The patterns back the classifiers
up on the phrasings that matter most (a customer asking for a person must never be missed), and a
hypothetical or procedural question ("what should I do if my card is stolen?", "how long do
complaints take?") is told apart from the event itself, so it is answered instead of escalated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.domain import EmotionPrediction, HandoffDecision, HandoffReason, Priority, Understanding
from assistant.handoff.phrases import (
    ABOUT_THE_PROCESS,
    ANGER_CUES,
    COLD_ANGER,
    FORMAL_COMPLAINT,
    HYPOTHETICAL,
    SATISFIED,
    asks_for_person,
    asks_something,
    reports_risk,
    reports_vulnerability,
)

# Most urgent first: a turn that meets several rules is filed under the first.
REASON_ORDER: tuple[HandoffReason, ...] = (
    "risk",
    "explicit_request",
    "vulnerable",
    "complaint",
    "emotion",
    "unanswered",
)

RISK_INTENTS = frozenset(
    {
        "card_payment_not_recognised",
        "cash_withdrawal_not_recognised",
        "compromised_card",
        "direct_debit_payment_not_recognised",
    }
)

PERSISTENT_EMOTIONS = ("frustrated", "angry")
NEGATIVE_EMOTIONS = ("frustrated", "angry", "confused")


@dataclass(frozen=True)
class HandoffSignals:
    """What the policy reads about one turn."""

    text: str
    understanding: Understanding | None
    abstained: bool
    previous_abstentions: int = 0  # consecutive abstentions just before this turn
    earlier_emotions: list[EmotionPrediction] = field(default_factory=list)  # oldest first


@dataclass(frozen=True)
class HandoffPolicy:
    intent_min_confidence: float = 0.5
    risk_intent_min_confidence: float = 0.6
    # The emotion model calls grievances told calmly "angry" at 0.5-0.7 ("you charged me a fee after your
    # outage"); below 0.7 anger needs its words (ANGER_CUES) to reach a person.
    anger_min_intensity: float = 0.7
    persistent_turns: int = 3
    persistent_min_intensity: float = 0.5
    unanswered_turns: int = 2

    def decide(self, signals: HandoffSignals) -> HandoffDecision:
        found: dict[HandoffReason, str] = {}
        checks: tuple[tuple[HandoffReason, Callable[[HandoffSignals], str]], ...] = (
            ("risk", self._risk),
            ("explicit_request", self._explicit_request),
            ("vulnerable", self._vulnerable),
            ("complaint", self._complaint),
            ("emotion", self._emotion),
            ("unanswered", self._unanswered),
        )
        for reason, check in checks:
            detail = check(signals)
            if detail:
                found[reason] = detail
        if not found:
            return HandoffDecision(decision=False, offer_person=signals.abstained)
        reasons = [r for r in REASON_ORDER if r in found]
        reason = reasons[0]
        return HandoffDecision(
            decision=True,
            reason=reason,
            also=reasons[1:],
            priority=self._priority(reason, signals),
            detail=found[reason],
            offer_person=True,
        )

    def _intent(self, signals: HandoffSignals) -> str | None:
        u = signals.understanding
        if u is None or u.intent.confidence < self.intent_min_confidence:
            return None
        return u.intent.label

    def _risk(self, s: HandoffSignals) -> str:
        u = s.understanding
        if (
            u is not None
            and u.intent.label in RISK_INTENTS
            and u.intent.confidence >= self.risk_intent_min_confidence
            and not HYPOTHETICAL.search(s.text)
        ):
            return f"intent {u.intent.label}"
        said = reports_risk(s.text)
        return f"said '{said}'" if said else ""

    def _explicit_request(self, s: HandoffSignals) -> str:
        if self._intent(s) == "human_agent":
            return "asked for a person"
        said = asks_for_person(s.text)
        return f"asked for a person ('{said}')" if said else ""

    @staticmethod
    def _vulnerable(s: HandoffSignals) -> str:
        return reports_vulnerability(s.text)

    def _complaint(self, s: HandoffSignals) -> str:
        match = FORMAL_COMPLAINT.search(s.text)
        if match:
            return f"formal complaint ('{match.group(0)}')"
        satisfied = bool(SATISFIED.search(s.text)) or (
            s.understanding is not None and s.understanding.emotion.label == "satisfied"
        )
        if self._intent(s) == "complaint" and not satisfied and not ABOUT_THE_PROCESS.search(s.text):
            return "complaint"
        return ""

    def _emotion(self, s: HandoffSignals) -> str:
        if s.understanding is None:
            return ""
        now = s.understanding.emotion
        cold = COLD_ANGER.search(s.text)
        if cold:
            return f"{now.label}, out of patience ('{cold.group(0)}')"
        if SATISFIED.search(s.text) and not ANGER_CUES.search(s.text):
            return ""
        if now.label == "angry" and now.intensity >= self.anger_min_intensity:
            return f"angry (intensity {now.intensity:.2f})"
        cue = ANGER_CUES.search(s.text)
        if cue and now.label in NEGATIVE_EMOTIONS:
            return f"{now.label}, angry words ('{cue.group(0)}')"
        window = [*s.earlier_emotions, now][-self.persistent_turns :]
        if (
            len(window) == self.persistent_turns
            and all(e.label in PERSISTENT_EMOTIONS for e in window)
            and now.intensity >= self.persistent_min_intensity
        ):
            return f"{' then '.join(e.label for e in window)} over {self.persistent_turns} turns"
        return ""

    def _unanswered(self, s: HandoffSignals) -> str:
        # A remark ("hmm that's a bit steep", 有点贵啊) that found no passage is no question left open.
        if s.abstained and asks_something(s.text) and s.previous_abstentions + 1 >= self.unanswered_turns:
            return f"no grounded answer {s.previous_abstentions + 1} turns in a row"
        return ""

    @staticmethod
    def _priority(reason: HandoffReason, s: HandoffSignals) -> Priority:
        if reason == "risk":
            return 1
        angry = s.understanding is not None and (
            s.understanding.emotion.label == "angry" or bool(ANGER_CUES.search(s.text))
        )
        if reason in ("complaint", "vulnerable") or (reason == "emotion" and angry):
            return 2
        return 3
