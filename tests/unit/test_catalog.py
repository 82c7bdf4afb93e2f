"""The catalog and the demo customers are data: check they agree with the knowledge base and each other."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.config import PROJECT_ROOT
from assistant.guard.output import output_violation
from assistant.ingest.loaders import load_document
from assistant.recommend.catalog import Catalog, level
from assistant.recommend.store import DEMO_CUSTOMERS, read_profiles
from assistant.stages.figures import numeric_values

CATALOG = Catalog.load(PROJECT_ROOT / "knowledge" / "catalog")
DOCS = PROJECT_ROOT / "knowledge" / "docs"


def _documents_by_id() -> dict[str, str]:
    texts: dict[str, str] = {}
    for path in sorted(DOCS.rglob("*")):
        if path.is_file() and not path.name.endswith(".meta.yaml"):
            loaded = load_document(path, path.read_bytes())
            texts[loaded.meta.doc_id] = loaded.body_markdown
    return texts


DOCUMENTS = _documents_by_id()


@pytest.mark.parametrize("product", CATALOG.products, ids=lambda p: p.id)
def test_every_key_term_and_summary_figure_is_in_the_products_documents_in_both_languages(product):
    for lang, doc_id in product.documents.items():
        assert doc_id in DOCUMENTS, f"{product.id}: no document {doc_id}"
        in_document = numeric_values(DOCUMENTS[doc_id])
        for term, value in product.key_terms.items():
            assert round(value, 6) in in_document, f"{product.id}.{term}={value} not in {doc_id}"
        for number in numeric_values(product.summary(lang)):
            assert number in in_document, f"{product.id} {lang} summary says {number}, {doc_id} does not"


def test_investment_products_and_only_they_carry_a_risk_level():
    for product in CATALOG.products:
        assert (product.risk_level is not None) == (product.category == "wealth"), product.id


def test_every_category_offered_with_required_wording_has_it_in_both_languages_without_promises():
    for category in ("wealth", "credit_card", "loan"):
        disclosure = CATALOG.needs.disclosures[category]
        for text in (disclosure.en, disclosure.zh):
            assert text and output_violation(text) is None
    wealth = CATALOG.needs.disclosures["wealth"]
    assert "理财非存款、产品有风险、投资须谨慎" in wealth.zh
    assert "past performance is not a reliable indicator of future results" in wealth.en.lower()


def test_a_catalog_that_refers_to_an_unknown_product_or_need_is_refused_at_load():
    broken = CATALOG.model_copy(deep=True)
    broken.products[0].eligibility.requires = ["no-such-product"]
    with pytest.raises(ValueError, match="unknown products"):
        broken.check()
    broken = CATALOG.model_copy(deep=True)
    broken.needs.idle_balance.needs = {"teleportation": 1.0}
    with pytest.raises(ValueError, match="needs no product serves"):
        broken.check()


def test_demo_customers_are_many_varied_and_consistent_with_the_catalog():
    profiles = read_profiles(DEMO_CUSTOMERS)
    assert len(profiles) >= 30
    assert len({p.id for p in profiles}) == len(profiles)
    product_ids = {p.id for p in CATALOG.products}
    today = date(2026, 11, 26)
    for profile in profiles:
        assert set(profile.holdings) <= product_ids, profile.id
        for held in profile.holdings:
            product = CATALOG.get(held)
            assert product is not None
            if product.risk_level is not None:  # nobody holds what their assessment never allowed
                assert profile.risk_tolerance is not None
                assert level(product.risk_level) <= level(profile.risk_tolerance), profile.id
    assert sum(not p.marketing_consent for p in profiles) >= 3
    assert sum(p.recommendations_opt_out for p in profiles) >= 2
    assert sum(p.risk_tolerance is not None and not p.assessment_valid(today, 365) for p in profiles) >= 3
    assert {p.language for p in profiles} == {"en", "zh"}
    assert {p.risk_tolerance for p in profiles} >= {"C1", "C2", "C3", "C4", "C5", None}
