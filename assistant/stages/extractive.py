"""Extractive answers: the best sentences and table rows from the retrieved passages, cited, verbatim.

Used when the LLM is unavailable, too slow, or its answer fails the checks, and when a caller asks
for ``--answers extractive``. Nothing here is generated, so every word can be traced to a source.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from assistant.domain import Lang, RetrievedChunk
from assistant.retrieval.customer_terms import document_terms
from assistant.retrieval.keyword import tokenize
from assistant.stages.figures import numeric_values

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")
# A question that asks for a figure: an amount, rate, limit, count, duration, time or deadline.
_QUANTITY_WORDS = re.compile(
    r"how much|how many|how long|how far|how high|how low|how old|how soon|what time|when|deadline|"
    r"minimum|maximum|least|most|fee|rate|limit|cost|charge|price|interest|earn|age|hours|"
    r"多少|几|费|率|限额|额度|多久|多长|多大|多高|最低|最高|最多|最少|利息|期限|时间|何时|什么时候|岁"
)
# A paragraph that opens with a worked example reads as one unit: its setup restates the customer's
# situation ("you send ¥80,000 at 18:15 on a Friday"), the sentences after it hold the answer.
_EXAMPLE_OPENING = re.compile(r"^(?:for example|example|e\.g\.|例如|比如|举例|示例|例：|例:)", re.IGNORECASE)
_ENDS_QUESTION = re.compile(r"[?？]$")
_ENDS_LEAD_IN = re.compile(r"[:：]$")
_MAX_LIST_ITEMS = 6
_MAX_EXAMPLE_UNITS = 4
_MAX_ANSWER_CHARS = 900
# Beyond the first two units, one joins when it scores at least this share of the best (the second part
# of a multi-part question, the other product of a comparison). 0.6 -> 0.4 and four -> five units: figures
# right on the 180 set 0.79 -> 0.84 (EN), held-out 0.74 -> 0.82 (ZH); answers about 25% longer.
_CLOSE_SECOND = 0.4
_FIGURE_BONUS = 1.0
# Units within this much of the closest unit's embedding similarity get up to one term's worth of
# score; within the narrower band a unit qualifies even when it shares no word with the question.
_DENSE_WINDOW = 0.1
_DENSE_WEIGHT = 10.0
_DENSE_QUALIFIES = 0.05


def _block_units(text: str) -> list[list[str]]:
    """Per paragraph, list or table: its sentences, or its rows rendered as 'header: value' pairs."""
    blocks: list[list[str]] = []
    for lines in _blocks(text):
        if lines[0].startswith("|"):
            header: list[str] | None = None
            rows: list[str] = []
            for line in lines:
                cells = [c.strip() for c in line.strip("|").split("|")]
                if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                    continue
                if header is None:
                    header = cells
                    continue
                pairs = [f"{h}: {c}" if h else c for h, c in zip(header, cells, strict=False)]
                rows.append("; ".join(p for p in pairs if p))
            blocks.append(rows)
            continue
        units: list[str] = []
        for line in lines:
            units += [
                s.strip(" -*") for s in _SENTENCE_END.split(line.replace("**", "")) if len(s.strip()) > 3
            ]
        blocks.append(units)
    return blocks


def _blocks(text: str) -> list[list[str]]:
    """The non-empty lines of each paragraph, list or table."""
    blocks = [
        [line.strip() for line in block.splitlines() if line.strip()] for block in re.split(r"\n\s*\n", text)
    ]
    return [lines for lines in blocks if lines]


def passage_units(text: str) -> list[str]:
    """Sentences of prose, and each table row rendered as 'header: value' pairs."""
    return [unit for block in _block_units(text) for unit in block]


def answer_units(text: str) -> list[str]:
    """Passage units that can stand alone as an answer.

    An FAQ question is kept with the answer that follows it ("How much interest on ¥100,000? At 1.45%
    you receive ¥1,450"), a lead-in ending in a colon with the list it introduces, and a worked example
    whole, so the quote carries the figures instead of the question, "you must:" or the example's setup.
    """
    merged: list[str] = []
    for block in _block_units(text):
        if block and _EXAMPLE_OPENING.match(block[0]) and len(block) > 1:
            merged.append(" ".join(block[:_MAX_EXAMPLE_UNITS]))
            block = block[_MAX_EXAMPLE_UNITS:]
        merged += _merge_questions_and_lead_ins(block)
    # A lead-in or FAQ question at the end of one block introduces the next one.
    return _merge_questions_and_lead_ins(merged)


def _merge_questions_and_lead_ins(units: list[str]) -> list[str]:
    merged: list[str] = []
    i = 0
    while i < len(units):
        unit = units[i]
        if _ENDS_QUESTION.search(unit) and i + 1 < len(units) and not _ENDS_QUESTION.search(units[i + 1]):
            merged.append(f"{unit} {units[i + 1]}")
            i += 2
        elif _ENDS_LEAD_IN.search(unit) and i + 1 < len(units):
            items = units[i + 1 : i + 1 + _MAX_LIST_ITEMS]
            merged.append(unit + " " + "; ".join(item.rstrip(";；") for item in items))
            i += 1 + len(items)
        else:
            merged.append(unit)
            i += 1
    return merged


@dataclass(frozen=True)
class _Candidate:
    source: int  # the [n] of its passage
    position: int
    text: str
    terms: frozenset[str]  # the question's terms in the unit or its passage's heading
    own_terms: frozenset[str]  # those in the unit itself: a unit needs one to be quoted
    figures: frozenset[float]  # figures the question did not state itself
    table_row: bool


@dataclass(frozen=True)
class RankedUnit:
    score: float
    source: int  # the [n] of its passage
    position: int  # its place among the passage's answer units
    text: str


def rank_units(
    question: str,
    sources: list[RetrievedChunk],
    unit_similarity: Mapping[str, float] | None = None,
) -> list[RankedUnit]:
    """Every answer unit that can answer the question, best first.

    Units are scored by the question terms they contain, each weighted by how rare it is among the
    candidate units: in a Platinum card passage "platinum" is everywhere, "annual fee" is what matters.
    A term of a passage's heading counts for each of its units, so it tells passages apart but not the
    units inside one. A question asking for a figure prefers units stating one it did not give itself.
    ``unit_similarity`` (the question's embedding similarity to each unit, by text) adds meaning to the
    words: "sit unused" finds "dormant". A unit with no question term and no close meaning is left out.
    """
    return [
        RankedUnit(value, c.source, c.position, c.text)
        for value, c in _scored(question, sources, unit_similarity)
    ]


def _scored(
    question: str,
    sources: list[RetrievedChunk],
    unit_similarity: Mapping[str, float] | None,
) -> list[tuple[float, _Candidate]]:
    query_terms = frozenset(tokenize(question)) | document_terms(question)
    asked_figures = numeric_values(question)
    wants_figure = bool(_QUANTITY_WORDS.search(question.lower()))
    candidates = _candidates(sources, query_terms, asked_figures)
    frequency: dict[str, int] = {}
    for candidate in candidates:
        for term in candidate.terms:
            frequency[term] = frequency.get(term, 0) + 1
    weight = {term: math.log(1 + len(candidates) / count) for term, count in frequency.items()}
    similarity = unit_similarity or {}
    closest = max((similarity.get(c.text, -1.0) for c in candidates), default=-1.0)

    def closeness(candidate: _Candidate) -> float:
        return similarity.get(candidate.text, -math.inf) - (closest - _DENSE_WINDOW)

    def score(candidate: _Candidate) -> float:
        figure = _FIGURE_BONUS if wants_figure and candidate.figures else 0.0
        # Earlier sources rank higher on ties; very long units read badly as an answer.
        return (
            sum(weight[t] for t in candidate.terms)
            + figure
            + _DENSE_WEIGHT * max(0.0, closeness(candidate))
            + 0.2 / candidate.source
            - len(candidate.text) / 2000
        )

    return sorted(
        (
            (score(c), c)
            for c in candidates
            if c.own_terms or closeness(c) >= _DENSE_WINDOW - _DENSE_QUALIFIES
        ),
        key=lambda s: -s[0],
    )


def _candidates(
    sources: list[RetrievedChunk], query_terms: frozenset[str], asked_figures: set[float]
) -> list[_Candidate]:
    candidates = []
    for number, hit in enumerate(sources, start=1):
        heading = frozenset(tokenize(hit.chunk.heading_context())) & query_terms
        rows = set(_table_rows(hit.chunk.text))
        for position, unit in enumerate(answer_units(hit.chunk.text)):
            own = frozenset(tokenize(unit)) & query_terms
            figures = frozenset(numeric_values(unit) - asked_figures)
            candidates.append(_Candidate(number, position, unit, own | heading, own, figures, unit in rows))
    return candidates


def extract_answer(
    question: str,
    sources: list[RetrievedChunk],
    max_units: int = 5,
    unit_similarity: Mapping[str, float] | None = None,
) -> tuple[str, list[int]]:
    """The best ``max_units`` units (see ``rank_units``), each followed by its [n] marker; also the
    source numbers used.

    A unit that adds nothing to those already chosen is left out, and so is a table row that matches
    no question term a better-ranked row of its table lacks: the neighbouring row's figure belongs to
    another entity (the 3-month rate beside the 3-year one asked for).
    """
    ranked = _scored(question, sources, unit_similarity)
    chosen: list[_Candidate] = []
    for position, (value, candidate) in enumerate(ranked):
        if len(chosen) == max_units:
            break
        if len(chosen) >= 2 and value < _CLOSE_SECOND * ranked[0][0]:
            break
        if _sibling_of_a_better_row(candidate, [c for _, c in ranked[:position]]):
            continue
        if not _adds_something(candidate, chosen):
            continue
        if sum(len(c.text) for c in chosen) + len(candidate.text) > _MAX_ANSWER_CHARS and chosen:
            continue
        chosen.append(candidate)
    if not chosen:  # nothing matches: the opening of the best passage that has one
        for number, hit in enumerate(sources, start=1):
            if units := answer_units(hit.chunk.text):
                return f"{units[0]} [{number}]", [number]
        return "", []
    chosen.sort(key=lambda c: (c.source, c.position))
    lines = [f"{c.text} [{c.source}]" for c in chosen]
    return "\n".join(lines), sorted({c.source for c in chosen})


def _sibling_of_a_better_row(candidate: _Candidate, better: list[_Candidate]) -> bool:
    """A table row matching no question word that a better-ranked row of its table lacks holds another
    entity's figure (the 3-month rate beside the 3-year one asked for). Compared with every better row,
    quoted or not: the asked row may be left out because a worked example already states its figure.
    Compared on the rows' own words: the heading's words are every row's, so they tell none apart."""
    return candidate.table_row and any(
        other.table_row and other.source == candidate.source and candidate.own_terms <= other.own_terms
        for other in better
    )


def _adds_something(candidate: _Candidate, chosen: list[_Candidate]) -> bool:
    known_terms = frozenset().union(*(c.terms for c in chosen))
    known_figures = frozenset().union(*(c.figures for c in chosen))
    return bool(candidate.terms - known_terms or candidate.figures - known_figures or not chosen)


def _table_rows(text: str) -> list[str]:
    return [
        unit
        for block, lines in zip(_block_units(text), _blocks(text), strict=True)
        if lines[0].startswith("|")
        for unit in block
    ]


def extractive_preamble(lang: Lang) -> str:
    if lang == "zh":
        return "以下内容直接摘自我行资料（未经AI改写）：\n"
    return "Here is what our documents say (quoted directly, not AI-written):\n"
