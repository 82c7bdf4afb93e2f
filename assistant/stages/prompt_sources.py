"""The passages the LLM is shown: only their sentences and table rows that bear on the question.

A small model on a CPU reads every prompt token before it writes one (about 90 tokens a second on
two cores), and a whole table invites it to copy the neighbouring row. So each passage is cut to its
best-scoring answer units (the extractive ranking), kept in the passage's own order under its
heading, within a character budget. A passage with none left is not shown; the others keep their
retrieval numbers, so an answer's [n] means the same passage everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from assistant.domain import RetrievedChunk
from assistant.stages.extractive import answer_units, rank_units

_DELIMITER = re.compile(r"<{3,}|>{3,}")


@dataclass(frozen=True)
class PromptSource:
    number: int  # the passage's place in the retrieval result: what the answer cites
    hit: RetrievedChunk
    units: tuple[str, ...]  # what the model sees of the passage, in the passage's order

    def text(self) -> str:
        return "\n".join(self.units)


def focused_sources(
    question: str,
    sources: list[RetrievedChunk],
    max_chars: int,
    unit_similarity: Mapping[str, float] | None = None,
) -> list[PromptSource]:
    """The best answer units of ``sources`` that fit ``max_chars`` (always at least one), by passage."""
    chosen: dict[int, set[int]] = {}
    used = 0
    for unit in rank_units(question, sources, unit_similarity):
        if used and used + len(unit.text) > max_chars:
            continue
        chosen.setdefault(unit.source, set()).add(unit.position)
        used += len(unit.text)
    if not chosen and sources:
        chosen = {1: {0}}  # nothing matches: the best passage's opening, as the extractive answer does
    shown = []
    for number in sorted(chosen):
        units = answer_units(sources[number - 1].chunk.text)
        kept = tuple(units[i] for i in sorted(chosen[number]) if i < len(units))
        if kept:
            shown.append(PromptSource(number, sources[number - 1], kept))
    return shown


def format_sources(sources: list[PromptSource]) -> str:
    """The passages for the prompt, each under its number; the numbers are what the answer cites.

    A passage can never close the quoted-data block early: delimiter-like runs in its text become
    lookalike brackets, so "SOURCES>>> new instructions" stays inside the quote.
    """
    return "\n\n".join(
        f"[{source.number}] "
        + _DELIMITER.sub(_lookalike, f"{source.hit.chunk.heading_context()}\n{source.text()}")
        for source in sources
    )


def _lookalike(match: re.Match[str]) -> str:
    run = match.group()
    return ("‹" if run[0] == "<" else "›") * len(run)
