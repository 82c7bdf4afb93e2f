"""Citations are checked in code, not trusted: parse [n] markers, resolve them, verify the numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.domain import Citation, RetrievedChunk
from assistant.retrieval.keyword import tokenize
from assistant.stages.extractive import passage_units
from assistant.stages.figures import numeric_values

# [1], [1, 2], [1][2], 【1】, [source 1], [Source 2]
_MARKER = re.compile(r"[\[【]\s*(?:source\s*|来源\s*)?(\d+(?:\s*[,，、]\s*\d+)*)\s*[\]】]", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])|\n+")
# Where a sentence ends, keeping what follows: a full stop only before a space or the end, so the
# point of "0.35%" never ends one.
_SENTENCE_END = re.compile(r"(?<=[!?。！？])|(?<=\.)(?=\s|$)")
# Below this share of a sentence's terms found in its cited passages, the sentence is unsupported.
MIN_TERM_SUPPORT = 0.5
# A negative or yes/no claim needs one sentence or row of a cited passage with this share of its terms.
MIN_CLAIM_SUPPORT = 0.6
_NEGATION = re.compile(
    r"\b(?:no|not|never|none|without|cannot|free|waived|exempt)\b|n't|[不没无免未非]", re.IGNORECASE
)
# A question asking for an amount is taken up by any figure it did not state itself ("年费多少钱？"
# answered "年费为¥300").
_ASKS_AMOUNT = re.compile(
    r"how (?:much|many|long|old|soon)|what rate|多少|几|多久|多长|多高|多大", re.IGNORECASE
)
_SAYS_YES = re.compile(r"\byes\b|可以|是的|需要", re.IGNORECASE)
# Words that only say yes or no: a sentence of these and the question's own terms claims nothing new.
_YES_NO_WORDS = frozenset({"yes", "no", "not", "是", "否", "不", "没有", "可以", "不能", "不可以"})


@dataclass(frozen=True)
class CitationCheck:
    citations: list[Citation]
    invalid_markers: list[int]
    unsupported_numbers: list[str]
    unsupported_sentences: list[str]
    misplaced_numbers: list[str] = field(default_factory=list)
    unsupported_claims: list[str] = field(default_factory=list)
    off_topic: bool = False

    @property
    def grounded(self) -> bool:
        return self.failure() is None

    def failure(self) -> str | None:
        if not self.citations:
            return "no valid citation"
        if self.invalid_markers:
            return f"citation out of range: {self.invalid_markers}"
        if self.unsupported_numbers:
            return f"numbers not in the cited sources: {self.unsupported_numbers}"
        if self.unsupported_sentences:
            return f"{len(self.unsupported_sentences)} sentence(s) not supported by the cited sources"
        if self.misplaced_numbers:
            return f"numbers from the wrong row or sentence of the source: {self.misplaced_numbers}"
        if self.unsupported_claims:
            return f"{len(self.unsupported_claims)} yes/no or negative claim(s) no cited sentence makes"
        if self.off_topic:
            return "the answer does not take up what was asked"
        return None


def cited_numbers(text: str) -> list[int]:
    numbers: list[int] = []
    for match in _MARKER.finditer(text):
        numbers += [int(n) for n in re.split(r"\s*[,，、]\s*", match.group(1))]
    return numbers


def strip_markers(text: str) -> str:
    return _MARKER.sub("", text)


def check_citations(answer: str, sources: list[RetrievedChunk], question: str) -> CitationCheck:
    """Resolve markers to sources (numbered from 1) and check every number against what was cited."""
    markers = cited_numbers(answer)
    valid = sorted({n for n in markers if 1 <= n <= len(sources)})
    invalid = sorted({n for n in markers if not 1 <= n <= len(sources)})
    citations = [to_citation(n, sources[n - 1]) for n in valid]
    supported = numeric_values(question)
    for n in valid:
        supported |= numeric_values(sources[n - 1].chunk.contextual_text())
    claimed = numeric_values(strip_markers(answer))
    unsupported = sorted(_format(v) for v in claimed - supported)
    return CitationCheck(
        citations=citations,
        invalid_markers=invalid,
        unsupported_numbers=unsupported,
        unsupported_sentences=_unsupported_sentences(answer, sources, question, valid),
        misplaced_numbers=_misplaced_numbers(answer, sources, question, valid),
        unsupported_claims=_unsupported_claims(answer, sources, question, valid),
        off_topic=_off_topic(answer, sources, question, valid),
    )


def _off_topic(answer: str, sources: list[RetrievedChunk], question: str, cited: list[int]) -> bool:
    """True sentences beside the point, or no answer at all.

    Beside the point: "How do I get the Gold card fee waived?" answered "You activated your Gold card
    on 10 April [1]". The answer must use one of the question's terms beyond those of the cited
    passages' headings (the product named there is no answer on its own), or state a figure when the
    question asks for an amount. No answer: the question or a source's heading said back ("[1]
    Platinum Credit Card > Annual fee and waiver [2]."), with no figure, no other word and no yes or no.
    """
    headings = set().union(*(_terms(sources[n - 1].chunk.heading_context()) for n in cited))
    question_terms = set(tokenize(question))
    stated = strip_markers(answer)
    terms = set(tokenize(stated))
    new_figures = numeric_values(stated) - numeric_values(question)
    if _ASKS_AMOUNT.search(question) and new_figures:
        return False
    asked = question_terms - headings
    if asked and not asked & terms:
        return True
    says_yes_or_no = _NEGATION.search(stated) or _SAYS_YES.search(stated)
    return not (terms - question_terms - headings) and not new_figures and not says_yes_or_no


def attribute_uncited(answer: str, sources: list[RetrievedChunk], question: str) -> str:
    """Add a [n] marker to each uncited sentence that exactly one passage fully supports.

    Small models often state a correct fact and forget the marker. The marker we add is then checked
    like any other: the sentence's numbers and key terms must all be in that passage.
    """
    question_terms = set(tokenize(question))
    passage_terms = [passage_terms_of(hit) for hit in sources]
    passage_numbers = [numeric_values(hit.chunk.contextual_text()) for hit in sources]
    pieces = []
    for sentence in _SENTENCE_END.split(answer):
        body = sentence.strip()
        terms = set(tokenize(body))
        # A fragment like "No." is no checkable claim: attribute only real sentences about the question.
        if len(terms) >= 2 and terms & question_terms and not cited_numbers(body):
            numbers = numeric_values(body) - numeric_values(question)
            supporting = [
                n
                for n, (available, values) in enumerate(
                    zip(passage_terms, passage_numbers, strict=True), start=1
                )
                if numbers <= values
                and not (terms & question_terms) - available
                and len(terms & available) / len(terms) >= 0.75
            ]
            if supporting:
                stop = re.search(r"[.!?。！？]$", sentence.rstrip())
                end = len(sentence.rstrip()) - (1 if stop else 0)
                sentence = f"{sentence[:end]} [{supporting[0]}]{sentence[end:]}"
        pieces.append(sentence)
    return "".join(pieces)


def passage_terms_of(hit: RetrievedChunk) -> frozenset[str]:
    return _terms(hit.chunk.contextual_text())


@lru_cache(maxsize=512)
def _terms(text: str) -> frozenset[str]:
    """Cached: attribution and the support check both read the same few passages in one turn."""
    return frozenset(tokenize(text))


def _unsupported_sentences(
    answer: str, sources: list[RetrievedChunk], question: str, cited: list[int]
) -> list[str]:
    """A sentence is supported when its cited passages contain the question's terms it uses
    (so "Platinum" can't be answered from the Gold card's passage) and most of its other terms.
    A sentence without a marker is checked against every passage the answer cites."""
    question_terms = set(tokenize(question))
    source_terms = {n: passage_terms_of(hit) for n, hit in enumerate(sources, start=1)}
    failures = []
    for sentence in filter(None, (s.strip() for s in _SENTENCE.split(answer))):
        terms = set(tokenize(strip_markers(sentence)))
        if not terms:
            continue
        numbers = [n for n in cited_numbers(sentence) if n in source_terms] or cited
        available = set().union(*(source_terms[n] for n in numbers)) if numbers else set()
        missing_subject = (terms & question_terms) - available
        if missing_subject or len(terms & available) / len(terms) < MIN_TERM_SUPPORT:
            failures.append(sentence)
    return failures


def _unsupported_claims(
    answer: str, sources: list[RetrievedChunk], question: str, cited: list[int]
) -> list[str]:
    """Negative and yes/no claims must be made by one sentence or table row of a cited passage, with
    the same polarity and the question's terms it uses: "信用卡纸质账单不收费 [1]" passed the term check
    because the current account's passage has 纸质对账单 in one place and 不 in another, but no unit
    says credit card paper statements are free. A yes/no answer that only echoes the question's terms
    ("No, it doesn't") must be backed the same way."""
    question_terms = set(tokenize(question))
    failures = []
    for sentence in filter(None, (s.strip() for s in _SENTENCE.split(answer))):
        body = strip_markers(sentence)
        terms = set(tokenize(body))
        negated = bool(_NEGATION.search(body))
        yes_no = terms <= question_terms | _YES_NO_WORDS
        if not terms or not (negated or yes_no):
            continue
        numbers = [n for n in cited_numbers(sentence) if 1 <= n <= len(sources)] or cited
        asked = terms & question_terms
        if not any(
            asked <= unit_terms
            and len(terms & unit_terms) >= MIN_CLAIM_SUPPORT * len(terms)
            and (unit_negated or not negated)
            and (unit_negated == negated or not yes_no)
            for unit_terms, unit_negated in _claim_units([sources[n - 1] for n in numbers])
        ):
            failures.append(sentence)
    return failures


def _claim_units(hits: list[RetrievedChunk]) -> list[tuple[frozenset[str], bool]]:
    """Each sentence or row of the passages with its heading's terms, and whether it negates."""
    units = []
    for hit in hits:
        heading = _terms(hit.chunk.heading_context())
        units += [
            (_terms(unit) | heading, bool(_NEGATION.search(unit))) for unit in passage_units(hit.chunk.text)
        ]
    return units


