"""Live analytics from what the assistant already records: conversations, containment, handoffs and
their reasons, intents and emotions over time, the recommendation funnel, and customer satisfaction."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Engine, func, select

from assistant.recommend.store import RecommendationEvents
from assistant.storage.migrations import csat_ratings, handoff_tickets, turns


class Ratings:
    """CSAT: a customer rates the chat (1-5) at the end; several ratings of one chat all count."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def rate(
        self, conversation_id: str, rating: int, comment: str = "", customer_id: str | None = None
    ) -> None:
        if not 1 <= rating <= 5:
            raise ValueError("a rating is 1 to 5")
        with self.engine.begin() as conn:
            conn.execute(
                csat_ratings.insert().values(
                    conversation_id=conversation_id,
                    customer_id=customer_id,
                    rating=rating,
                    comment=comment.strip()[:1000],
                    created_at=datetime.now(UTC),
                )
            )


class Analytics(BaseModel):
    since: date
    conversations: int
    turns: int
    handed_off: int
    containment: float | None = Field(description="Share of conversations resolved without a person.")
    handoff_reasons: dict[str, int]
    intents_by_day: dict[str, dict[str, int]]
    emotions_by_day: dict[str, dict[str, int]]
    top_intents: list[tuple[str, int]]
    answer_kinds: dict[str, int]
    funnel: list[dict[str, Any]]
    csat_responses: int
    csat_average: float | None
    csat_satisfied: float | None = Field(description="Share of ratings of 4 or 5.")
    csat_distribution: dict[int, int]


def live_analytics(engine: Engine, days: int = 30) -> Analytics:
    since = datetime.now(UTC) - timedelta(days=days)
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                turns.c.conversation_id,
                turns.c.created_at,
                turns.c.intent,
                turns.c.emotion,
                turns.c.answer_kind,
            ).where(turns.c.created_at >= since)
        ).all()
        tickets = conn.execute(
            select(handoff_tickets.c.conversation_id, handoff_tickets.c.reason).where(
                handoff_tickets.c.created_at >= since
            )
        ).all()
        ratings = conn.execute(
            select(csat_ratings.c.rating, func.count())
            .where(csat_ratings.c.created_at >= since)
            .group_by(csat_ratings.c.rating)
        ).all()
    conversations = {r.conversation_id for r in rows}
    handed = (
        {t.conversation_id for t in tickets} & conversations
        if conversations
        else {t.conversation_id for t in tickets}
    )
    intents_by_day: dict[str, Counter[str]] = defaultdict(Counter)
    emotions_by_day: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        day = r.created_at.date().isoformat()
        if r.intent:
            intents_by_day[day][r.intent] += 1
        if r.emotion:
            emotions_by_day[day][r.emotion] += 1
    distribution = {int(rating): int(n) for rating, n in ratings}
    responses = sum(distribution.values())
    return Analytics(
        since=since.date(),
        conversations=len(conversations),
        turns=len(rows),
        handed_off=len(handed),
        containment=round(1 - len(handed) / len(conversations), 4) if conversations else None,
        handoff_reasons=dict(Counter(t.reason for t in tickets).most_common()),
        intents_by_day={day: dict(c) for day, c in sorted(intents_by_day.items())},
        emotions_by_day={day: dict(c) for day, c in sorted(emotions_by_day.items())},
        top_intents=Counter(r.intent for r in rows if r.intent).most_common(10),
        answer_kinds=dict(Counter(r.answer_kind for r in rows).most_common()),
        funnel=[
            {**row.model_dump(), "acceptance_rate": row.acceptance_rate}
            for row in RecommendationEvents(engine).funnel()
        ],
        csat_responses=responses,
        csat_average=round(sum(k * v for k, v in distribution.items()) / responses, 2) if responses else None,
        csat_satisfied=round(sum(v for k, v in distribution.items() if k >= 4) / responses, 4)
        if responses
        else None,
        csat_distribution=distribution,
    )
