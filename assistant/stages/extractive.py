"""Extractive answers: the best sentences and table rows from the retrieved passages, cited, verbatim.

Used when the LLM is unavailable, too slow, or its answer fails the checks, and when a caller asks
for ``--answers extractive``. Nothing here is generated, so every word can be traced to a source.
"""

from __future__ import annotations

import math
import re

from assistant.domain import Lang, RetrievedChunk
from assistant.retrieval.keyword import tokenize

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")
_QUANTITY_WORDS = re.compile(
    r"how much|how many|how long|fee|rate|limit|cost|charge|多少|几|费|率|限额|多久|多长"
)


def passage_units(text: str) -> list[str]:
    """Sentences of prose, and each table row rendered as 'header: value' pairs."""
    units: list[str] = []
    header: list[str] | None = None
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and lines[0].startswith("|"):
            header = None
            for line in lines:
                cells = [c.strip() for c in line.strip("|").split("|")]
                if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                    continue
                if header is None:
                    header = cells
                    continue
                pairs = [
                    f"{h}: {c}" if h and i else c for i, (h, c) in enumerate(zip(header, cells, strict=False))
                ]
                units.append("; ".join(p for p in pairs if p))
            continue
        for line in lines:
            units += [
                s.strip(" -*") for s in _SENTENCE_END.split(line.replace("**", "")) if len(s.strip()) > 3
            ]
    return units


_ENDS_QUESTION = re.compile(r"[?？]$")
_ENDS_LEAD_IN = re.compile(r"[:：]$")
_MAX_LIST_ITEMS = 6
_CLOSE_SECOND = 0.8


def answer_units(text: str) -> list[str]:
    """Passage units that can stand alone as an answer.

    An FAQ question is kept with the answer that follows it ("How much interest on ¥100,000? At 1.45%
    you receive ¥1,450"), and a lead-in ending in a colon with the list it introduces, so the quote
    carries the figures instead of the question or "you must:" alone.
    """
    units = passage_units(text)
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


def extract_answer(question: str, sources: list[RetrievedChunk], max_units: int = 3) -> tuple[str, list[int]]:
    """The best ``max_units`` units, each followed by its [n] marker; also the source numbers used.

    Units are scored by the question terms they contain, each weighted by how rare it is among the
    candidate units: in a Platinum card passage "platinum" is everywhere, "annual fee" is what matters.
    """
    query_terms = set(tokenize(question))
    wants_quantity = bool(_QUANTITY_WORDS.search(question.lower()))
    candidates = [
        (number, position, unit, set(tokenize(unit)))
        for number, hit in enumerate(sources, start=1)
        for position, unit in enumerate(answer_units(hit.chunk.text))
    ]
    document_frequency: dict[str, int] = {}
    for *_, terms in candidates:
        for term in terms & query_terms:
            document_frequency[term] = document_frequency.get(term, 0) + 1
    scored: list[tuple[float, int, int, str]] = []
    for number, position, unit, terms in candidates:
        overlap = terms & query_terms
        if not overlap:
            continue
        weight = sum(math.log(1 + len(candidates) / document_frequency[t]) for t in overlap)
        bonus = 0.5 if wants_quantity and re.search(r"\d", unit) else 0.0
        # Earlier sources rank higher on ties; very long units read badly as an answer.
        scored.append((weight + bonus + 0.2 / number - len(unit) / 2000, number, position, unit))
    ranked = sorted(scored, key=lambda s: s[0], reverse=True)
    # Beyond the first two, a unit joins only when it matches nearly as well (multi-part questions).
    best = [s for n, s in enumerate(ranked[:max_units]) if n < 2 or s[0] >= _CLOSE_SECOND * ranked[0][0]]
    if not best and sources:
        first = answer_units(sources[0].chunk.text)
        best = [(0.0, 1, 0, first[0])] if first else []
    best.sort(key=lambda s: (s[1], s[2]))
    lines = [f"{unit} [{number}]" for _, number, _, unit in best]
    return "\n".join(lines), sorted({number for _, number, _, _ in best})


def extractive_preamble(lang: Lang) -> str:
    if lang == "zh":
        return "以下内容直接摘自我行资料（未经AI改写）：\n"
    return "Here is what our documents say (quoted directly, not AI-written):\n"
