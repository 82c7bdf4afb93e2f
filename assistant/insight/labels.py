"""Customer labels (客户标签): who a customer is and what they need, each with its evidence.

The labels are data (knowledge/customers/labels.yaml): a profile rule (age, income band, assets, risk
tolerance, residency, holdings, recent account events) or conversation evidence (intents, phrases,
handoff reasons, the language written in) with an expiry. `LabelBook` reads them and decides, for one
profile or one turn, which labels hold and why; the `Labeler` keeps the conversation evidence per
customer (insight/label_store.py) as turns are recorded, so listing a customer's labels reads a few
rows instead of their history.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from assistant.config import PROJECT_ROOT
from assistant.domain import Lang, TurnResult
from assistant.handoff.phrases import FORMAL_COMPLAINT, reports_risk, reports_vulnerability
from assistant.lang import to_simplified
from assistant.recommend.catalog import Localized
from assistant.recommend.profiles import CustomerProfile

LABELS_FILE = PROJECT_ROOT / "knowledge" / "customers" / "labels.yaml"
# marketing: may drive product suggestions; service: shown to staff only; protect: a sensitive
# inference that routes to a person and suppresses every offer, never used to sell.
LabelUse = Literal["marketing", "service", "protect"]


class ProfileRule(BaseModel):
    min_age: int | None = None
    max_age: int | None = None
    income_bands: list[str] = []
    min_assets_cny: int | None = None
    risk_tolerance: list[str] = []
    assessment_expired: bool = False
    residency: list[str] = []
    holdings: list[str] = []
    events: list[str] = []
    within_days: int = 30
    upcoming: bool = False  # the event's date is ahead (a deposit maturing), not behind


# What the handoff policy's phrase detectors find in a message (assistant/handoff/phrases.py): the
# same words that send a customer to a person say something lasting about them.
_REPORTS: dict[str, Callable[[str], str]] = {
    "vulnerability": reports_vulnerability,
    "risk": reports_risk,
    "complaint": lambda text: match.group(0) if (match := FORMAL_COMPLAINT.search(text)) else "",
}


class ConversationRule(BaseModel):
    intents: list[str] = []
    pattern: str | None = None
    handoff: list[str] = []
    reports: list[Literal["vulnerability", "risk", "complaint"]] = []
    lang: Lang | None = None
    min_turns: int = 1

    @cached_property
    def compiled(self) -> re.Pattern[str] | None:
        return re.compile(self.pattern, re.IGNORECASE) if self.pattern else None


class LabelDefinition(BaseModel):
    id: str
    name: Localized
    definition: Localized
    use: LabelUse
    needs: dict[str, float] = {}
    expires_days: int | None = None
    profile: ProfileRule | None = None
    conversation: ConversationRule | None = None


class Evidence(BaseModel):
    """Why a label holds: a profile field or event, or a turn (its masked words, when)."""

    source: Literal["profile", "conversation"]
    detail: str
    at: datetime | None = None
    conversation_id: str | None = None
    turn_id: int | None = None


class CustomerLabel(BaseModel):
    id: str
    name_en: str
    name_zh: str
    use: LabelUse
    needs: dict[str, float] = Field(default={}, description="Need signals it adds to product ranking.")
    sources: list[Literal["profile", "conversation"]]
    evidence: list[Evidence]
    since: datetime | None = None
    expires: datetime | None = Field(default=None, description="When the evidence runs out; None: never.")


class LabelBook:
    def __init__(self, definitions: list[LabelDefinition], reason: Localized) -> None:
        self.definitions = {d.id: d for d in definitions}
        self.reason_template = reason

    @classmethod
    def load(cls, path: Path = LABELS_FILE) -> LabelBook:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        definitions = [LabelDefinition.model_validate(item) for item in raw["labels"]]
        for definition in definitions:
            if definition.needs and definition.use != "marketing":
                raise ValueError(f"label {definition.id}: only a marketing label may add need signals")
        return cls(definitions, Localized.model_validate(raw["reason"]))

    def reason(self, label: CustomerLabel, lang: Lang) -> str:
        """The label named in a suggestion's reason, in the customer's language."""
        return self.reason_template(lang).format(name=label.name_zh if lang == "zh" else label.name_en)

    def from_profile(
        self, profile: CustomerProfile, today: date, assessment_valid_days: int
    ) -> list[CustomerLabel]:
        labels = []
        for definition in self.definitions.values():
            if definition.profile is None:
                continue
            detail = _profile_evidence(definition.profile, profile, today, assessment_valid_days)
            if detail is not None:
                labels.append(self.label(definition.id, [Evidence(source="profile", detail=detail)]))
        return labels

    def from_turn(self, turn: TurnResult) -> list[tuple[LabelDefinition, str]]:
        """The conversation labels this turn is evidence for, each with what in it counts."""
        found = []
        for definition in self.definitions.values():
            rule = definition.conversation
            if rule is not None and (detail := _turn_evidence(rule, turn)):
                found.append((definition, detail))
        return found

    def label(
        self,
        label_id: str,
        evidence: list[Evidence],
        since: datetime | None = None,
        expires: datetime | None = None,
    ) -> CustomerLabel:
        definition = self.definitions[label_id]
        return CustomerLabel(
            id=label_id,
            name_en=definition.name.en,
            name_zh=definition.name.zh,
            use=definition.use,
            needs=definition.needs if definition.use == "marketing" else {},
            sources=sorted({e.source for e in evidence}),
            evidence=evidence,
            since=since,
            expires=expires,
        )


def _profile_evidence(
    rule: ProfileRule, profile: CustomerProfile, today: date, valid_days: int
) -> str | None:
    """What in the profile makes the rule hold, or None. Every condition given must hold."""
    details = []
    if rule.min_age is not None or rule.max_age is not None:
        if not (rule.min_age or 0) <= profile.age <= (rule.max_age or 200):
            return None
        details.append(f"age {profile.age}")
    if rule.income_bands:
        if profile.income_band not in rule.income_bands:
            return None
        details.append(f"income band {profile.income_band}")
    if rule.min_assets_cny is not None:
        if profile.lanting_assets_cny < rule.min_assets_cny:
            return None
        details.append(f"assets ¥{profile.lanting_assets_cny:,}")
    if rule.risk_tolerance:
        valid = profile.assessment_valid(today, valid_days)
        if profile.risk_tolerance not in rule.risk_tolerance or not valid:
            return None
        details.append(f"risk tolerance {profile.risk_tolerance} (assessed {profile.risk_assessed_on})")
    if rule.assessment_expired:
        if profile.risk_assessed_on is None or profile.assessment_valid(today, valid_days):
            return None
        details.append(f"risk assessment of {profile.risk_assessed_on}")
    if rule.residency:
        if profile.residency not in rule.residency:
            return None
        details.append(f"residency {profile.residency}")
    if rule.holdings:
        held = sorted(set(rule.holdings) & set(profile.holdings))
        if not held:
            return None
        details.append("holds " + ", ".join(held))
    if rule.events:
        window = timedelta(days=rule.within_days)
        events = [
            e
            for e in profile.events
            if e.type in rule.events
            and (today <= e.date <= today + window if rule.upcoming else today - window <= e.date <= today)
        ]
        if not events:
            return None
        latest = max(events, key=lambda e: e.date)
        amount = f" ¥{latest.amount_cny:,}" if latest.amount_cny else ""
        details.append(f"{latest.type.replace('_', ' ')}{amount} on {latest.date}")
    return "; ".join(details) if details else None


def _turn_evidence(rule: ConversationRule, turn: TurnResult) -> str | None:
    """What in the turn counts for the rule: the intent, handoff reason, phrase or language; or None."""
    if rule.lang is not None:
        return f"wrote in {turn.lang}" if turn.lang == rule.lang and _writes_in(turn) else None
    intent = turn.understanding.intent.label if turn.understanding else None
    if intent and intent in rule.intents:
        return f"intent {intent}"
    for kind in rule.reports:  # the customer's own words first: they tell staff most
        if said := _REPORTS[kind](turn.question):
            return f"reported {kind}: {said}"
    reasons = [r for r in (turn.handoff.reason, *turn.handoff.also) if r]
    if matched := [r for r in reasons if r in rule.handoff]:
        return f"handed to a person: {matched[0]}"
    # Patterns are written in Simplified Chinese; a Traditional message is read in both scripts.
    for text in (turn.question, to_simplified(turn.question)):
        if rule.compiled is not None and (match := rule.compiled.search(text)):
            return f"said “{match.group(0)}”"
    return None


def _writes_in(turn: TurnResult) -> bool:
    """A message with words in it: "ok" or an emoji says nothing about the language preferred."""
    return len(turn.question.strip()) >= 4
