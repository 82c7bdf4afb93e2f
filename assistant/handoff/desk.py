"""The agent's side of a handoff: claim, the handoff packet, agent assist, talk, hand back, resolve.

The packet is everything an agent needs so the customer never repeats themselves: the transcript
with sources, a summary, the emotion curve, what the assistant cited, the customer's profile when
known, and a suggested reply with citations. It is JSON-serialisable for a bank's CRM or helpdesk.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel

from assistant.domain import AnswerKind, Citation, Lang
from assistant.errors import AssistantError
from assistant.handoff.conversations import Conversation, ConversationStore, Message
from assistant.handoff.queue import Complaint, HandoffQueue, Ticket
from assistant.insight.label_store import Labeler
from assistant.insight.labels import CustomerLabel
from assistant.llm.chat_model import ChatModel
from assistant.prompts import PromptTemplate, Replies
from assistant.recommend.store import ProfileStore
from assistant.retrieval.hybrid import HybridRetriever
from assistant.stages.answer import AnswerDone, Answerer, AnswerRequest
from assistant.storage.turn_log import TurnLog

logger = logging.getLogger(__name__)

SummaryKind = Literal["llm", "extractive"]
REASON_TEXT: dict[str, dict[Lang, str]] = {
    "risk": {"en": "possible fraud or unauthorised activity", "zh": "疑似欺诈或未授权交易"},
    "explicit_request": {"en": "the customer asked for a person", "zh": "客户要求转人工"},
    "vulnerable": {
        "en": "the customer may be vulnerable (bereavement, hardship, illness, or unsure about a caller)",
        "zh": "客户可能处于弱势处境（亲人离世、经济困难、疾病，或不确定来电是否诈骗）",
    },
    "complaint": {"en": "formal complaint", "zh": "正式投诉"},
    "emotion": {"en": "the customer is angry or increasingly frustrated", "zh": "客户情绪愤怒或持续不满"},
    "unanswered": {"en": "the assistant could not answer twice in a row", "zh": "AI助手连续两次无法回答"},
}
_NOT_QUESTIONS = {"conversational"}


class EmotionPoint(BaseModel):
    turn: int
    label: str
    intensity: float


class SuggestedReply(BaseModel):
    text: str
    kind: AnswerKind
    citations: list[Citation] = []


class HandoffPacket(BaseModel):
    ticket: Ticket
    waiting_s: float
    reason_text: str
    summary: str
    summary_kind: SummaryKind
    intent: str | None
    emotion: str | None
    emotion_curve: list[EmotionPoint]
    transcript: list[Message]
    sources: list[dict[str, Any]]
    customer: dict[str, Any] | None = None
    # Who the customer is and what they need (insight/labels.py), each with its latest evidence.
    labels: list[CustomerLabel] = []
    channel: str = "web"  # where the customer is now: the agent's reply reaches them there
    complaint: Complaint | None = None
    suggested_reply: SuggestedReply | None = None


class DeskError(AssistantError):
    """An agent action that is not allowed now (not their ticket, already closed)."""


class Summarizer:
    def __init__(
        self, chat_model: ChatModel | None, prompt: PromptTemplate, replies: Replies, max_tokens: int = 200
    ) -> None:
        self.replies = replies
        self.chat_model = chat_model
        self.prompt = prompt
        self.max_tokens = max_tokens

    def summarize(self, transcript: list[Message], lang: Lang, reason: str) -> tuple[str, SummaryKind]:
        if self.chat_model is not None:
            lines = "\n".join(f"{m.source}: {m.text}" for m in transcript if m.source != "system")
            messages = self.prompt.render(
                language="Chinese" if lang == "zh" else "English", reason=reason, transcript=lines
            )
            try:
                text = "".join(self.chat_model.stream(messages, self.max_tokens)).strip()
            except AssistantError as exc:
                logger.warning("LLM summary unavailable (%s); using the extractive summary", exc)
            else:
                if 0 < len(text) <= 800:
                    return text, "llm"
        return extractive_summary(transcript, lang, reason, self.replies), "extractive"


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _as_sentence(text: str, lang: Lang) -> str:
    """Clipped, and ending in punctuation without doubling what the customer typed."""
    text = _clip(text)
    return text if not text or text[-1] in ".?!。？！…" else text + ("。" if lang == "zh" else ".")


def extractive_summary(transcript: list[Message], lang: Lang, reason: str, replies: Replies) -> str:
    """The customer's own words (first request and latest message) plus what the assistant did."""
    said = [m for m in transcript if m.source == "customer"]
    questions = [
        m
        for m in transcript
        if m.source == "assistant" and m.details.get("answer_kind") not in _NOT_QUESTIONS
    ]
    answered = [m for m in questions if not m.details.get("abstained")]
    titles = sorted({c["title"] for m in answered for c in m.details.get("citations", [])})
    first = next((m.text for m in said if len(m.text) > 12), said[0].text if said else "")
    latest = said[-1].text if said else ""
    return replies.text(
        "handoff_summary",
        lang,
        first=_as_sentence(first, lang),
        latest=_as_sentence(latest, lang) if latest != first else "",
        answered=len(answered),
        unanswered=len(questions) - len(answered),
        titles=("、" if lang == "zh" else ", ").join(titles),
        reason=reason,
    )


