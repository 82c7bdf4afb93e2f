"""Every turn is recorded: what was asked, what was answered, from which sources, and how long it took."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from assistant.domain import EmotionPrediction, TurnResult
from assistant.storage.migrations import turns


class TurnLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, result: TurnResult) -> int:
        answer = result.answer
        row = {
            "conversation_id": result.conversation_id,
            "created_at": datetime.now(UTC),
            "lang": result.lang,
            "question": result.question,
            "answer": answer.text,
            "answer_kind": answer.kind,
            "abstained": answer.abstained,
            "grounded": answer.grounded,
            "fallback_reason": answer.fallback_reason,
            "citations": json.dumps(
                [
                    c.model_dump(include={"doc_id", "section", "version", "chunk_id"})
                    for c in answer.citations
                ],
                ensure_ascii=False,
            ),
            "retrieved_chunk_ids": json.dumps([hit.chunk.chunk_id for hit in result.retrieved]),
            "timings_ms": json.dumps(result.timings_ms),
            "total_ms": result.timings_ms.get("total", 0.0),
        }
        if result.understanding is not None:
            row |= {
                "intent": result.understanding.intent.label,
                "intent_confidence": result.understanding.intent.confidence,
                "emotion": result.understanding.emotion.label,
                "emotion_intensity": result.understanding.emotion.intensity,
            }
        with self.engine.begin() as conn:
            key = conn.execute(turns.insert().values(**row)).inserted_primary_key
            assert key is not None
            return int(key[0])

    def recent_emotions(self, conversation_id: str, limit: int) -> list[EmotionPrediction]:
        """The conversation's last ``limit`` recorded emotions, oldest first."""
        query = (
            select(turns.c.emotion, turns.c.emotion_intensity)
            .where(turns.c.conversation_id == conversation_id, turns.c.emotion.is_not(None))
            .order_by(turns.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            EmotionPrediction(label=label, intensity=intensity or 0.0, confidence=1.0)
            for label, intensity in reversed(rows)
        ]

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(turns).order_by(turns.c.id.desc()).limit(limit)).mappings().all()
        return [dict(row) for row in rows]

    def consecutive_abstentions(
        self, conversation_id: str, limit: int = 10, counts: Callable[[str], bool] = lambda question: True
    ) -> int:
        """How many of the conversation's latest turns in a row the assistant could not answer.

        Turns whose question ``counts`` rejects (a remark, say) neither add to the run nor break it.
        """
        query = (
            select(turns.c.abstained, turns.c.question)
            .where(turns.c.conversation_id == conversation_id)
            .order_by(turns.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        count = 0
        for abstained, question in rows:
            if not counts(question):
                continue
            if not abstained:
                break
            count += 1
        return count

    def conversation(self, conversation_id: str) -> list[dict[str, Any]]:
        """The conversation's turns, oldest first."""
        query = select(turns).where(turns.c.conversation_id == conversation_id).order_by(turns.c.id)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]
