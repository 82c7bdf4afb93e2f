"""Ranking what may be offered by the customer's needs, and saying why in one sentence they understand.

Needs come from three places, strongest first: what the customer is asking about now, recent events
on their account (salary credited, a large deposit, a deposit maturing...), and their balance. Each
signal carries the clause that explains it ("your term deposit of ¥200,000 matures on 2026-12-12").
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from pydantic import BaseModel

from assistant.domain import Lang, Recommendation
from assistant.recommend.catalog import Catalog, NeedsConfig, Product, level
from assistant.recommend.profiles import CustomerEvent, CustomerProfile

CONVERSATION_WEIGHT = 1.5  # what the customer asks about now outweighs what their account suggests
EVENT_LOOKBACK_DAYS = 90
MATURING_WITHIN_DAYS = 60
MIN_SCORE = 0.3


class Evidence(BaseModel):
    """One reason to think the customer has some needs."""

    signal: str
    needs: dict[str, float]
    clause: str


def _money(amount: float | None) -> str:
    if amount is None:
        return ""
    return f"¥{amount:,.0f}"


def _day(day: date, lang: Lang) -> str:
    return day.isoformat() if lang == "en" else f"{day.year}年{day.month}月{day.day}日"


def _event_is_current(event: CustomerEvent, today: date) -> bool:
    if event.type == "term_deposit_maturing":
        return today - timedelta(days=7) <= event.date <= today + timedelta(days=MATURING_WITHIN_DAYS)
    return today - timedelta(days=EVENT_LOOKBACK_DAYS) <= event.date <= today


def gather_evidence(
    profile: CustomerProfile,
    needs: NeedsConfig,
    lang: Lang,
    today: date,
    message: str = "",
    intent: str | None = None,
) -> list[Evidence]:
    evidence: list[Evidence] = []
    for key, signal in needs.conversation.items():
        asked = (intent is not None and intent in signal.intents) or (
            bool(message) and bool(signal.pattern) and re.search(signal.pattern, message, re.IGNORECASE)
        )
        if asked:
            weighted = {need: s * CONVERSATION_WEIGHT for need, s in signal.needs.items()}
            evidence.append(Evidence(signal=f"asked:{key}", needs=weighted, clause=signal.reason(lang)))
    for event in profile.events:
        event_signal = needs.events.get(event.type)
        if event_signal is None or not _event_is_current(event, today):
            continue
        clause = event_signal.reason(lang).format(
            amount=_money(event.amount_cny), date=_day(event.date, lang)
        )
        evidence.append(Evidence(signal=f"event:{event.type}", needs=event_signal.needs, clause=clause))
    if profile.lanting_assets_cny >= needs.idle_balance_min_cny:
        clause = needs.idle_balance.reason(lang).format(assets=_money(profile.lanting_assets_cny))
        evidence.append(Evidence(signal="profile:balance", needs=needs.idle_balance.needs, clause=clause))
    return evidence


def _fit(product: Product, need: str, profile: CustomerProfile) -> float:
    """How well the product serves a need: its first-listed need fits best; for investing, the risk
    level closest to the customer's tolerance fits best (rules have already excluded anything above)."""
    if need not in product.needs:
        return 0.0
    fit = 1.0 - 0.25 * product.needs.index(need)
    if need == "invest" and product.risk_level is not None and profile.risk_tolerance is not None:
        fit *= 1.0 - 0.15 * max(0, level(profile.risk_tolerance) - level(product.risk_level))
    return max(fit, 0.0)


def rank(
    profile: CustomerProfile,
    eligible: list[Product],
    evidence: list[Evidence],
    catalog: Catalog,
    lang: Lang,
    limit: int,
) -> list[Recommendation]:
    ranked: list[Recommendation] = []
    for product in eligible:
        contributions: list[tuple[float, Evidence]] = []
        for item in evidence:
            value = sum(s * _fit(product, need, profile) for need, s in item.needs.items())
            if value > 0:
                contributions.append((value, item))
        score = sum(value for value, _ in contributions)
        if score < MIN_SCORE:
            continue
        contributions.sort(key=lambda c: -c[0])
        top = [item for _, item in contributions[:2]]
        because = catalog.needs.joiner(lang).join(item.clause for item in top)
        reason = catalog.needs.sentence(lang).format(
            because=because, product=product.name(lang), summary=product.summary(lang)
        )
        disclosure = catalog.needs.disclosures.get(product.category)
        ranked.append(
            Recommendation(
                product_id=product.id,
                name=product.name(lang),
                category=product.category,
                risk_level=product.risk_level,
                score=round(score, 3),
                summary=product.summary(lang),
                reason=reason,
                signals=[item.signal for item in top],
                disclosure=disclosure(lang) if disclosure else None,
                document=product.documents[lang],
            )
        )
    ranked.sort(key=lambda r: (-r.score, r.product_id))
    return ranked[:limit]
