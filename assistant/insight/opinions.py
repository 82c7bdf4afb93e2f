"""Opinion mining and hot topics (观点挖掘 / 热点) from the turn log, for product teams.

Customer messages in a period are grouped into topics twice: the complaints (a complaint intent, or a
frustrated, angry or anxious customer) to say what customers complain about, and every question to
say what they ask about and which of those topics are rising. Each topic comes with its weekly
volume, emotion mix, intents and products involved, masked example messages (the turn log only ever
holds masked text) and the share of its conversations handed to a person. The questions the
assistant could not answer in the period are listed with the knowledge-gap key an editor drafts from.
"""

from __future__ import annotations

import json
from collections import Counter, OrderedDict
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import Engine, or_, select

from assistant.domain import Lang
from assistant.insight.topics import cluster_by_language, representatives, topic_terms, without_language
from assistant.knowledge.gaps import find_gaps
from assistant.recommend.catalog import Catalog
from assistant.retrieval.embedder import Embedder
from assistant.storage.migrations import handoff_tickets, turns

COMPLAINT_EMOTIONS = frozenset({"frustrated", "angry", "anxious"})
SMALL_TALK_INTENTS = frozenset({"greeting", "goodbye", "thanks"})


class CustomerMessage(BaseModel):
    turn_id: int
    conversation_id: str
    at: datetime
    lang: Lang
    text: str
    intent: str | None
    emotion: str | None
    abstained: bool
    handed_off: bool
    products: list[str]

    @property
    def complaint(self) -> bool:
        return self.intent == "complaint" or self.emotion in COMPLAINT_EMOTIONS


class Topic(BaseModel):
    id: str
    name: dict[Lang, str] = Field(description="Its most distinctive words, per language.")
    terms: dict[Lang, list[str]]
    messages: int
    conversations: int
    weekly: dict[str, int] = Field(description="Messages per ISO week, e.g. 2026-W49.")
    emotions: dict[str, int]
    intents: dict[str, int]
    products: dict[str, int]
    handed_to_person: float = Field(description="Share of its conversations handed to a person.")
    unanswered: float = Field(description="Share of its messages the assistant could not answer.")
    examples: list[str] = Field(description="Masked messages nearest the topic's centre.")


class RisingTopic(BaseModel):
    topic_id: str
    name: dict[Lang, str]
    last_7_days: int
    weekly_before: float = Field(description="Average messages per 7 days earlier in the period.")
    growth: float | None = Field(description="Relative rise; None when there was nothing before.")


class UnansweredQuestion(BaseModel):
    gap_key: str
    question: str
    lang: str
    count: int
    last_seen: datetime


class Insights(BaseModel):
    since: date
    until: date
    messages: int
    complaints: int
    weeks: list[str]
    complaint_topics: list[Topic]
    question_topics: list[Topic]
    rising: list[RisingTopic]
    unanswered: list[UnansweredQuestion]


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