class HandoffDesk:
    def __init__(
        self,
        queue: HandoffQueue,
        conversations: ConversationStore,
        turn_log: TurnLog,
        summarizer: Summarizer,
        retriever: HybridRetriever,
        answerer: Answerer,
        replies: Replies,
        use_llm: bool,
        profiles: ProfileStore | None = None,
        labeler: Labeler | None = None,
    ) -> None:
        self.queue = queue
        self.conversations = conversations
        self.turn_log = turn_log
        self.summarizer = summarizer
        self.retriever = retriever
        self.answerer = answerer
        self.replies = replies
        self.use_llm = use_llm
        self.profiles = profiles
        self.labeler = labeler

    def waiting(self) -> list[Ticket]:
        return self.queue.waiting()

    def claim(self, ticket_id: int, agent: str) -> Ticket | None:
        return self._joined(self.queue.claim(ticket_id, agent), agent)

    def claim_next(self, agent: str) -> Ticket | None:
        return self._joined(self.queue.claim_next(agent), agent)

    def _joined(self, ticket: Ticket | None, agent: str) -> Ticket | None:
        """Tell the customer a person has joined."""
        if ticket is not None:
            lang = _lang(ticket.lang)
            self.conversations.append(
                ticket.conversation_id,
                "system",
                self.replies.text("agent_joined", lang, agent=agent),
                author=agent,
            )
        return ticket

    def send(self, ticket_id: int, agent: str, text: str) -> Message:
        ticket = self._own(ticket_id, agent)
        text = text.strip()
        if not text:
            raise DeskError("an empty reply is not sent")
        return self.conversations.append(ticket.conversation_id, "agent", text, author=agent)

    def hand_back(self, ticket_id: int, agent: str) -> None:
        ticket = self._own(ticket_id, agent)
        if self.queue.hand_back(ticket_id, agent):
            self.conversations.append(
                ticket.conversation_id,
                "system",
                self.replies.text("handed_back", _lang(ticket.lang), agent=agent),
            )

    def resolve(self, ticket_id: int, agent: str) -> None:
        ticket = self._own(ticket_id, agent)
        if self.queue.resolve(ticket_id, agent):
            self.conversations.append(
                ticket.conversation_id,
                "system",
                self.replies.text("resolved", _lang(ticket.lang), agent=agent),
            )

    def conversation(self, ticket_id: int) -> list[Message]:
        """The ticket's transcript, for the agent's live view."""
        ticket = self.queue.get(ticket_id)
        return self.conversations.transcript(ticket.conversation_id) if ticket else []

    def _own(self, ticket_id: int, agent: str) -> Ticket:
        ticket = self.queue.get(ticket_id)
        if ticket is None or ticket.status != "claimed" or ticket.claimed_by != agent:
            raise DeskError(f"ticket {ticket_id} is not claimed by {agent}")
        return ticket

    def packet(
        self, ticket_id: int, with_summary: bool = True, with_suggestion: bool = True
    ) -> HandoffPacket | None:
        ticket = self.queue.get(ticket_id)
        if ticket is None:
            return None
        lang = _lang(ticket.lang)
        reason = REASON_TEXT[ticket.reason][lang]
        transcript = self.conversations.transcript(ticket.conversation_id)
        conversation = self.conversations.get(ticket.conversation_id)
        customer_id = conversation.customer_id if conversation else None
        turns = self.turn_log.conversation(ticket.conversation_id)
        summary, kind = (
            self.summarizer.summarize(transcript, lang, reason)
            if with_summary
            else (extractive_summary(transcript, lang, reason, self.replies), "extractive")
        )
        sources: dict[tuple[str, str], dict[str, Any]] = {}
        for message in transcript:
            for c in message.details.get("citations", []):
                sources.setdefault(
                    (c["doc_id"], c["section"]), {k: c[k] for k in ("doc_id", "title", "section", "version")}
                )
        return HandoffPacket(
            ticket=ticket,
            waiting_s=ticket.waiting_s(datetime.now(UTC)),
            reason_text=reason,
            summary=summary,
            summary_kind=kind,
            intent=ticket.intent,
            emotion=ticket.emotion,
            emotion_curve=[
                EmotionPoint(turn=i, label=t["emotion"], intensity=t["emotion_intensity"] or 0.0)
                for i, t in enumerate(turns, start=1)
                if t["emotion"]
            ],
            transcript=transcript,
            sources=list(sources.values()),
            customer=self._customer(customer_id),
            labels=self.labeler.labels(customer_id) if self.labeler and customer_id else [],
            channel=_channel_of(conversation),
            complaint=self.queue.complaint(ticket.conversation_id),
            suggested_reply=self.suggest_reply(turns, lang) if with_suggestion else None,
        )

    def _customer(self, customer_id: str | None) -> dict[str, Any] | None:
        """What the agent needs to know about a signed-in customer; nothing about a guest."""
        profile = self.profiles.get(customer_id) if self.profiles and customer_id else None
        if profile is None:
            return None
        return profile.model_dump(
            mode="json",
            include={"id", "name", "segment", "language", "risk_tolerance", "holdings", "marketing_consent"},
        )

    def suggest_reply(self, turns: list[dict[str, Any]], lang: Lang) -> SuggestedReply | None:
        """A cited draft answer for the agent to edit and send.

        It answers the customer's latest question; when the sources cannot answer that on its own
        ("I froze it, now what?"), it answers the customer's recent questions taken together.
        """
        questions = [t["question"] for t in turns if t["answer_kind"] not in _NOT_QUESTIONS]
        if not questions:
            return None
        for question in dict.fromkeys([questions[-1], " ".join(questions[-3:])]):
            request = AnswerRequest(
                question=question,
                lang=lang,
                retrieval=self.retriever.retrieve(question, lang=lang),
                use_llm=self.use_llm,
            )
            answer = next(e for e in self.answerer.run(request) if isinstance(e, AnswerDone)).answer
            if not answer.abstained:
                break
        return SuggestedReply(text=answer.text, kind=answer.kind, citations=answer.citations)


def packet_json(packet: HandoffPacket) -> str:
    return json.dumps(packet.model_dump(mode="json"), ensure_ascii=False, indent=2)


def _channel_of(conversation: Conversation | None) -> str:
    return (conversation.channel if conversation else None) or "web"


def _lang(value: str) -> Lang:
    return "zh" if value == "zh" else "en"
