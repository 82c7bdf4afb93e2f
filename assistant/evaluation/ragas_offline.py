"""Ragas metrics that need no LLM, scored with our own embedder: nothing is downloaded or called.

ragas.evaluate() builds an OpenAI client for any metric that lacks an LLM or embeddings, so only
metrics that need neither (or get our embedder) are passed here. Tracking is switched off before
ragas is imported.
"""

from __future__ import annotations

import os
from typing import Any

from assistant.retrieval.embedder import Embedder

os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")


def ragas_embeddings(embedder: Embedder) -> Any:
    from ragas.embeddings.base import BaseRagasEmbeddings

    class LocalEmbeddings(BaseRagasEmbeddings):
        def embed_query(self, text: str) -> list[float]:
            return embedder.embed_query(text).tolist()

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [embedder.embed_query(t).tolist() for t in texts]

        async def aembed_query(self, text: str) -> list[float]:
            return self.embed_query(text)

        async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
            return self.embed_documents(texts)

    return LocalEmbeddings()


def score_offline(rows: list[dict[str, Any]], embedder: Embedder) -> dict[str, list[float]]:
    """Per-row scores by metric name: context recall/precision by reference ids, non-LLM context recall
    (string similarity to the reference sections), chrF, similarity."""
    from ragas import EvaluationDataset, evaluate
    from ragas.metrics import (
        ChrfScore,
        IDBasedContextPrecision,
        IDBasedContextRecall,
        NonLLMContextRecall,
        SemanticSimilarity,
    )

    result = evaluate(
        EvaluationDataset.from_list(rows),
        metrics=[
            IDBasedContextRecall(),
            IDBasedContextPrecision(),
            NonLLMContextRecall(),
            ChrfScore(),
            SemanticSimilarity(embeddings=ragas_embeddings(embedder)),
        ],
        show_progress=False,
        raise_exceptions=True,
        allow_nest_asyncio=False,
    )
    frame = result.to_pandas()  # type: ignore[union-attr]
    names = {
        "id_based_context_recall": "context_recall_by_id",
        "id_based_context_precision": "context_precision_by_id",
        "non_llm_context_recall": "context_recall_non_llm",
        "chrf_score": "chrf",
        "semantic_similarity": "semantic_similarity",
    }
    return {ours: [float(v) for v in frame[theirs]] for theirs, ours in names.items()}
