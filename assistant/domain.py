"""Typed records that flow between the stages of a turn."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

Lang = Literal["en", "zh"]
DocStatus = Literal["draft", "approved", "retired"]


class DocumentMeta(BaseModel):
    """What a document says about itself (front matter, HTML meta tags or a sidecar file)."""

    doc_id: str
    title: str
    lang: Lang
    product: str = ""
    version: int = 1
    effective_date: date
    status: DocStatus = "approved"


class Chunk(BaseModel):
    """A retrievable passage with the provenance a citation needs."""

    chunk_id: str
    doc_id: str
    title: str
    section: str = Field(description="Heading path, e.g. 'Fees > Annual fee'.")
    text: str
    lang: Lang
    version: int
    effective_date: date
    status: DocStatus
    source_path: str = ""
    content_hash: str = ""

    def heading_context(self) -> str:
        return f"{self.title} > {self.section}" if self.section else self.title

    def contextual_text(self) -> str:
        """The passage under its heading path: what is embedded, keyword-indexed and checked against."""
        return f"{self.heading_context()}\n{self.text}"


class RetrievedChunk(BaseModel):
    chunk: Chunk
    fused_score: float
    dense_similarity: float | None = None
    dense_rank: int | None = None
    bm25_score: float | None = None
    bm25_rank: int | None = None


class Citation(BaseModel):
    number: int = Field(description="The [n] marker used in the answer.")
    doc_id: str
    title: str
    section: str
    version: int
    chunk_id: str
    passage: str


AnswerKind = Literal["llm", "extractive", "abstained"]


class Answer(BaseModel):
    text: str
    kind: AnswerKind
    abstained: bool
    citations: list[Citation] = []
    grounded: bool = Field(description="Every claim checked against a cited source.")
    fallback_reason: str | None = None


class TurnResult(BaseModel):
    """Everything a turn produced; what `ask --json` prints and what the turn log records."""

    conversation_id: str
    question: str
    lang: Lang
    answer: Answer
    retrieved: list[RetrievedChunk] = []
    timings_ms: dict[str, float] = {}
