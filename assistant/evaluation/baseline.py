"""The textbook baseline, run in the same evaluation: a plain LangChain RAG chain (Chroma similarity
top-4 over the same collection and embedder, a "stuff" prompt, the same LLM), so every report shows
what our pipeline adds. It has no hybrid search, no filters, no citations, no checks and no abstention
logic. Without an LLM (offline runs) it answers with its top passage, retrieval-only.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from assistant.evaluation.answers import AnswerCase, CaseResult, failed_case
from assistant.retrieval.embedder import Embedder
from assistant.retrieval.index import ChromaIndex

TOP_K = 4
STUFF_PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "Use the following pieces of context to answer the question at the end. If you don't know "
            "the answer, just say that you don't know, don't try to make up an answer.\n\n{context}",
        ),
        ("human", "{question}"),
    ]
)
# How the textbook chain says it does not know, for the abstention metrics.
DOES_NOT_KNOW = re.compile(
    r"\b(don'?t|do not) know\b|\bnot (mentioned|provided|stated|specified)\b|\bno information\b"
    r"|不知道|无法回答|没有(提及|提到|相关信息)|未(提及|说明)",
    re.IGNORECASE,
)


class EmbedderForLangChain(Embeddings):
    """Our embedder behind LangChain's interface: the same vectors the index was built with."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [list(map(float, v)) for v in self.embedder.embed_passages(texts)]

    def embed_query(self, text: str) -> list[float]:
        return list(map(float, self.embedder.embed_query(text)))


@dataclass(frozen=True)
class BaselineAnswer:
    text: str
    documents: list[Document]
    failure: str | None = None  # the LLM failed: ``text`` is the top passage instead


def baseline_chain(
    index: ChromaIndex, embedder: Embedder, llm: Any | None
) -> Callable[[str], BaselineAnswer]:
    """question -> its answer and retrieved documents. ``llm`` is a LangChain chat model, or None."""
    store = Chroma(
        client=index.client, collection_name=index.name, embedding_function=EmbedderForLangChain(embedder)
    )
    generate = STUFF_PROMPT | llm | StrOutputParser() if llm is not None else None

    def run(question: str) -> BaselineAnswer:
        documents = store.similarity_search(question, k=TOP_K)
        top_passage = documents[0].page_content if documents else ""
        if generate is None:
            return BaselineAnswer(top_passage, documents)
        context = "\n\n".join(d.page_content for d in documents)
        try:
            return BaselineAnswer(generate.invoke({"context": context, "question": question}), documents)
        except Exception as exc:  # the LLM went away mid-run: this row answers retrieval-only
            return BaselineAnswer(
                top_passage, documents, failure=f"LLM failed, top passage instead: {exc!r}"[:300]
            )

    return run


def run_baseline(
    chain: Callable[[str], BaselineAnswer],
    cases: Iterable[AnswerCase],
    advance: Callable[[], None] = lambda: None,
) -> list[CaseResult]:
    results = []
    for case in cases:
        started = time.perf_counter()
        try:
            answered = chain(case.question)
        except Exception as exc:  # the vector store failed for this row: report it, go on
            results.append(failed_case(case, exc))
            advance()
            continue
        documents = answered.documents
        results.append(
            CaseResult(
                case=case,
                answer=answered.text,
                answer_kind="baseline",
                abstained=not answered.text.strip() or bool(DOES_NOT_KNOW.search(answered.text)),
                cited_doc_ids=[],  # the textbook chain does not cite
                retrieved_doc_ids=[str(d.metadata.get("doc_id", "")) for d in documents],
                retrieved_texts=[d.page_content for d in documents],
                ranked_doc_ids=list(dict.fromkeys(str(d.metadata.get("doc_id", "")) for d in documents)),
                timings_ms={"total": (time.perf_counter() - started) * 1000},
                failure=answered.failure,
            )
        )
        advance()
    return results
