"""Retrieval when the vector store fails or hangs: keyword search alone, flagged, in bounded time."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import numpy as np

from assistant.domain import Chunk
from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.index import ChromaIndex, SearchFilter
from assistant.retrieval.lexical import IndexWithKeywords, LexicalIndex
from assistant.storage.database import open_database
from assistant.storage.migrations import migrate
from tests.fakes import HashingEmbedder

CHUNKS = [
    Chunk(
        chunk_id=f"c{i}",
        doc_id=f"d{i}",
        title=title,
        section="Fees",
        text=text,
        lang="en",
        version=1,
        effective_date=date(2025, 1, 1),
        status="approved",
    )
    for i, (title, text) in enumerate(
        [
            ("Platinum Card", "The platinum card annual fee is 1,200 yuan."),
            ("Savings Account", "Savings accounts pay 0.35% interest."),
            ("Transfers", "Domestic transfers arrive within two hours."),
            ("Branches", "Branches open from 9:00 to 17:00 on weekdays."),
            ("Mortgage", "Mortgage terms run up to 30 years."),
        ]
    )
]


class BrokenIndex:
    """A real index whose search fails (server gone) or hangs (server stuck)."""

    def __init__(self, inner: ChromaIndex, hang_s: float | None) -> None:
        self.inner = inner
        self.hang_s = hang_s

    def search(self, vector: np.ndarray, limit: int, where: SearchFilter) -> list[tuple[Chunk, float]]:
        if self.hang_s is None:
            raise ConnectionError("vector store unreachable")
        time.sleep(self.hang_s)
        return self.inner.search(vector, limit, where)

    def chunks(self, where: SearchFilter | None = None) -> list[Chunk]:
        return self.inner.chunks(where)


def retriever(tmp_path: Path, hang_s: float | None, search_workers: int = 4) -> HybridRetriever:
    embedder = HashingEmbedder()
    database = open_database(f"sqlite:///{tmp_path / 'assistant.db'}")
    migrate(database)
    keywords = LexicalIndex(database)
    index = IndexWithKeywords(ChromaIndex.open("faults", persist_dir=tmp_path / "chroma"), keywords)
    index.add(CHUNKS, embedder.embed_passages([c.text for c in CHUNKS]))
    return HybridRetriever(
        embedder,
        BrokenIndex(index, hang_s),  # type: ignore[arg-type]
        keywords,
        top_k=2,
        dense_timeout_s=0.3,
        search_workers=search_workers,
    )


def test_a_failing_vector_store_falls_back_to_keyword_search(tmp_path):
    result = retriever(tmp_path, hang_s=None).retrieve("platinum annual fee", lang="en")
    assert result.keyword_only and result.chunks[0].chunk.chunk_id == "c0"


def test_a_hanging_vector_store_is_abandoned_after_its_timeout(tmp_path):
    started = time.monotonic()
    result = retriever(tmp_path, hang_s=3.0).retrieve("platinum annual fee", lang="en")
    assert time.monotonic() - started < 1.5
    assert result.keyword_only and result.chunks[0].chunk.chunk_id == "c0"


def test_as_many_turns_as_the_app_runs_at_once_all_get_dense_search(tmp_path):
    """16 concurrent turns on a search that takes 0.1 s: with a pool of 4 the last ones waited past
    the 0.3 s timeout and silently fell back to keyword search; the pool is sized from the setting."""
    from concurrent.futures import ThreadPoolExecutor

    slow = retriever(tmp_path, hang_s=0.1, search_workers=16)
    with ThreadPoolExecutor(max_workers=16) as customers:
        results = list(customers.map(lambda _: slow.retrieve("platinum annual fee", lang="en"), range(16)))
    assert not any(r.keyword_only for r in results)
