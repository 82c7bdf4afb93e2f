"""Hybrid retrieval: BM25 and dense search fused with reciprocal rank fusion (RRF)."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from assistant.domain import Chunk, Lang, RetrievedChunk
from assistant.retrieval.embedder import Embedder
from assistant.retrieval.index import SearchFilter, VectorIndex
from assistant.retrieval.lexical import LexicalIndex

logger = logging.getLogger(__name__)


class RetrievalSignals(BaseModel):
    """How well the knowledge base matched the question: what the answerability check reads."""

    best_dense_similarity: float = 0.0
    # Best similarity minus the best similarity in any other document: a clear winner or a shrug.
    document_margin: float = 0.0
    best_bm25: float = 0.0
    term_coverage: float = 0.0  # rarity-weighted share of the question's terms in the passages kept


class RetrievalResult(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    chunks: list[RetrievedChunk]
    signals: RetrievalSignals = RetrievalSignals()
    cross_lingual: bool = False
    keyword_only: bool = False  # the vector store was unreachable: BM25 results only
    timings_ms: dict[str, float] = {}
    # The embedding the passages were found with: the answer stage weighs each sentence against it.
    query_vector: np.ndarray | None = Field(default=None, exclude=True, repr=False)


def reciprocal_rank_fusion(rankings: list[list[str]], k: int) -> dict[str, float]:
    """RRF (Cormack et al., 2009): sum of 1/(k + rank) over the rankings an item appears in."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return scores


class HybridRetriever:
    def __init__(
        self,
        embedder: Embedder,
        index: VectorIndex,
        keywords: LexicalIndex,
        top_k: int = 4,
        candidates: int = 20,
        rrf_k: int = 60,
        dense_timeout_s: float = 5.0,
        search_workers: int = 4,
    ) -> None:
        # Vector stores' clients do not all take a timeout (Chroma's HTTP client waits forever):
        # searches run on a pool, and one that is too slow is abandoned for keyword search. The pool
        # must be as large as the turns that run at once, or busy turns time out waiting for a worker.
        self._searches = ThreadPoolExecutor(max_workers=search_workers, thread_name_prefix="dense-search")
        self.dense_timeout_s = dense_timeout_s
        self.embedder = embedder
        self.index = index
        self.top_k = top_k
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.keywords = keywords

    def retrieve(
        self,
        query: str,
        lang: Lang | None,
        today: date | None = None,
        top_k: int | None = None,
        vector: np.ndarray | None = None,
    ) -> RetrievalResult:
        """Search the question's language first; fall back to every language when it has nothing.

        ``vector`` is the query's embedding when the caller already has it (understanding computes it).
        """
        timings: dict[str, float] = {}
        if vector is None:
            started = time.perf_counter()
            vector = self.embedder.embed_query(query)
            timings["embed_query"] = (time.perf_counter() - started) * 1000
        today = today or date.today()
        result = self._search(
            query, vector, SearchFilter(today=today, lang=lang), top_k or self.top_k, timings
        )
        if lang and not result.chunks:
            keyword_only = result.keyword_only
            result = self._search(query, vector, SearchFilter(today=today), top_k or self.top_k, timings)
            result.cross_lingual = True
            result.keyword_only = result.keyword_only or keyword_only
        result.timings_ms = timings
        result.query_vector = vector
        return result

    def _search(
        self, query: str, vector: np.ndarray, where: SearchFilter, top_k: int, timings: dict[str, float]
    ) -> RetrievalResult:
        started = time.perf_counter()
        keyword_only = False
        try:
            search = self._searches.submit(self.index.search, vector, self.candidates, where)
            dense = search.result(timeout=self.dense_timeout_s)
        except Exception as exc:  # any vector-store failure: answer from keyword search alone
            logger.warning("Vector store unavailable (%s); keyword search only", exc)
            dense, keyword_only = [], True
        timings["dense"] = timings.get("dense", 0.0) + (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        sparse = self.keywords.search(query, self.candidates, where)
        timings["bm25"] = timings.get("bm25", 0.0) + (time.perf_counter() - started) * 1000

        by_id: dict[str, Chunk] = {c.chunk_id: c for c, _ in dense} | {c.chunk_id: c for c, _ in sparse}
        dense_rank = {c.chunk_id: (rank, sim) for rank, (c, sim) in enumerate(dense, start=1)}
        bm25_rank = {c.chunk_id: (rank, score) for rank, (c, score) in enumerate(sparse, start=1)}
        fused = reciprocal_rank_fusion(
            [[c.chunk_id for c, _ in dense], [c.chunk_id for c, _ in sparse]], k=self.rrf_k
        )
        ranked = sorted(fused, key=lambda cid: fused[cid], reverse=True)[:top_k]
        chunks = [
            RetrievedChunk(
                chunk=by_id[cid],
                fused_score=fused[cid],
                dense_rank=dense_rank.get(cid, (None, None))[0],
                dense_similarity=dense_rank.get(cid, (None, None))[1],
                bm25_rank=bm25_rank.get(cid, (None, None))[0],
                bm25_score=bm25_rank.get(cid, (None, None))[1],
            )
            for cid in ranked
        ]
        return RetrievalResult(
            chunks=chunks,
            signals=self._signals(query, dense, sparse, chunks),
            keyword_only=keyword_only,
        )

    def _signals(
        self,
        query: str,
        dense: list[tuple[Chunk, float]],
        sparse: list[tuple[Chunk, float]],
        kept: list[RetrievedChunk],
    ) -> RetrievalSignals:
        best_by_doc: dict[str, float] = {}
        for chunk, similarity in dense:
            best_by_doc[chunk.doc_id] = max(similarity, best_by_doc.get(chunk.doc_id, similarity))
        ranked = [*sorted(best_by_doc.values(), reverse=True), 0.0, 0.0]
        coverage = (
            self.keywords.coverage(query, [hit.chunk.chunk_id for hit in kept], kept[0].chunk.lang)
            if kept
            else 0.0
        )
        return RetrievalSignals(
            best_dense_similarity=ranked[0],
            document_margin=ranked[0] - ranked[1],
            best_bm25=max((score for _, score in sparse), default=0.0),
            term_coverage=coverage,
        )
