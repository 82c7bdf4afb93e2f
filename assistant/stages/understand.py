"""The understand stage: language and script, the query embedding, intent, emotion and its trend.

The embedding computed here is the one retrieval uses, so classification adds only its heads (and,
for English, the MiniLM intent model) to a turn.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy.exc import SQLAlchemyError

from assistant.domain import EmotionTrend, Lang, Understanding
from assistant.lang import detect_lang, is_traditional
from assistant.retrieval.embedder import Embedder
from assistant.storage.turn_log import TurnLog
from assistant.understand.local import Understander


@dataclass(frozen=True)
class Understood:
    lang: Lang
    traditional: bool
    vector: np.ndarray
    understanding: Understanding | None
    timings_ms: dict[str, float] = field(default_factory=dict)


class UnderstandStage:
    def __init__(
        self,
        embedder: Embedder,
        classifier: Understander | None,
        turn_log: TurnLog,
        trend_turns: int = 5,
    ) -> None:
        self.embedder = embedder
        self.classifier = classifier
        self.turn_log = turn_log
        self.trend_turns = trend_turns

    def run(self, text: str, conversation_id: str, vector: np.ndarray | None = None) -> Understood:
        """``vector`` is the message's query embedding when the guard already computed it."""
        timings: dict[str, float] = {}
        lang = detect_lang(text)
        if vector is None:
            started = time.perf_counter()
            vector = self.embedder.embed_query(text)
            timings["embed_query"] = (time.perf_counter() - started) * 1000
        understanding = None
        if self.classifier is not None:
            started = time.perf_counter()
            understanding = self.classifier.understand(text, lang, vector)
            timings["classify"] = (time.perf_counter() - started) * 1000
            try:
                history = self.turn_log.recent_emotions(conversation_id, self.trend_turns - 1)
            except SQLAlchemyError:
                history = []  # the database is down: this turn's emotion alone
            understanding.trend = EmotionTrend(recent=[*history, understanding.emotion])
        return Understood(lang, is_traditional(text), vector, understanding, timings)
