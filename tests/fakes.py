"""Deterministic fakes for the parts whose real versions are slow or remote: an LLM's words, and a
bag-of-words embedder for fast unit tests (integration tests use the real bundled embedder)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import numpy as np

from assistant.errors import LLMUnavailableError
from assistant.prompts import ChatMessage


class ScriptedChatModel:
    """Replies with queued responses in order and records every call.

    A response that is an exception is raised instead, mid-stream after ``fail_after`` pieces.
    ``assert_all_used`` fails a test that queued more responses than the code asked for.
    """

    def __init__(self, *responses: str | Exception) -> None:
        self.responses = list(responses)
        self.calls: list[list[ChatMessage]] = []

    def stream(self, messages: list[ChatMessage], max_tokens: int) -> Iterator[str]:
        self.calls.append(messages)
        if not self.responses:
            raise AssertionError("ScriptedChatModel: no response queued for this call")
        response = self.responses.pop(0)
        if isinstance(response, Exception):
            raise response
        # Stream word by word, like a real server sends tokens.
        yield from re.findall(r"\S+\s*|\s+", response)

    def assert_all_used(self) -> None:
        assert not self.responses, f"unused scripted responses: {self.responses}"


def unavailable() -> LLMUnavailableError:
    return LLMUnavailableError("language model unavailable: APIConnectionError")


class HashingEmbedder:
    """Deterministic bag-of-words vectors: similar wording -> similar vectors, no model needed."""

    name = "hashing-test"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for token in re.findall(r"[a-z0-9]+|[\u4e00-\u9fff]", text.lower()):
            digest = hashlib.blake2b(token.encode(), digest_size=4).digest()
            vector[int.from_bytes(digest, "little") % self.dim] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.empty((0, self.dim), np.float32)
