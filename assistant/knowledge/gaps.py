"""Knowledge gaps: questions the assistant could not answer, and answers people wrote instead.

Two sources, both already recorded: turns where the assistant abstained (the turn log), and replies
human agents sent during handoffs (the transcript), each with the customer question before it. Each
is a candidate new entry an editor turns into a draft document in one click.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import Engine, select

from assistant.lang import detect_lang
from assistant.storage.migrations import drafted_gaps, messages, turns

GapKind = Literal["abstained", "agent_answer"]


class KnowledgeGap(BaseModel):
    key: str
    kind: GapKind
    question: str
    lang: str
    count: int
    last_seen: datetime
    answer: str | None = None  # what a person replied, for agent answers


def gap_key(kind: GapKind, question: str) -> str:
    normalized = re.sub(r"[\W_]+", " ", question.lower()).strip()
    return hashlib.sha256(f"{kind}:{normalized}".encode()).hexdigest()[:16]


def find_gaps(
    engine: Engine,
    limit: int = 200,
    since: datetime | None = None,
    until: datetime | None = None,
    agent_answers: bool = True,
) -> list[KnowledgeGap]:
    """Candidate entries, most frequent and most recent first; drafted ones are left out.

    With ``since``/``until``, only what was asked (or answered by a person) in that period counts;
    without ``agent_answers``, the transcripts are not read at all.
    """
    gaps: dict[str, KnowledgeGap] = {}

    def add(kind: GapKind, question: str, lang: str, at: datetime, answer: str | None = None) -> None:
        key = gap_key(kind, question)
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        if key in gaps:
            gap = gaps[key]
            gap.count += 1
            gap.last_seen = max(gap.last_seen, at)
            gap.answer = gap.answer or answer
        else:
            gaps[key] = KnowledgeGap(
                key=key, kind=kind, question=question, lang=lang, count=1, last_seen=at, answer=answer
            )

    with engine.connect() as conn:
        drafted = set(conn.execute(select(drafted_gaps.c.gap_key)).scalars())
        abstained = conn.execute(
            select(turns.c.question, turns.c.lang, turns.c.created_at)
            .where(
                turns.c.abstained.is_(True),
                turns.c.answer_kind == "abstained",
                *_within(turns.c.created_at, since, until),
            )
            .order_by(turns.c.id.desc())
            .limit(5000)
        ).all()
        for question, lang, at in abstained:
            add("abstained", question, lang, at)
        transcript = (
            []
            if not agent_answers
            else conn.execute(
                select(messages.c.conversation_id, messages.c.source, messages.c.text, messages.c.created_at)
                .where(
                    messages.c.source.in_(("customer", "agent")),
                    *_within(messages.c.created_at, since, until),
                )
                .order_by(messages.c.conversation_id, messages.c.id)
                .limit(20000)
            ).all()
        )
    last_question: dict[str, str] = {}
    for conversation_id, source, text, at in transcript:
        if source == "customer":
            last_question[conversation_id] = text
        elif conversation_id in last_question:
            question = last_question.pop(conversation_id)
            add("agent_answer", question, detect_lang(question), at, answer=text)
    listed = [g for g in gaps.values() if g.key not in drafted]
    listed.sort(key=lambda g: (-g.count, -g.last_seen.timestamp()))
    return listed[:limit]


def _within(column: Any, since: datetime | None, until: datetime | None) -> list[Any]:
    return [
        c for c in (column >= since if since else None, column < until if until else None) if c is not None
    ]


def mark_drafted(engine: Engine, key: str, doc_id: str, actor: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            drafted_gaps.insert().values(
                gap_key=key, doc_id=doc_id, drafted_by=actor, drafted_at=datetime.now(UTC)
            )
        )
