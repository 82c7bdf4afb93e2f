"""The product catalog and the need signals, loaded from ``knowledge/catalog`` (data, not code)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from assistant.domain import Lang

RiskLevel = Literal["R1", "R2", "R3", "R4", "R5"]
RiskTolerance = Literal["C1", "C2", "C3", "C4", "C5"]
Residency = Literal["mainland", "non_mainland"]
Category = Literal["account", "card", "deposit", "credit_card", "loan", "wealth"]


def level(code: str) -> int:
    """'R3' -> 3, 'C4' -> 4: risk levels and tolerances compare on the same 1-5 scale."""
    return int(code[1:])


class Localized(BaseModel):
    en: str
    zh: str

    def __call__(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.zh


class Eligibility(BaseModel):
    min_age: int = 18
    max_age: int | None = None
    min_monthly_income_cny: int | None = None
    # Either route qualifies when both are set (e.g. Platinum: income, or assets with the bank).
    min_assets_cny: int | None = None
    residency: list[Residency] = ["mainland", "non_mainland"]
    requires: list[str] = Field(default=[], description="Products the customer must already hold.")


class Product(BaseModel):
    id: str
    name: Localized
    category: Category
    risk_level: RiskLevel | None = Field(description="Investment products only.")
    eligibility: Eligibility
    key_terms: dict[str, float]
    documents: dict[Lang, str] = Field(description="Knowledge-base doc_id per language.")
    needs: list[str] = Field(min_length=1, description="The needs it serves, best fit first.")
    summary: Localized

    @property
    def is_investment(self) -> bool:
        return self.risk_level is not None

    @property
    def minimum_amount_cny(self) -> float | None:
        return self.key_terms.get("minimum_amount_cny")


class Signal(BaseModel):
    """A reason to think the customer has a need, with the sentence that explains it to them."""

    needs: dict[str, float]
    reason: Localized


class ConversationSignal(Signal):
    intents: list[str] = []
    pattern: str = Field(default="", description="Regular expression over the customer's message.")


class NeedsConfig(BaseModel):
    events: dict[str, Signal]
    idle_balance: Signal
    idle_balance_min_cny: int
    conversation: dict[str, ConversationSignal]
    disclosures: dict[str, Localized] = Field(description="Required wording per product category.")
    sentence: Localized = Field(description="Template: {because}, {product}, {summary}.")
    joiner: Localized


class Catalog(BaseModel):
    products: list[Product]
    needs: NeedsConfig

    @classmethod
    def load(cls, directory: Path) -> Catalog:
        products = yaml.safe_load((directory / "products.yaml").read_text(encoding="utf-8"))
        needs = yaml.safe_load((directory / "needs.yaml").read_text(encoding="utf-8"))
        catalog = cls(products=products, needs=needs)
        catalog.check()
        return catalog

    def check(self) -> None:
        """Fail at start-up, not mid-conversation, on a catalog that refers to unknown things."""
        ids = [p.id for p in self.products]
        if len(ids) != len(set(ids)):
            raise ValueError("product ids must be unique")
        known_needs = {n for p in self.products for n in p.needs}
        signals: list[Signal] = [
            *self.needs.events.values(),
            self.needs.idle_balance,
            *self.needs.conversation.values(),
        ]
        for signal in signals:
            unknown = set(signal.needs) - known_needs
            if unknown:
                raise ValueError(f"signal refers to needs no product serves: {sorted(unknown)}")
        for product in self.products:
            missing = set(product.eligibility.requires) - set(ids)
            if missing:
                raise ValueError(f"{product.id} requires unknown products: {sorted(missing)}")

    def get(self, product_id: str) -> Product | None:
        return next((p for p in self.products if p.id == product_id), None)
