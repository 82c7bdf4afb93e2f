"""Hard rules, applied before any ranking: a product a customer may not be offered is excluded, with why.

The rules follow the bank's suitability duties: a product's risk level never exceeds the customer's
assessed tolerance (R1..R5 vs C1..C5); an expired assessment allows R1 only and a missing one allows no
investment product; eligibility (age, income or assets, residency, existing relationship, minimum
amount); nothing the customer holds already; nothing at all without marketing consent or after an
opt-out (PIPL art. 24: automated marketing must be refusable).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel

from assistant.recommend.catalog import Product, level
from assistant.recommend.profiles import CustomerProfile

ExclusionReason = Literal[
    "no_marketing_consent",
    "opted_out",
    "already_held",
    "no_risk_assessment",
    "assessment_expired",
    "risk_above_tolerance",
    "below_min_age",
    "above_max_age",
    "income_below_minimum",
    "assets_below_minimum",
    "residency",
    "missing_relationship",
    "below_minimum_amount",
    "recently_dismissed",
]


class Exclusion(BaseModel):
    product_id: str
    risk_level: str | None
    reason: ExclusionReason
    reasons: list[ExclusionReason]
    detail: str


@dataclass(frozen=True)
class SuitabilityPolicy:
    assessment_valid_days: int = 365
    expired_assessment_max_level: int = 1  # R1 only until the customer is assessed again


def _failures(
    profile: CustomerProfile, product: Product, today: date, policy: SuitabilityPolicy, dismissed: set[str]
) -> Iterable[tuple[ExclusionReason, str]]:
    if not profile.marketing_consent:
        yield "no_marketing_consent", "the customer has not consented to marketing"
    if profile.recommendations_opt_out:
        yield "opted_out", "the customer turned recommendations off"
    if product.id in profile.holdings:
        yield "already_held", "the customer already holds it"
    if product.risk_level is not None:
        risk = level(product.risk_level)
        if profile.risk_tolerance is None:
            yield "no_risk_assessment", "no investor risk assessment on file"
        elif not profile.assessment_valid(today, policy.assessment_valid_days):
            if risk > policy.expired_assessment_max_level:
                yield (
                    "assessment_expired",
                    f"risk assessment of {profile.risk_assessed_on} has expired: R1 only",
                )
        elif risk > level(profile.risk_tolerance):
            yield (
                "risk_above_tolerance",
                f"{product.risk_level} is above the customer's {profile.risk_tolerance}",
            )
    rules = product.eligibility
    if profile.age < rules.min_age:
        yield "below_min_age", f"minimum age {rules.min_age}"
    if rules.max_age is not None and profile.age > rules.max_age:
        yield "above_max_age", f"maximum age {rules.max_age}"
    income_ok = (
        rules.min_monthly_income_cny is None or profile.monthly_income_floor >= rules.min_monthly_income_cny
    )
    assets_ok = rules.min_assets_cny is not None and profile.lanting_assets_cny >= rules.min_assets_cny
    if rules.min_monthly_income_cny is not None and not income_ok and not assets_ok:
        either = f" or assets of ¥{rules.min_assets_cny:,}" if rules.min_assets_cny else ""
        yield "income_below_minimum", f"needs a monthly income of ¥{rules.min_monthly_income_cny:,}{either}"
    if rules.min_monthly_income_cny is None and rules.min_assets_cny is not None and not assets_ok:
        yield "assets_below_minimum", f"needs assets with the bank of ¥{rules.min_assets_cny:,}"
    if profile.residency not in rules.residency:
        yield "residency", f"not offered to {profile.residency} residents"
    missing = [p for p in rules.requires if p not in profile.holdings]
    if missing:
        yield "missing_relationship", f"needs {', '.join(missing)} first"
    minimum = product.minimum_amount_cny
    if minimum is not None and minimum > profile.lanting_assets_cny:
        yield "below_minimum_amount", f"minimum ¥{minimum:,.0f} exceeds the customer's assets with the bank"
    if product.id in dismissed:
        yield "recently_dismissed", "the customer dismissed it recently"


def screen(
    profile: CustomerProfile,
    products: list[Product],
    today: date,
    policy: SuitabilityPolicy,
    dismissed: set[str] | None = None,
) -> tuple[list[Product], list[Exclusion]]:
    """Split the catalog into what may be offered and what may not (with every reason, first first)."""
    eligible: list[Product] = []
    excluded: list[Exclusion] = []
    for product in products:
        failures = list(_failures(profile, product, today, policy, dismissed or set()))
        if not failures:
            eligible.append(product)
            continue
        excluded.append(
            Exclusion(
                product_id=product.id,
                risk_level=product.risk_level,
                reason=failures[0][0],
                reasons=[code for code, _ in failures],
                detail="; ".join(text for _, text in failures),
            )
        )
    return eligible, excluded
