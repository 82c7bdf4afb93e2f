"""Typed records that flow between the stages of a turn."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
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


# conversational: a fixed reply to a greeting, thanks or goodbye, or the notice that a person is coming.
# to_agent: the conversation is with a person, so the assistant stays silent.
# refused: the input guard stopped the message (an attack, or over a limit).
# curated: an answer an approver pinned to the question's pattern, used verbatim with its sources.
AnswerKind = Literal["llm", "extractive", "abstained", "conversational", "to_agent", "refused", "curated"]


class Answer(BaseModel):
    text: str
    kind: AnswerKind
    abstained: bool
    citations: list[Citation] = []
    grounded: bool = Field(description="Every claim checked against a cited source.")
    fallback_reason: str | None = None


class ScoredLabel(BaseModel):
    label: str
    score: float


class IntentPrediction(BaseModel):
    label: str
    confidence: float
    alternatives: list[ScoredLabel] = Field(default=[], description="The next most likely labels.")


class EmotionPrediction(BaseModel):
    label: str
    intensity: float = Field(ge=0.0, le=1.0)
    confidence: float
    alternatives: list[ScoredLabel] = []


class EmotionTrend(BaseModel):
    """The conversation's recent emotions, oldest first, ending with this turn's."""

    recent: list[EmotionPrediction]

    def rising(self, labels: tuple[str, ...] = ("frustrated", "angry"), turns: int = 3) -> bool:
        """True when the last ``turns`` turns all carry one of ``labels`` with non-decreasing intensity."""
        window = self.recent[-turns:]
        if len(window) < turns or any(e.label not in labels for e in window):
            return False
        return all(a.intensity <= b.intensity for a, b in pairwise(window))


class Understanding(BaseModel):
    """What a message is about and how the customer feels; read by handoff, retrieval and recommendation."""

    intent: IntentPrediction
    emotion: EmotionPrediction
    trend: EmotionTrend | None = None
    source: Literal["local", "llm", "combined"] = "local"


class GuardVerdict(BaseModel):
    """What the input guard found in a message."""

    flagged: bool = False
    category: str | None = Field(default=None, description="Attack category, or the limit exceeded.")
    evidence: str = ""
    pii: list[str] = Field(default=[], description="Types of personal data masked.")


HandoffReason = Literal["risk", "explicit_request", "vulnerable", "complaint", "emotion", "unanswered"]
# Lower is more urgent: risk, then anger and complaints, then the rest.
Priority = Literal[1, 2, 3]
PRIORITY_NAMES: dict[int, str] = {1: "urgent", 2: "high", 3: "normal"}


class HandoffDecision(BaseModel):
    """Whether this turn hands the conversation to a person, and why (one reason code, the most urgent)."""

    decision: bool
    reason: HandoffReason | None = None
    also: list[HandoffReason] = Field(default=[], description="Other reasons that held this turn.")
    priority: Priority | None = None
    detail: str = Field(default="", description="What triggered it, for the agent.")
    offer_person: bool = Field(default=False, description="Offer a person without handing off.")


class TicketRef(BaseModel):
    """The queue ticket a handoff created or joined."""

    ticket_id: int
    created: bool
    position: int | None = Field(default=None, description="Place in the queue, 1 = next.")
    complaint_reference: str | None = None


class Recommendation(BaseModel):
    """A product offered beside an answer, with the one-sentence reason and any required wording."""

    product_id: str
    name: str
    category: str
    risk_level: str | None
    score: float
    summary: str
    reason: str = Field(description="One sentence the customer understands: why this, for them.")
    signals: list[str]
    disclosure: str | None = None
    document: str


class TurnResult(BaseModel):
    """Everything a turn produced; what `ask --json` prints and what the turn log records."""

    conversation_id: str
    question: str
    lang: Lang
    understanding: Understanding | None = None
    answer: Answer
    retrieved: list[RetrievedChunk] = []
    guard: GuardVerdict = GuardVerdict()
    handoff: HandoffDecision = HandoffDecision(decision=False)
    ticket: TicketRef | None = None
    recommendations: list[Recommendation] = []
    recommendation_gate: str | None = Field(default=None, description="Why nothing was offered.")
    timings_ms: dict[str, float] = {}
