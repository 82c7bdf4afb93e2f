"""Property-based proof of the recommender's compliance rules, over generated customers and products.

Whatever the catalog, profile, message or mood: no product above the customer's risk tolerance (R1
only on an expired assessment, no investment product without one), nothing without marketing consent
or after an opt-out, nothing to an upset customer or in a complaint or fraud conversation, and every
investment offer carries the risk disclosure and no promise of returns.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from assistant.config import PROJECT_ROOT
from assistant.domain import EmotionPrediction, EmotionTrend, HandoffDecision, IntentPrediction, Understanding
from assistant.guard.output import output_violation
from assistant.recommend.catalog import Catalog, Eligibility, Localized, Product, level
from assistant.recommend.gate import UPSET_EMOTIONS, GateInput, gate
from assistant.recommend.profiles import INCOME_BAND_FLOOR, CustomerEvent, CustomerProfile
from assistant.recommend.stage import decide_offers
from assistant.recommend.suitability import SuitabilityPolicy
from assistant.understand.labels import EMOTIONS

REAL = Catalog.load(PROJECT_ROOT / "knowledge" / "catalog")
NEEDS = sorted({need for product in REAL.products for need in product.needs})
TODAY = date(2026, 11, 26)
POLICY = SuitabilityPolicy(assessment_valid_days=365)
MESSAGES = [
    "",
    "I want to invest some spare money",
    "what are your savings rates?",
    "I'm travelling to Japan next month",
    "我有一笔闲钱想理财",
    "定期存款利率多少",
    "I need a loan for a car",
    "信用卡年费多少",
    "how do I change my PIN?",
]
SENSITIVE_MESSAGES = [
    "someone used my card and I didn't authorise it",
    "I want to make a formal complaint",
    "我的卡被盗刷了",
    "我要投诉你们",
]

risk_levels = st.sampled_from(["R1", "R2", "R3", "R4", "R5"])
tolerances = st.sampled_from(["C1", "C2", "C3", "C4", "C5"])


@st.composite
def products(draw: st.DrawFn, index: int) -> Product:
    risk = draw(st.one_of(st.none(), risk_levels))
    min_age = draw(st.sampled_from([16, 18, 18, 22, 30]))
    return Product(
        id=f"p{index}",
        name=Localized(en=f"Product {index}", zh=f"产品{index}"),
        category="wealth" if risk else draw(st.sampled_from(["deposit", "credit_card", "loan", "card"])),
        risk_level=risk,
        # Half the products are open to everyone, so that offers happen and risk levels decide.
        eligibility=Eligibility()
        if draw(st.booleans())
        else Eligibility(
            min_age=min_age,
            max_age=draw(st.one_of(st.none(), st.integers(min_age, 90))),
            min_monthly_income_cny=draw(st.one_of(st.none(), st.sampled_from([3000, 8000, 25000]))),
            min_assets_cny=draw(st.one_of(st.none(), st.sampled_from([50000, 500000]))),
            residency=draw(st.sampled_from([["mainland"], ["mainland", "non_mainland"], ["non_mainland"]])),
            requires=draw(st.sampled_from([[], ["p0"]])),
        ),
        key_terms={"minimum_amount_cny": draw(st.sampled_from([1, 1, 10000, 100000]))},
        documents={"en": f"p{index}-en", "zh": f"p{index}-zh"},
        needs=draw(st.lists(st.sampled_from(NEEDS), min_size=1, max_size=4, unique=True)),
        summary=Localized(en="a product", zh="一款产品"),
    )


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    count = draw(st.integers(1, 8))
    return Catalog(products=[draw(products(i)) for i in range(count)], needs=REAL.needs)


@st.composite
def profiles(draw: st.DrawFn, product_ids: list[str], consenting: bool = False) -> CustomerProfile:
    tolerance = draw(st.sampled_from([None, "C1", "C2", "C3", "C4", "C5"]))
    assessed = TODAY - timedelta(days=draw(st.integers(0, 1100))) if tolerance else None
    event_types = st.sampled_from(
        ["salary_credited", "large_deposit", "travel_spending", "loan_nearly_repaid",
         "term_deposit_maturing", "high_card_spending"]
    )  # fmt: skip
    events = draw(
        st.lists(
            st.builds(
                CustomerEvent,
                type=event_types,
                date=st.dates(TODAY - timedelta(days=120), TODAY + timedelta(days=60)),
                amount_cny=st.integers(100, 2_000_000),
            ),
            max_size=4,
        )
    )
    return CustomerProfile(
        id="X1",
        name="Generated",
        age=draw(st.integers(16, 95) | st.integers(25, 60)),
        segment=draw(st.sampled_from(["youth", "mass", "affluent", "private", "senior", "small_business"])),
        income_band=draw(st.sampled_from(sorted(INCOME_BAND_FLOOR))),
        employment=draw(st.sampled_from(["employed", "self_employed", "student", "retired", "unemployed"])),
        residency=draw(st.sampled_from(["mainland", "non_mainland"])),
        language=draw(st.sampled_from(["en", "zh"])),
        risk_tolerance=tolerance,
        risk_assessed_on=assessed,
        lanting_assets_cny=draw(st.integers(0, 5_000_000)),
        holdings=draw(st.lists(st.sampled_from(product_ids), unique=True, max_size=2)),
        events=events,
        marketing_consent=True if consenting else draw(st.booleans()),
        recommendations_opt_out=False if consenting else draw(st.booleans()),
    )


@st.composite
def situations(draw: st.DrawFn, open_gate: bool = False):
    """``open_gate``: a consenting, calm customer asking an ordinary question, so that offers happen
    and the suitability rules, not the gate, are what is tested."""
    catalog = draw(catalogs())
    profile = draw(profiles([p.id for p in catalog.products], consenting=open_gate))
    message = draw(st.sampled_from(MESSAGES if open_gate else MESSAGES + SENSITIVE_MESSAGES))
    calm = [e for e in EMOTIONS if e not in UPSET_EMOTIONS]
    emotion = draw(st.sampled_from(calm if open_gate else EMOTIONS))
    intents = ["exchange_rate", "greeting"] if open_gate else ["exchange_rate", "complaint", "greeting"]
    understanding = Understanding(
        intent=IntentPrediction(label=draw(st.sampled_from(intents)), confidence=0.9),
        emotion=EmotionPrediction(label=emotion, intensity=draw(st.floats(0, 1)), confidence=0.9),
    )
    gate_input = GateInput(
        has_profile=True,
        marketing_consent=profile.marketing_consent,
        opted_out=profile.recommendations_opt_out,
        answer_kind=draw(
            st.sampled_from(
                ["llm", "extractive"] if open_gate else ["llm", "extractive", "abstained", "to_agent", None]
            )
        ),
        understanding=understanding,
        message=message,
        handoff=HandoffDecision(decision=False),
    )
    return catalog, profile, gate_input


def _decide(catalog, profile, gate_input):
    understanding = gate_input.understanding
    return decide_offers(
        profile,
        catalog,
        gate_input,
        gate_input.message,
        understanding.intent.label,
        profile.language,
        TODAY,
        POLICY,
        dismissed=set(),
        limit=5,
    )


OFFERS_MADE: list[tuple[int, bool]] = []  # per example: offers made, any of them an investment


def _check_every_offer(situation: Any) -> None:
    catalog, profile, gate_input = situation
    _, offered, excluded = _decide(catalog, profile, gate_input)
    OFFERS_MADE.append((len(offered), any(o.risk_level for o in offered)))
    valid = profile.assessment_valid(TODAY, POLICY.assessment_valid_days)
    excluded_ids = {e.product_id for e in excluded}
    for offer in offered:
        product = catalog.get(offer.product_id)
        assert product is not None and product.id not in excluded_ids
        assert product.id not in profile.holdings
        assert profile.marketing_consent and not profile.recommendations_opt_out
        if product.risk_level is not None:
            assert profile.risk_tolerance is not None, "investment offered without an assessment"
            allowed = level(profile.risk_tolerance) if valid else 1
            assert level(product.risk_level) <= allowed, (product.risk_level, profile.risk_tolerance, valid)
            assert offer.disclosure and (
                "理财非存款" in offer.disclosure or "not deposits" in offer.disclosure
            )
        assert profile.age >= product.eligibility.min_age
        assert profile.residency in product.eligibility.residency
        assert output_violation(offer.reason) is None
    for exclusion in excluded:
        assert exclusion.reasons and exclusion.reason == exclusion.reasons[0] and exclusion.detail


@settings(max_examples=400, deadline=None)
@given(situations(open_gate=True))
def test_no_offer_ever_breaks_a_suitability_rule(situation):
    _check_every_offer(situation)


# The same property on a fixed sample, so that how many offers it saw does not vary run to run
# (between 9 and 62 investment offers in 400 random examples).
@seed(20261208)
@settings(max_examples=400, deadline=None)
@given(situations(open_gate=True))
def _the_property_on_a_fixed_sample(situation):
    _check_every_offer(situation)


def test_the_suitability_property_was_tested_on_real_offers():
    """Guards against a vacuous property: generated situations must actually lead to offers."""
    OFFERS_MADE.clear()
    _the_property_on_a_fixed_sample()
    assert len(OFFERS_MADE) >= 100
    assert sum(1 for n, _ in OFFERS_MADE if n) / len(OFFERS_MADE) > 0.15
    assert sum(1 for _, investment in OFFERS_MADE if investment) >= 10


@settings(max_examples=300, deadline=None)
@given(situations())
def test_nothing_is_offered_without_consent_or_to_an_upset_customer_or_in_a_complaint(situation):
    catalog, profile, gate_input = situation
    decision, offered, _ = _decide(catalog, profile, gate_input)
    upset = gate_input.understanding.emotion.label in UPSET_EMOTIONS
    sensitive = (
        gate_input.message in SENSITIVE_MESSAGES or gate_input.understanding.intent.label == "complaint"
    )
    if not profile.marketing_consent or profile.recommendations_opt_out or upset or sensitive:
        assert offered == [] and not decision.allowed
    if gate_input.answer_kind not in ("llm", "extractive", None):
        assert offered == []  # only ever beside an answer


@settings(max_examples=100, deadline=None)
@given(situations(), st.sampled_from(["angry", "frustrated", "anxious"]))
def test_an_upset_earlier_turn_still_closes_the_gate(situation, earlier):
    catalog, profile, gate_input = situation
    understanding = gate_input.understanding.model_copy(
        update={
            "emotion": EmotionPrediction(label="neutral", intensity=0.0, confidence=0.9),
            "trend": EmotionTrend(recent=[EmotionPrediction(label=earlier, intensity=0.5, confidence=0.9),
                                          EmotionPrediction(label="neutral", intensity=0.0, confidence=0.9)]),
        }
    )  # fmt: skip
    _, offered, _ = _decide(catalog, profile, gate_input.model_copy(update={"understanding": understanding}))
    assert offered == []


def test_the_gate_spaces_offers_and_stays_shut_with_a_person_or_a_handoff():
    profile_gate = GateInput(has_profile=True, marketing_consent=True, answer_kind="llm")

    assert gate(profile_gate).allowed
    assert gate(profile_gate.model_copy(update={"with_person": True})).reason == "with_person"
    handoff = HandoffDecision(decision=True, reason="explicit_request", priority=3)
    assert gate(profile_gate.model_copy(update={"handoff": handoff})).reason == "handoff"
    spaced = profile_gate.model_copy(update={"turn": 3, "last_shown_turn": 1, "every_turns": 3})
    assert gate(spaced).reason == "too_soon"
    assert gate(spaced.model_copy(update={"turn": 4})).allowed
    assert gate(profile_gate.model_copy(update={"earlier_intents": ["compromised_card"]})).reason == (
        "complaint_or_fraud"
    )


@pytest.mark.parametrize(
    "message",
    ["My husband passed away, which savings account should I move his money to?", "我失业了，房贷还不上了"],
)
def test_a_bereaved_or_struggling_customer_is_offered_nothing(message):
    given = GateInput(has_profile=True, marketing_consent=True, answer_kind="llm", message=message)
    assert gate(given).reason == "vulnerable_customer"
