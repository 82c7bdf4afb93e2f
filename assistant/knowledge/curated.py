"""Curated answers: an approver pins an answer, with the passages it rests on, to a question pattern;
matching questions get it verbatim. An answer whose source document has changed since is not used
(it may no longer be true) and shows as stale in the knowledge admin."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import Engine, select, update

from assistant.domain import Answer, Chunk, Citation, Lang
from assistant.knowledge.registry import DocumentRegistry
from assistant.storage.migrations import curated_answers

MAX_PATTERN_CHARS = 300


class CuratedSource(BaseModel):
    doc_id: str
    version: int
    title: str
    section: str
    chunk_id: str
    passage: str


class CuratedAnswer(BaseModel):
    id: int
    pattern: str
    lang: Lang
    answer: str
    sources: list[CuratedSource]
    active: bool
    created_by: str
    created_at: datetime

    def as_answer(self) -> Answer:
        citations = [
            Citation(number=n, **source.model_dump()) for n, source in enumerate(self.sources, start=1)
        ]
        return Answer(text=self.answer, kind="curated", abstained=False, grounded=True, citations=citations)


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A case-insensitive regular expression over the question; refused when malformed or too long."""
    if not pattern.strip() or len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(f"a question pattern needs 1 to {MAX_PATTERN_CHARS} characters")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"not a valid pattern: {exc}") from exc


class CuratedAnswers:
    def __init__(self, engine: Engine, registry: DocumentRegistry) -> None:
        self.engine = engine
        self.registry = registry

    def add(self, pattern: str, lang: Lang, answer: str, sources: list[Chunk], actor: str) -> CuratedAnswer:
        compile_pattern(pattern)
        pinned = [
            CuratedSource(
                doc_id=c.doc_id,
                version=c.version,
                title=c.title,
                section=c.section,
                chunk_id=c.chunk_id,
                passage=c.text,
            )
            for c in sources
        ]
        with self.engine.begin() as conn:
            key = conn.execute(
                curated_answers.insert().values(
                    pattern=pattern,
                    lang=lang,
                    answer=answer,
                    sources=json.dumps([s.model_dump() for s in pinned], ensure_ascii=False),
                    active=True,
                    created_by=actor,
                    created_at=datetime.now(UTC),
                )
            ).inserted_primary_key
        assert key is not None
        found = self.get(int(key[0]))
        assert found is not None
        return found

    def deactivate(self, answer_id: int) -> bool:
        with self.engine.begin() as conn:
            return bool(
                conn.execute(
                    update(curated_answers).where(curated_answers.c.id == answer_id).values(active=False)
                ).rowcount
            )

    def get(self, answer_id: int) -> CuratedAnswer | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(curated_answers).where(curated_answers.c.id == answer_id))
                .mappings()
                .first()
            )
        return _answer(row) if row else None

    def all(self, active_only: bool = True) -> list[CuratedAnswer]:
        query = select(curated_answers).order_by(curated_answers.c.id)
        if active_only:
            query = query.where(curated_answers.c.active.is_(True))
        with self.engine.connect() as conn:
            return [_answer(row) for row in conn.execute(query).mappings()]

    def is_current(self, answer: CuratedAnswer) -> bool:
        """Every source is still the published version of its document."""
        for source in answer.sources:
            current = self.registry.get(source.doc_id, source.version)
            if current is None or current.status != "published":
                return False
        return True

    def match(self, question: str, lang: Lang) -> CuratedAnswer | None:
        for answer in self.all():
            if (
                answer.lang == lang
                and compile_pattern(answer.pattern).search(question)
                and self.is_current(answer)
            ):
                return answer
        return None


def _answer(row: object) -> CuratedAnswer:
    data = dict(row)  # type: ignore[call-overload]
    return CuratedAnswer.model_validate({**data, "sources": json.loads(data["sources"])})
