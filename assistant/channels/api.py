"""The HTTP API other channels use (the mobile app's backend, a WeChat gateway, a helpdesk), served with
the web app. Every turn goes through the same pipeline as the web chat, so a customer gets the same
answers, handoffs and offers wherever they write, and can move between channels mid-conversation.

Who is calling: a channel, by its API key (``Authorization: Bearer …``). Who the customer is: the
channel's own signed-in user, sent as ``X-Customer-Id`` by the authenticated channel, never read from
a message. A signed-in customer's conversation is theirs in every channel; a guest's stays with the
channel that opened it. Anything else is refused, and a refused or malformed request stores nothing.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations at run time, and
# they name dependencies defined inside build_api.
import json
import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from assistant.channels.keys import Channel, ChannelKeys, ChannelRole
from assistant.domain import TurnResult
from assistant.handoff.conversations import Conversation, ConversationStore
from assistant.handoff.conversations import Message as StoredMessage
from assistant.handoff.desk import DeskError, HandoffDesk, HandoffPacket
from assistant.handoff.queue import Ticket
from assistant.lang import detect_lang
from assistant.pipeline import Pipeline, TurnDelta, TurnDone, rate_limit_key

PREFIX = "/api/v1"
# A request body larger than this is refused before it is read: a message is at most a few thousand
# characters, so anything bigger is a mistake or an attack.
MAX_BODY_BYTES = 64 * 1024
_ID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


class ConversationOut(BaseModel):
    conversation_id: str
    state: Literal["auto", "human", "closed"]
    customer_id: str | None
    channel: str | None
    created_at: datetime


class MessageOut(BaseModel):
    id: int
    source: Literal["customer", "assistant", "agent", "system"]
    author: str | None
    text: str
    channel: str | None
    created_at: datetime


class ConversationWithMessages(ConversationOut):
    messages: list[MessageOut]


class SendMessage(BaseModel):
    text: str = Field(min_length=1)


class CitationOut(BaseModel):
    number: int
    doc_id: str
    title: str
    section: str
    version: int


class HandoffOut(BaseModel):
    decision: bool
    reason: str | None
    ticket_id: int | None
    position: int | None = Field(description="Place in the queue, 1 = next.")


class RecommendationOut(BaseModel):
    product_id: str
    name: str
    reason: str
    disclosure: str | None


class TurnOut(BaseModel):
    """One turn's result, the same whichever channel it came from."""

    conversation_id: str
    answer: str
    answer_kind: str
    lang: str
    abstained: bool
    grounded: bool
    with_person: bool = Field(description="A person has the conversation; their reply arrives as a message.")
    citations: list[CitationOut]
    handoff: HandoffOut
    recommendations: list[RecommendationOut]
    intent: str | None
    emotion: str | None


class Rating(BaseModel):
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=1000)


