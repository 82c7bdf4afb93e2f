"""Customer profiles: what the recommender may know about a customer, and the store that keeps them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from assistant.domain import Lang
from assistant.recommend.catalog import Residency, RiskTolerance

IncomeBand = Literal["under_5k", "5k_10k", "10k_25k", "25k_50k", "50k_plus"]
# The lowest monthly income (CNY) in each band: eligibility is judged on what is certain.
INCOME_BAND_FLOOR: dict[str, int] = {
    "under_5k": 0,
    "5k_10k": 5000,
    "10k_25k": 10000,
    "25k_50k": 25000,
    "50k_plus": 50000,
}
Segment = Literal["youth", "mass", "affluent", "private", "senior", "small_business"]
Employment = Literal["employed", "self_employed", "student", "retired", "unemployed"]
EventType = Literal[
    "salary_credited",
    "large_deposit",
    "travel_spending",
    "loan_nearly_repaid",
    "term_deposit_maturing",
    "high_card_spending",
]


class CustomerEvent(BaseModel):
    type: EventType
    date: date
    amount_cny: int | None = None
    product: str | None = None


class CustomerProfile(BaseModel):
    id: str
    name: str
    age: int = Field(ge=0, le=130)
    segment: Segment
    income_band: IncomeBand
    employment: Employment
    residency: Residency
    language: Lang
    risk_tolerance: RiskTolerance | None = None
    risk_assessed_on: date | None = None
    lanting_assets_cny: int = Field(ge=0)
    holdings: list[str] = []
    events: list[CustomerEvent] = []
    marketing_consent: bool = False
    recommendations_opt_out: bool = False

    @property
    def monthly_income_floor(self) -> int:
        return INCOME_BAND_FLOOR[self.income_band]

    def assessment_valid(self, today: date, valid_days: int) -> bool:
        """An assessment older than ``valid_days`` has expired (default 12 months)."""
        if self.risk_tolerance is None or self.risk_assessed_on is None:
            return False
        return today - self.risk_assessed_on <= timedelta(days=valid_days)
