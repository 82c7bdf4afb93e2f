"""The hybrid retriever as a LangChain ``BaseRetriever``, so the LangChain ecosystem can reuse it."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.lang import detect_lang
from assistant.retrieval.hybrid import HybridRetriever


class BankKnowledgeRetriever(BaseRetriever):
    """Hybrid BM25 + dense search over approved, effective chunks in the question's language."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    hybrid: Any  # HybridRetriever; typed loosely because LangChain models validate field types
    top_k: int = 4

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        hybrid: HybridRetriever = self.hybrid
        result = hybrid.retrieve(query, lang=detect_lang(query), top_k=self.top_k)
        return [
            Document(
                page_content=hit.chunk.text,
                id=hit.chunk.chunk_id,
                metadata={
                    "doc_id": hit.chunk.doc_id,
                    "title": hit.chunk.title,
                    "section": hit.chunk.section,
                    "version": hit.chunk.version,
                    "lang": hit.chunk.lang,
                    "fused_score": hit.fused_score,
                    "dense_similarity": hit.dense_similarity,
                    "bm25_score": hit.bm25_score,
                },
            )
            for hit in result.chunks
        ]
