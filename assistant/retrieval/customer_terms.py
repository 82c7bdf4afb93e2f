"""The knowledge base's words for what a customer says in their own: "换外汇" is "购汇", "a year" is
"annual". Extractive answers rank sentences by the question's words, so without these the sentence
that answers "一年最多能换多少外汇" ("每人每个自然年度可购汇等值50,000美元") shares no word with it.

The vocabulary is data (customer_terms.yaml): a bank adds its customers' phrasings there.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from assistant.lang import to_simplified
from assistant.retrieval.keyword import tokenize

CUSTOMER_TERMS_FILE = Path(__file__).with_name("customer_terms.yaml")


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, dict[str, list[str]]]:
    """Per language, each document term and the customer phrasings that mean it."""
    loaded = yaml.safe_load(CUSTOMER_TERMS_FILE.read_text(encoding="utf-8"))
    return {
        lang: {term: [phrasing.lower() for phrasing in phrasings] for term, phrasings in terms.items()}
        for lang, terms in loaded.items()
    }


def document_terms(question: str) -> frozenset[str]:
    """The keyword tokens of the document terms whose customer phrasings occur in ``question`` (either
    language's: a Chinese question may be answered from an English passage and the other way round,
    but each phrasing only occurs in its own language)."""
    text = to_simplified(question.lower())
    return frozenset(
        token
        for terms in vocabulary().values()
        for term, phrasings in terms.items()
        if any(phrasing in text for phrasing in phrasings)
        for token in tokenize(term)
    )
