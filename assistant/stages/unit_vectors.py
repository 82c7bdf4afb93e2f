"""How close each quotable unit of a passage (sentence, table row, FAQ pair) is to the question.

Words shared with the question pick most units well, but not when the customer's words differ from
the document's ("sit unused" / "dormant", 多久到账 / 到账时间): the embedder's similarity between the
question and each unit tells those apart. Units are embedded once per passage and kept (least
recently used first out), so a passage costs one batch of embeddings the first time it is quoted.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np

from assistant.domain import RetrievedChunk
from assistant.retrieval.embedder import Embedder
from assistant.stages.extractive import answer_units


class UnitVectors:
    def __init__(self, embedder: Embedder, max_passages: int = 4096) -> None:
        self.embedder = embedder
        self.max_passages = max_passages
        self._cache: OrderedDict[str, tuple[list[str], np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def similarities(self, query_vector: np.ndarray, sources: list[RetrievedChunk]) -> dict[str, float]:
        """Cosine similarity of the question to every answer unit of the passages, by unit text."""
        scores: dict[str, float] = {}
        for hit in sources:
            units, vectors = self._units(hit.chunk.text)
            if units:
                for unit, similarity in zip(units, vectors @ query_vector, strict=True):
                    scores[unit] = max(float(similarity), scores.get(unit, -1.0))
        return scores

    def _units(self, text: str) -> tuple[list[str], np.ndarray]:
        key = hashlib.sha256(text.encode("utf-8")).hexdigest()
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        units = answer_units(text)
        vectors = self.embedder.embed_passages(units) if units else np.zeros((0, 0), dtype=np.float32)
        with self._lock:
            self._cache[key] = (units, vectors)
            while len(self._cache) > self.max_passages:
                self._cache.popitem(last=False)
        return units, vectors