class OpinionMiner:
    """Reads the turn log and builds `Insights`; embeddings are kept per turn for the next refresh."""

    def __init__(
        self,
        engine: Engine,
        embedder: Embedder,
        catalog: Catalog,
        max_messages: int = 5000,
        cached: int = 50000,
    ) -> None:
        self.engine = engine
        self.embedder = embedder
        self.max_messages = max_messages
        self._product_of_doc = {doc: p.id for p in catalog.products for doc in p.documents.values()}
        self._product_names = [(p.id, p.name.en.lower(), p.name.zh) for p in catalog.products]
        self._vectors: OrderedDict[int, np.ndarray] = OrderedDict()
        self._cached = cached

    def insights(self, since: date, until: date | None = None) -> Insights:
        until = until or datetime.now(UTC).date()
        if until < since:
            raise ValueError(f"the period ends ({until}) before it starts ({since})")
        found = self.messages(since, until)
        complaints = [m for m in found if m.complaint]
        question_topics, asked = self._topics(found, "q")
        complaint_topics, _ = self._topics(complaints, "c")
        return Insights(
            since=since,
            until=until,
            messages=len(found),
            complaints=len(complaints),
            weeks=_weeks(since, until),
            complaint_topics=complaint_topics,
            question_topics=question_topics,
            rising=_rising(question_topics, asked, until),
            unanswered=[
                UnansweredQuestion(
                    gap_key=g.key, question=g.question, lang=g.lang, count=g.count, last_seen=g.last_seen
                )
                for g in find_gaps(
                    self.engine,
                    since=_start(since),
                    until=_start(until + timedelta(days=1)),
                    agent_answers=False,
                )
            ],
        )

    def messages(self, since: date, until: date) -> list[CustomerMessage]:
        """Customers' messages in the period (small talk left out), the most recent ``max_messages``."""
        start, end = _start(since), _start(until + timedelta(days=1))
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    turns.c.id,
                    turns.c.conversation_id,
                    turns.c.created_at,
                    turns.c.lang,
                    turns.c.question,
                    turns.c.intent,
                    turns.c.emotion,
                    turns.c.abstained,
                    turns.c.citations,
                )
                .where(
                    turns.c.created_at >= start,
                    turns.c.created_at < end,
                    or_(turns.c.intent.is_(None), turns.c.intent.not_in(sorted(SMALL_TALK_INTENTS))),
                )
                .order_by(turns.c.id.desc())
                .limit(self.max_messages)
            ).all()
            handed = set(
                conn.execute(
                    select(handoff_tickets.c.conversation_id).where(handoff_tickets.c.created_at >= start)
                ).scalars()
            )
        found = [
            CustomerMessage(
                turn_id=row.id,
                conversation_id=row.conversation_id,
                at=row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC),
                lang="zh" if row.lang == "zh" else "en",
                text=row.question,
                intent=row.intent,
                emotion=row.emotion,
                abstained=bool(row.abstained),
                handed_off=row.conversation_id in handed,
                products=self._products(row.question, row.citations),
            )
            for row in rows
            if row.question.strip()
        ]
        return list(reversed(found))

    def _products(self, text: str, citations: str | None) -> list[str]:
        cited = {self._product_of_doc.get(c.get("doc_id", "")) for c in json.loads(citations or "[]")}
        lowered = text.lower()
        named = {pid for pid, en, zh in self._product_names if en in lowered or zh in text}
        return sorted(p for p in cited | named if p)

    def _topics(
        self, found: list[CustomerMessage], prefix: str
    ) -> tuple[list[Topic], dict[str, list[CustomerMessage]]]:
        """The topics, biggest first, and each topic's messages."""
        if not found:
            return [], {}
        texts, langs = [m.text for m in found], [m.lang for m in found]
        vectors = without_language(self._embed(found), langs)
        assignment = cluster_by_language(vectors, texts, langs)
        terms = topic_terms(texts, langs, assignment)
        topics, by_topic = [], {}
        for number in sorted(terms):
            members = [i for i, a in enumerate(assignment) if a == number]
            chosen = [found[i] for i in members]
            by_topic[f"{prefix}{number + 1}"] = chosen
            conversations = {m.conversation_id for m in chosen}
            handed = {m.conversation_id for m in chosen if m.handed_off}
            topics.append(
                Topic(
                    id=f"{prefix}{number + 1}",
                    name=_names(terms[number]),
                    terms=terms[number],
                    messages=len(chosen),
                    conversations=len(conversations),
                    weekly=dict(sorted(Counter(iso_week(m.at.date()) for m in chosen).items())),
                    emotions=dict(Counter(m.emotion for m in chosen if m.emotion).most_common()),
                    intents=dict(Counter(m.intent for m in chosen if m.intent).most_common(5)),
                    products=dict(Counter(p for m in chosen for p in m.products).most_common(5)),
                    handed_to_person=round(len(handed) / len(conversations), 4),
                    unanswered=round(sum(m.abstained for m in chosen) / len(chosen), 4),
                    examples=_distinct_examples(found, representatives(vectors, members, count=6)),
                )
            )
        return topics, by_topic

    def _embed(self, found: list[CustomerMessage]) -> np.ndarray:
        missing = [m for m in found if m.turn_id not in self._vectors]
        if missing:
            vectors = self.embedder.embed_passages([m.text for m in missing])
            for m, vector in zip(missing, vectors, strict=True):
                self._vectors[m.turn_id] = vector
            while len(self._vectors) > self._cached:
                self._vectors.popitem(last=False)
        return np.stack([self._vectors[m.turn_id] for m in found])


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _weeks(since: date, until: date) -> list[str]:
    weeks: list[str] = []
    day = since
    while day <= until:
        if iso_week(day) not in weeks:
            weeks.append(iso_week(day))
        day += timedelta(days=1)
    return weeks


def _names(terms: dict[Lang, list[str]]) -> dict[Lang, str]:
    """Three words per language; a topic with messages in one language only uses them for both."""
    en = " · ".join(terms["en"][:3])
    zh = "、".join(terms["zh"][:3])
    return {"en": en or zh, "zh": zh or en}


def _distinct_examples(found: list[CustomerMessage], indexes: list[int], count: int = 3) -> list[str]:
    seen: list[str] = []
    for i in indexes:
        text = found[i].text.strip()[:240]
        if text not in seen:
            seen.append(text)
    return seen[:count]


def _rising(topics: list[Topic], members: dict[str, list[CustomerMessage]], until: date) -> list[RisingTopic]:
    """Topics with more messages in the last seven days than in an average seven days before them."""
    everyone = [m for chosen in members.values() for m in chosen]
    if not everyone:
        return []
    cut = _start(until + timedelta(days=1)) - timedelta(days=7)
    earlier_windows = (cut - min(m.at for m in everyone)).total_seconds() / (7 * 86400)
    rising = []
    for topic in topics:
        last = sum(m.at >= cut for m in members[topic.id])
        before = len(members[topic.id]) - last
        average = before / earlier_windows if earlier_windows >= 1 else 0.0
        if last >= 2 and last > average:
            rising.append(
                RisingTopic(
                    topic_id=topic.id,
                    name=topic.name,
                    last_7_days=last,
                    weekly_before=round(average, 2),
                    growth=round((last - average) / average, 2) if average else None,
                )
            )
    rising.sort(key=lambda r: (-(r.last_7_days - r.weekly_before), r.topic_id))
    return rising[:5]
