"""The decide stage (handoff part): apply the policy, file the ticket, tell the customer what happens next."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from assistant.domain import Answer, HandoffDecision, Lang, TicketRef, Understanding
from assistant.handoff.outbox import HandoffOutbox, PendingHandoff
from assistant.handoff.phrases import asks_for_person, asks_something
from assistant.handoff.policy import HandoffPolicy, HandoffSignals
from assistant.handoff.queue import HandoffQueue
from assistant.prompts import Replies
from assistant.storage.turn_log import TurnLog

SMALL_TALK = frozenset({"greeting", "thanks", "goodbye"})
# A longer message that opens with "hi" or "thanks" usually carries a question too.
SMALL_TALK_MAX_CHARS = {"en": 80, "zh": 30}
# "ok", "got it", "never mind", 好的, 明白了: nothing to look up, and not a question left unanswered.
ACKNOWLEDGEMENT = re.compile(
    r"(?:(?:ok(?:ay)?|o\.k\.|k|fine|sure|alright|all right|right|i see|got it|understood|cool|great|"
    r"never ?mind|nvm|whatever|ah|oh|hmm+|yes|yeah|no|nope|got it now|makes sense|no worries|"
    r"好的?|好吧|嗯+|哦+|噢|行|可以|明白了?|知道了|懂了|了解了?|算了|没事了?|没关系|是的|对|不用了?)"
    r"[\s,，.。!！~～]*)+",
    re.IGNORECASE,
)


def conversational_reply(
    text: str, lang: Lang, understanding: Understanding | None, replies: Replies
) -> Answer | None:
    """A fixed reply to a greeting, thanks or goodbye; None when the message needs the knowledge base.

    A short request for a person gets an empty answer: the handoff notice is the whole reply, and
    searching the knowledge base for "转人工" would only find transfer fees.
    """
    short = len(text) <= SMALL_TALK_MAX_CHARS[lang]
    intent = understanding.intent.label if understanding and understanding.intent.confidence >= 0.5 else None
    if intent == "human_agent" or (short and asks_for_person(text)):
        return Answer(text="", kind="conversational", abstained=False, grounded=True)
    if intent in SMALL_TALK and short:
        return Answer(text=replies.text(intent, lang), kind="conversational", abstained=False, grounded=True)
    if ACKNOWLEDGEMENT.fullmatch(text.strip()):
        return Answer(
            text=replies.text("acknowledged", lang), kind="conversational", abstained=False, grounded=True
        )
    return None


@dataclass(frozen=True)
class Handoff:
    decision: HandoffDecision
    ticket: TicketRef | None
    notice: str  # what the customer is told, appended to the answer


class HandoffStage:
    def __init__(
        self,
        policy: HandoffPolicy,
        queue: HandoffQueue,
        turn_log: TurnLog,
        replies: Replies,
        outbox: HandoffOutbox,
    ) -> None:
        self.outbox = outbox
        self.policy = policy
        self.queue = queue
        self.turn_log = turn_log
        self.replies = replies

    def _previous_abstentions(self, conversation_id: str) -> int:
        try:
            return self.turn_log.consecutive_abstentions(conversation_id, counts=asks_something)
        except SQLAlchemyError:
            return 0  # the database is down: judge this turn on its own

    def run(
        self,
        text: str,
        lang: Lang,
        conversation_id: str,
        message_id: int | str,
        understanding: Understanding | None,
        answer: Answer,
    ) -> Handoff:
        earlier = understanding.trend.recent[:-1] if understanding and understanding.trend else []
        decision = self.policy.decide(
            HandoffSignals(
                text=text,
                understanding=understanding,
                abstained=answer.abstained,
                previous_abstentions=self._previous_abstentions(conversation_id),
                earlier_emotions=earlier,
            )
        )
        if not decision.decision:
            return Handoff(decision, None, "")
        pending = PendingHandoff(
            conversation_id=conversation_id,
            decision=decision,
            # The customer's message is stored once, so its id makes a retried turn land on the same ticket.
            idempotency_key=f"{conversation_id}:{message_id}",
            lang=lang,
            understanding=understanding,
            complaint_summary=text,
        )
        try:
            filed = self.queue.enqueue(
                pending.conversation_id,
                decision,
                idempotency_key=pending.idempotency_key,
                lang=lang,
                understanding=understanding,
                complaint_summary=text,
            )
        except SQLAlchemyError:
            self.outbox.put(pending)  # kept and retried; the customer is told a person will contact them
            safety = [self.replies.text("risk_safety", lang)] if decision.reason == "risk" else []
            return Handoff(
                decision, None, "\n\n".join([*safety, self.replies.text("handoff_deferred", lang)])
            )
        position = self.queue.position(filed.ticket)
        notices = []
        if decision.reason == "risk":
            notices.append(self.replies.text("risk_safety", lang))
        if filed.complaint is not None and "complaint" in (decision.reason, *decision.also):
            notices.append(
                self.replies.text(
                    "complaint_opened",
                    lang,
                    reference=filed.complaint.reference,
                    due_date=filed.complaint.due_at.date().isoformat(),
                )
            )
        if position is not None:
            notices.append(
                self.replies.text(
                    "handoff_queued" if filed.created else "handoff_waiting", lang, position=position
                )
            )
        ticket = TicketRef(
            ticket_id=filed.ticket.id,
            created=filed.created,
            position=position,
            complaint_reference=filed.complaint.reference if filed.complaint else None,
        )
        return Handoff(decision, ticket, "\n\n".join(notices))
