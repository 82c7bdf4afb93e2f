"""Conversations and their transcripts: who has the conversation (assistant or person) and every message.

Each message is committed on its own before anything else happens with it, so a crash never loses
what a customer or an agent said.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import IntegrityError

from assistant.storage.database import as_utc
from assistant.storage.migrations import conversations, messages

Mode = Literal["auto", "human"]
State = Literal["auto", "human", "closed"]
Source = Literal["customer", "assistant", "agent", "system"]


class Message(BaseModel):
    id: int
    conversation_id: str
    source: Source
    author: str | None = None
    text: str
    details: dict[str, Any] = {}
    created_at: datetime
    channel: str | None = None  # None: the web chat


def ensure_conversation(
    conn: Connection,
    conversation_id: str,
    lang: str | None = None,
    customer_id: str | None = None,
    channel: str | None = None,
) -> None:
    """Create the conversation row if it does not exist yet (safe under concurrent callers)."""
    if conn.execute(select(conversations.c.id).where(conversations.c.id == conversation_id)).first():
        return
    now = datetime.now(UTC)
    try:
        with conn.begin_nested():
            conn.execute(
                conversations.insert().values(
                    id=conversation_id,
                    mode="auto",
                    lang=lang,
                    customer_id=customer_id,
                    channel=channel,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        pass  # created by a concurrent caller in the meantime


class Conversation(BaseModel):
    id: str
    state: State  # with the assistant, with a person, or closed by the customer
    lang: str | None
    customer_id: str | None
    channel: str | None
    created_at: datetime


class ConversationStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def mode(self, conversation_id: str) -> Mode:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(conversations.c.mode).where(conversations.c.id == conversation_id)
            ).first()
        return "human" if row is not None and row.mode == "human" else "auto"

    def get(self, conversation_id: str) -> Conversation | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(conversations).where(conversations.c.id == conversation_id))
                .mappings()
                .first()
            )
        if row is None:
            return None
        return Conversation(
            id=row["id"],
            state=row["mode"],
            lang=row["lang"],
            customer_id=row["customer_id"],
            channel=row["channel"],
            created_at=as_utc(row["created_at"]),
        )

    def open(self, conversation_id: str, customer_id: str | None, channel: str | None) -> None:
        with self.engine.begin() as conn:
            ensure_conversation(conn, conversation_id, None, customer_id, channel)

    def close(self, conversation_id: str) -> None:
        """The customer ended the chat: nothing more is answered in it."""
        with self.engine.begin() as conn:
            conn.execute(
                update(conversations)
                .where(conversations.c.id == conversation_id)
                .values(mode="closed", updated_at=datetime.now(UTC))
            )

    def agent(self, conversation_id: str) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(conversations.c.agent).where(conversations.c.id == conversation_id)
            ).first()
        return row.agent if row is not None else None

    def append(
        self,
        conversation_id: str,
        source: Source,
        text: str,
        author: str | None = None,
        details: dict[str, Any] | None = None,
        lang: str | None = None,
        customer_id: str | None = None,
        channel: str | None = None,
    ) -> Message:
        """``channel``: where a customer's message came in; the conversation is then active there."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            ensure_conversation(conn, conversation_id, lang, customer_id, channel)
            key = conn.execute(
                messages.insert().values(
                    conversation_id=conversation_id,
                    source=source,
                    author=author,
                    text=text,
                    details=json.dumps(details or {}, ensure_ascii=False),
                    created_at=now,
                    channel=channel,
                )
            ).inserted_primary_key
            moved = {"channel": channel} if channel else {}
            conn.execute(
                update(conversations)
                .where(conversations.c.id == conversation_id)
                .values(updated_at=now, **moved)
            )
        assert key is not None
        return Message(
            id=int(key[0]),
            conversation_id=conversation_id,
            source=source,
            author=author,
            text=text,
            details=details or {},
            created_at=now,
            channel=channel,
        )

    def transcript(
        self, conversation_id: str, after_id: int = 0, sources: tuple[Source, ...] | None = None
    ) -> list[Message]:
        """The conversation's messages in order; ``after_id`` and ``sources`` narrow it for polling."""
        query = select(messages).where(
            messages.c.conversation_id == conversation_id, messages.c.id > after_id
        )
        if sources:
            query = query.where(messages.c.source.in_(sources))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(messages.c.id)).mappings().all()
        return [
            Message(
                **{
                    **row,
                    "details": json.loads(row["details"] or "{}"),
                    "created_at": as_utc(row["created_at"]),
                }
            )
            for row in rows
        ]