class AgentReply(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


def turn_out(result: TurnResult) -> TurnOut:
    answer, ticket = result.answer, result.ticket
    return TurnOut(
        conversation_id=result.conversation_id,
        answer=answer.text,
        answer_kind=answer.kind,
        lang=result.lang,
        abstained=answer.abstained,
        grounded=answer.grounded,
        with_person=answer.kind == "to_agent",
        citations=[
            CitationOut(number=c.number, doc_id=c.doc_id, title=c.title, section=c.section, version=c.version)
            for c in answer.citations
        ],
        handoff=HandoffOut(
            decision=result.handoff.decision,
            reason=result.handoff.reason,
            ticket_id=ticket.ticket_id if ticket else None,
            position=ticket.position if ticket else None,
        ),
        recommendations=[
            RecommendationOut(product_id=r.product_id, name=r.name, reason=r.reason, disclosure=r.disclosure)
            for r in result.recommendations
        ],
        intent=result.understanding.intent.label if result.understanding else None,
        emotion=result.understanding.emotion.label if result.understanding else None,
    )


def _message_out(message: StoredMessage) -> MessageOut:
    return MessageOut(
        id=message.id,
        source=message.source,
        author=message.author,
        text=message.text,
        channel=message.channel,
        created_at=message.created_at,
    )


def _conversation_out(conversation: Conversation) -> ConversationOut:
    return ConversationOut(
        conversation_id=conversation.id,
        state=conversation.state,
        customer_id=conversation.customer_id,
        channel=conversation.channel,
        created_at=conversation.created_at,
    )


def build_api(
    keys: ChannelKeys,
    pipeline: Pipeline,
    conversations: ConversationStore,
    desk: HandoffDesk,
    rate: Any,
    max_message_chars: int,
    use_llm: bool = True,
) -> FastAPI:
    """The API as its own FastAPI app (``rate``: ``Ratings.rate``); ``mount_api`` adds it to the web app."""
    api = FastAPI(
        title="Lanting Bank assistant: channel API",
        version="1",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )

    @api.middleware("http")
    async def refuse_oversized_bodies(request: Request, call_next: Any) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return JSONResponse({"detail": f"request body over {MAX_BODY_BYTES} bytes"}, status_code=413)
        response: Response = await call_next(request)
        return response

    def caller(authorization: Annotated[str | None, Header()] = None) -> Channel:
        scheme, _, key = (authorization or "").partition(" ")
        channel = keys.authenticate(key.strip()) if scheme.lower() == "bearer" else None
        if channel is None:
            raise HTTPException(401, "a valid channel key is required: Authorization: Bearer <key>")
        return channel

    def role(needed: ChannelRole) -> Any:
        def check(channel: Annotated[Channel, Depends(caller)]) -> Channel:
            if not channel.can(needed):
                raise HTTPException(403, f"this channel's key does not allow {needed}")
            return channel

        return check

    def customer(x_customer_id: Annotated[str | None, Header()] = None) -> str | None:
        if x_customer_id is not None and not _ID.fullmatch(x_customer_id):
            raise HTTPException(400, "X-Customer-Id must be 1-64 letters, digits or . _ @ -")
        return x_customer_id

    def agent(x_agent_id: Annotated[str | None, Header()] = None) -> str:
        if x_agent_id is None or not _ID.fullmatch(x_agent_id):
            raise HTTPException(400, "X-Agent-Id (the helpdesk's signed-in agent) is required")
        return x_agent_id

    Chat = Annotated[Channel, Depends(role("chat"))]
    Helpdesk = Annotated[Channel, Depends(role("helpdesk"))]
    Customer = Annotated[str | None, Depends(customer)]
    Agent = Annotated[str, Depends(agent)]

    def owned(conversation_id: str, channel: Channel, customer_id: str | None) -> Conversation:
        """The conversation, when this caller may use it; 404 otherwise (another customer's
        conversation is not confirmed to exist)."""
        conversation = conversations.get(conversation_id)
        mine = conversation is not None and (
            conversation.customer_id == customer_id
            if conversation.customer_id is not None
            else customer_id is None and conversation.channel == channel.name
        )
        if conversation is None or not mine:
            raise HTTPException(404, "no such conversation for this customer")
        return conversation

    def accepted(text: str) -> str:
        text = text.strip()
        if not text:
            raise HTTPException(422, "the message is empty")
        if len(text) > max_message_chars:
            limit = f"the message is {len(text)} characters; the limit is {max_message_chars}"
            raise HTTPException(413, limit)
        return text

    router = APIRouter(prefix=PREFIX)

    @router.post("/conversations", status_code=201)
    def start_conversation(channel: Chat, customer_id: Customer) -> ConversationOut:
        conversation_id = uuid.uuid4().hex
        conversations.open(conversation_id, customer_id, channel.name)
        started = conversations.get(conversation_id)
        assert started is not None
        return _conversation_out(started)

    @router.get("/conversations/{conversation_id}")
    def read_conversation(
        conversation_id: str, channel: Chat, customer_id: Customer
    ) -> ConversationWithMessages:
        conversation = owned(conversation_id, channel, customer_id)
        messages = [_message_out(m) for m in conversations.transcript(conversation_id)]
        return ConversationWithMessages(**_conversation_out(conversation).model_dump(), messages=messages)

    @router.get("/conversations/{conversation_id}/messages")
    def new_messages(
        conversation_id: str, channel: Chat, customer_id: Customer, after: int = 0
    ) -> list[MessageOut]:
        """Messages after ``after`` (a message id): how a channel picks up a person's replies."""
        owned(conversation_id, channel, customer_id)
        return [_message_out(m) for m in conversations.transcript(conversation_id, after_id=after)]

    def turn(conversation_id: str, channel: Channel, customer_id: str | None, text: str) -> Iterator[Any]:
        conversation = owned(conversation_id, channel, customer_id)
        if conversation.state == "closed":
            raise HTTPException(409, "the conversation is closed; start a new one")
        return pipeline.run(
            text,
            conversation_id,
            use_llm=use_llm,
            customer_id=customer_id,
            channel=channel.name,
            client=rate_limit_key(customer_id, f"{channel.name}:{conversation_id}"),
        )

    @router.post("/conversations/{conversation_id}/messages")
    def send_message(
        conversation_id: str, body: SendMessage, channel: Chat, customer_id: Customer
    ) -> TurnOut:
        for event in turn(conversation_id, channel, customer_id, accepted(body.text)):
            if isinstance(event, TurnDone):
                return turn_out(event.result)
        raise HTTPException(500, "the turn ended without a result")

    @router.post(
        "/conversations/{conversation_id}/messages/stream",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    def stream_message(
        conversation_id: str, body: SendMessage, channel: Chat, customer_id: Customer
    ) -> StreamingResponse:
        """Server-sent events: ``delta`` ({"text"}) as the answer is written, then ``done`` (a TurnOut)."""
        events = turn(conversation_id, channel, customer_id, accepted(body.text))

        def sse() -> Iterator[str]:
            for event in events:
                if isinstance(event, TurnDelta):
                    yield _sse("delta", {"text": event.text})
                elif isinstance(event, TurnDone):
                    yield _sse("done", turn_out(event.result).model_dump(mode="json"))

        return StreamingResponse(sse(), media_type="text/event-stream")

    @router.post("/conversations/{conversation_id}/rating", status_code=204)
    def rate_conversation(
        conversation_id: str, body: Rating, channel: Chat, customer_id: Customer
    ) -> Response:
        owned(conversation_id, channel, customer_id)
        # Comments are free text: personal data is masked before it is stored, as for chat messages.
        masked = pipeline.guard.redactor.redact(body.comment, detect_lang(body.comment)).text
        rate(conversation_id, body.score, masked, customer_id)
        return Response(status_code=204)

    @router.post("/conversations/{conversation_id}/close", status_code=204)
    def close_conversation(conversation_id: str, channel: Chat, customer_id: Customer) -> Response:
        owned(conversation_id, channel, customer_id)
        conversations.close(conversation_id)
        return Response(status_code=204)

    @router.get("/handoffs")
    def waiting_handoffs(channel: Helpdesk) -> list[Ticket]:
        return desk.waiting()

    @router.get("/handoffs/{ticket_id}")
    def handoff_packet(ticket_id: int, channel: Helpdesk) -> HandoffPacket:
        """Everything the agent needs: reason, summary, emotion curve, transcript, suggested reply."""
        packet = desk.packet(ticket_id, with_summary=False, with_suggestion=True)
        if packet is None:
            raise HTTPException(404, "no such ticket")
        return packet

    @router.post("/handoffs/{ticket_id}/claim")
    def claim_handoff(ticket_id: int, channel: Helpdesk, agent_id: Agent) -> Ticket:
        # Only whether it exists: building its packet (a suggested reply means a search) is not needed here.
        if desk.queue.get(ticket_id) is None:
            raise HTTPException(404, "no such ticket")
        claimed = desk.claim(ticket_id, agent_id)
        if claimed is None:
            raise HTTPException(409, "the ticket is no longer waiting")
        return claimed

    @router.post("/handoffs/{ticket_id}/messages", status_code=201)
    def agent_message(ticket_id: int, body: AgentReply, channel: Helpdesk, agent_id: Agent) -> MessageOut:
        return _message_out(_desk_action(lambda: desk.send(ticket_id, agent_id, body.text)))

    @router.post("/handoffs/{ticket_id}/hand-back", status_code=204)
    def hand_back(ticket_id: int, channel: Helpdesk, agent_id: Agent) -> Response:
        _desk_action(lambda: desk.hand_back(ticket_id, agent_id))
        return Response(status_code=204)

    @router.post("/handoffs/{ticket_id}/resolve", status_code=204)
    def resolve(ticket_id: int, channel: Helpdesk, agent_id: Agent) -> Response:
        _desk_action(lambda: desk.resolve(ticket_id, agent_id))
        return Response(status_code=204)

    api.include_router(router)
    return api


def _desk_action(action: Any) -> Any:
    try:
        return action()
    except DeskError as exc:
        raise HTTPException(409, str(exc)) from exc


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
