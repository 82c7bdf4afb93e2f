"""The one orchestrator: reading ``Pipeline.run`` tells the story of a turn.

guard (limits, personal data masked, attacks refused) -> store the customer's masked message (before
anything else, so it is never lost) -> if a person has the conversation, the assistant stays silent
-> understand (language, script, intent, emotion and its trend) -> a fixed reply to small talk, or
an approver's curated answer, or retrieve (hybrid search over published passages in effect) and
answer (streamed LLM answer with checked citations, or extractive, or abstain) -> decide whether a
person takes over (policy, ticket, notice) and whether a suitable product may be offered beside the
answer (suitability rules, ranking, gate) -> record (turn log and transcript).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from assistant.domain import Answer, Lang, TurnResult
from assistant.handoff.conversations import ConversationStore
from assistant.insight.label_store import Labeler
from assistant.knowledge.curated import CuratedAnswers
from assistant.lang import detect_lang
from assistant.prompts import Replies
from assistant.recommend.stage import RecommendRequest, RecommendStage
from assistant.retrieval.followup import is_follow_up
from assistant.retrieval.hybrid import HybridRetriever, RetrievalResult
from assistant.stages.answer import AnswerDelta, AnswerDone, Answerer, AnswerRequest
from assistant.stages.guard import InputGuard
from assistant.stages.handoff import HandoffStage, conversational_reply
from assistant.stages.understand import UnderstandStage
from assistant.storage.turn_log import TurnLog

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TurnDelta:
    """Streamed answer text, to show while the turn is still running."""

    text: str


@dataclass(frozen=True)
class TurnDone:
    result: TurnResult


TurnEvent = TurnDelta | TurnDone


class _StageTimer:
    def __init__(self) -> None:
        self.timings_ms: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings_ms[name] = self.timings_ms.get(name, 0.0) + (time.perf_counter() - started) * 1000


class Pipeline:
    def __init__(
        self,
        guard: InputGuard,
        understand: UnderstandStage,
        retriever: HybridRetriever,
        answerer: Answerer,
        handoff: HandoffStage,
        conversations: ConversationStore,
        turn_log: TurnLog,
        replies: Replies,
        recommend: RecommendStage,
        curated: CuratedAnswers,
        labeler: Labeler | None = None,
    ) -> None:
        self.guard = guard
        self.understand = understand
        self.retriever = retriever
        self.answerer = answerer
        self.handoff = handoff
        self.conversations = conversations
        self.turn_log = turn_log
        self.replies = replies
        self.recommend = recommend
        self.curated = curated
        self.labeler = labeler

    def _earlier_messages(self, text: str, conversation_id: str, message_key: int | str) -> str:
        """For a follow-up ("and for the gold card?"), the customer's two messages before it."""
        if not is_follow_up(text):
            return ""
        try:
            earlier = [
                m.text
                for m in self.conversations.transcript(conversation_id, sources=("customer",))
                if m.id != message_key
            ]
        except SQLAlchemyError:
            return ""
        # Two back: "fee to Australia?" / "hmm, steep" / "and how long will it take?"
        return "\n".join(earlier[-2:])

    def run(
        self,
        question: str,
        conversation_id: str | None = None,
        use_llm: bool = True,
        customer_id: str | None = None,
        channel: str | None = None,
        client: str | None = None,
    ) -> Iterator[TurnEvent]:
        """``customer_id``: the signed-in customer, whose profile personalises recommendations;
        ``channel``: where the message came in (None: the web chat); ``client``: who the rate limit
        counts against (the customer, or a guest's address: see ``rate_limit_key``); the conversation
        when not given (tools that replay many conversations)."""
        started = time.perf_counter()
        timer = _StageTimer()
        conversation_id = conversation_id or uuid.uuid4().hex

        with timer.stage("guard"):
            guarded = self.guard.run(question, detect_lang(question), conversation_id, client)
        text = guarded.text  # from here on, only the masked text exists

        with timer.stage("store"):
            try:
                message_key: int | str = self.conversations.append(
                    conversation_id, "customer", text, customer_id=customer_id, channel=channel
                ).id
                with_person = self.conversations.mode(conversation_id) == "human"
            except SQLAlchemyError as exc:
                # The database is down: answer anyway; a handoff goes to the outbox and is retried.
                logger.error("Could not store the customer's message: %s", exc)
                message_key, with_person = f"unsaved-{uuid.uuid4().hex}", False

        with timer.stage("understand"):
            understood = self.understand.run(text, conversation_id, guarded.vector)
        lang = understood.lang
        timer.timings_ms.update({f"understand.{k}": v for k, v in understood.timings_ms.items()})

        retrieval: RetrievalResult | None = None
        if with_person:
            # The agent reads the customer's message from the transcript; the assistant stays silent.
            answer = Answer(text="", kind="to_agent", abstained=False, grounded=True)
        elif guarded.refusal is not None:
            answer = Answer(text=guarded.refusal, kind="refused", abstained=False, grounded=True)
        else:
            reply = conversational_reply(text, lang, understood.understanding, self.replies)
            pinned = self._curated(text, lang) if reply is None else None
            if reply is not None:
                answer = reply
            elif pinned is not None:
                answer = pinned  # an approver's answer, verbatim, with the passages it rests on
                yield TurnDelta(answer.text)
            else:
                with timer.stage("retrieve"):
                    earlier = self._earlier_messages(text, conversation_id, message_key)
                    own = self.retriever.retrieve(text, lang=lang, vector=understood.vector)
                    retrieval = self.retriever.retrieve(f"{earlier}\n{text}", lang=lang) if earlier else own
                timer.timings_ms.update({f"retrieve.{k}": v for k, v in retrieval.timings_ms.items()})
                request = AnswerRequest(
                    question=text,
                    earlier=earlier,
                    lang=lang,
                    traditional=understood.traditional,
                    retrieval=retrieval,
                    own_retrieval=own if earlier else None,
                    use_llm=use_llm,
                )
                done: AnswerDone | None = None
                answer_started = time.perf_counter()
                for event in self.answerer.run(request):
                    if isinstance(event, AnswerDelta):
                        yield TurnDelta(event.text)
                    else:
                        done = event
                timer.timings_ms["answer"] = (time.perf_counter() - answer_started) * 1000
                assert done is not None, "the answer stage always finishes with AnswerDone"
                if done.first_token_ms is not None:
                    timer.timings_ms["first_token"] = done.first_token_ms
                answer = done.answer

        result = TurnResult(
            conversation_id=conversation_id,
            question=text,
            guard=guarded.verdict,
            lang=lang,
            understanding=understood.understanding,
            answer=answer,
            retrieved=retrieval.chunks if retrieval else [],
        )
        # A refused message may still need a person (a fraud victim whose story reads like an attack):
        # it goes to the queue, never to the LLM. Limit refusals (too long, too fast) do not.
        limited = guarded.verdict.category in ("too_long", "rate_limited")
        if not with_person and not limited:
            with timer.stage("handoff"):
                handoff = self.handoff.run(
                    text, lang, conversation_id, message_key, understood.understanding, answer
                )
            result.handoff, result.ticket = handoff.decision, handoff.ticket
            if handoff.decision and answer.kind == "refused":
                answer = answer.model_copy(update={"text": ""})  # the handoff notice replaces the refusal
            if handoff.notice:
                separator = "\n\n" if answer.text else ""
                yield TurnDelta(separator + handoff.notice)
                result.answer = answer.model_copy(update={"text": answer.text + separator + handoff.notice})

        if customer_id is not None:
            with timer.stage("recommend"):
                offered = self.recommend.run(
                    RecommendRequest(
                        customer_id=customer_id,
                        conversation_id=conversation_id,
                        lang=lang,
                        message=text,
                        understanding=understood.understanding,
                        answer_kind=result.answer.kind,
                        handoff=result.handoff,
                        with_person=with_person,
                    )
                )
            result.recommendations = offered.recommendations
            result.recommendation_gate = offered.gate.reason

        with timer.stage("record"):
            result.timings_ms = {**timer.timings_ms, "total": (time.perf_counter() - started) * 1000}
            try:
                turn_id = self.turn_log.record(result)
                if customer_id is not None and self.labeler is not None:
                    self.labeler.observe(customer_id, result, turn_id)  # evidence for customer labels
                if result.answer.text:
                    self.conversations.append(
                        conversation_id,
                        "assistant",
                        result.answer.text,
                        details=_assistant_details(result),
                        lang=lang,
                    )
            except SQLAlchemyError as exc:
                logger.error("Could not record the turn: %s", exc)
        result.timings_ms["record"] = timer.timings_ms["record"]
        result.timings_ms["total"] = (time.perf_counter() - started) * 1000
        yield TurnDone(result)

    def _curated(self, text: str, lang: Lang) -> Answer | None:
        try:
            match = self.curated.match(text, lang)
        except SQLAlchemyError as exc:
            logger.error("Curated answers unavailable: %s", exc)
            return None
        return match.as_answer() if match else None

    def ask(
        self,
        question: str,
        conversation_id: str | None = None,
        use_llm: bool = True,
        customer_id: str | None = None,
    ) -> TurnResult:
        """Run a turn to completion, for callers that don't stream."""
        for event in self.run(question, conversation_id, use_llm, customer_id):
            if isinstance(event, TurnDone):
                return event.result
        raise AssertionError("a turn always ends with TurnDone")


def rate_limit_key(customer_id: str | None, guest: str) -> str:
    """The customer when signed in (one limit across tabs, channels and replicas), else the guest's
    address or channel session."""
    return f"customer:{customer_id}" if customer_id else f"guest:{guest}"


def _assistant_details(result: TurnResult) -> dict[str, object]:
    """What the agent console shows next to an assistant message."""
    return {
        "answer_kind": result.answer.kind,
        "abstained": result.answer.abstained,
        "citations": [c.model_dump() for c in result.answer.citations],
        "handoff": result.handoff.model_dump(),
        "recommendations": [r.product_id for r in result.recommendations],
    }