def _misplaced_numbers(
    answer: str, sources: list[RetrievedChunk], question: str, cited: list[int]
) -> list[str]:
    """Numbers taken from the wrong row: "信用卡年费为300元" cites the fee table, where 300 is the Gold
    card's fee, but the customer asked about Platinum. Each claimed number must sit in a sentence or
    table row of a cited passage that also has the question's distinguishing terms there: those in
    some but at most half of the passage's rows and sentences, and not in its title or heading
    (a Platinum card document's rows need not repeat "Platinum")."""
    question_terms = set(tokenize(question))
    asked = numeric_values(question)
    misplaced = []
    for sentence in filter(None, (s.strip() for s in _SENTENCE.split(answer))):
        claimed = numeric_values(strip_markers(sentence)) - asked
        numbers = [n for n in cited_numbers(sentence) if 1 <= n <= len(sources)] or cited
        for value in claimed:
            placements = [_placed(value, sources[n - 1], question_terms) for n in numbers]
            if any(p is not None for p in placements) and not any(placements):
                misplaced.append(_format(value))
    return sorted(set(misplaced))


def _placed(value: float, hit: RetrievedChunk, question_terms: set[str]) -> bool | None:
    """None when the passage lacks the number; else whether a unit with it has the distinguishing terms."""
    units = passage_units(hit.chunk.text)
    unit_terms = [_terms(unit) for unit in units]
    # An FAQ answer ("¥1,200 for the main card.") is about what its question asked ("What is the
    # Platinum annual fee?"): it holds the question's terms too.
    answered = [
        terms | unit_terms[i - 1] if i and units[i - 1].rstrip().endswith(("?", "？")) else terms
        for i, terms in enumerate(unit_terms)
    ]
    holders = [terms for unit, terms in zip(units, answered, strict=True) if value in numeric_values(unit)]
    if not holders:
        return None
    heading = _terms(hit.chunk.heading_context())
    distinguishing = {
        t for t in question_terms - heading if 0 < sum(t in terms for terms in unit_terms) <= len(units) / 2
    }
    return any(distinguishing <= terms for terms in holders)


def to_citation(number: int, hit: RetrievedChunk) -> Citation:
    chunk = hit.chunk
    return Citation(
        number=number,
        doc_id=chunk.doc_id,
        title=chunk.title,
        section=chunk.section,
        version=chunk.version,
        chunk_id=chunk.chunk_id,
        passage=chunk.text,
    )


def _format(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)
