"""The handoff queue: durable tickets in the application database (SQLite or PostgreSQL).

- Enqueue is idempotent: the caller's key is unique in the table, and a conversation has at most one
  open ticket (a partial unique index), so a retried or concurrent enqueue returns the same ticket.
- Claim is atomic: ``UPDATE ... WHERE status = 'queued'`` lets exactly one agent win.
- Every change is one transaction; SQLite runs with WAL and synchronous=FULL, so a committed ticket
  survives a crash and an uncommitted one leaves nothing behind.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, RowMapping, func, select, update
from sqlalchemy.exc import IntegrityError

from assistant.domain import HandoffDecision, HandoffReason, Understanding
from assistant.handoff.conversations import ensure_conversation
from assistant.storage.database import as_utc
from assistant.storage.migrations import complaints, conversations, handoff_tickets

TicketStatus = Literal["queued", "claimed", "returned", "resolved"]
OPEN_STATUSES = ("queued", "claimed")


class Ticket(BaseModel):
    id: int
    conversation_id: str
    status: TicketStatus
    reason: HandoffReason
    also: list[HandoffReason]
    detail: str
    priority: int
    lang: str
    intent: str | None
    emotion: str | None
    emotion_intensity: float | None
    created_at: datetime
    claimed_by: str | None
    claimed_at: datetime | None
    closed_at: datetime | None

    def waiting_s(self, now: datetime | None = None) -> float:
        end = self.claimed_at or now or datetime.now(UTC)
        return max(0.0, (end - self.created_at).total_seconds())


class Complaint(BaseModel):
    reference: str
    conversation_id: str
    ticket_id: int | None
    status: str
    summary: str
    opened_at: datetime
    due_at: datetime


class EnqueueResult(BaseModel):
    ticket: Ticket
    created: bool
    complaint: Complaint | None = None


class HandoffQueue:
    def __init__(self, engine: Engine, complaint_due_days: int = 15) -> None:
        self.engine = engine
        self.complaint_due_days = complaint_due_days

    def enqueue(
        self,
        conversation_id: str,
        decision: HandoffDecision,
        idempotency_key: str,
        lang: str,
        understanding: Understanding | None = None,
        complaint_summary: str = "",
    ) -> EnqueueResult:
        """File a handoff; a retry with the same key, or a second handoff while one is open, joins it.

        A more urgent reason raises the open ticket's priority. A complaint also opens a complaint
        record with a due date, once per conversation while it is open.
        """
        assert decision.decision and decision.reason and decision.priority
        for _ in range(3):  # an IntegrityError means a concurrent caller won: read what it wrote
            try:
                with self.engine.begin() as conn:
                    return self._enqueue(
                        conn,
                        conversation_id,
                        decision,
                        idempotency_key,
                        lang,
                        understanding,
                        complaint_summary,
                    )
            except IntegrityError:
                continue
        raise RuntimeError(f"could not enqueue handoff for {conversation_id}")

    def _enqueue(
        self,
        conn: Connection,
        conversation_id: str,
        decision: HandoffDecision,
        key: str,
        lang: str,
        understanding: Understanding | None,
        complaint_summary: str,
    ) -> EnqueueResult:
        ensure_conversation(conn, conversation_id, lang)
        same_key = (
            conn.execute(select(handoff_tickets).where(handoff_tickets.c.idempotency_key == key))
            .mappings()
            .first()
        )
        if same_key is not None:
            return EnqueueResult(
                ticket=_ticket(same_key), created=False, complaint=self._open_complaint(conn, conversation_id)
            )
        open_ticket = (
            conn.execute(
                select(handoff_tickets).where(
                    handoff_tickets.c.conversation_id == conversation_id,
                    handoff_tickets.c.status.in_(OPEN_STATUSES),
                )
            )
            .mappings()
            .first()
        )
        now = datetime.now(UTC)
        created = open_ticket is None
        if open_ticket is None:
            ticket_id = conn.execute(
                handoff_tickets.insert().values(
                    conversation_id=conversation_id,
                    idempotency_key=key,
                    status="queued",
                    reason=decision.reason,
                    also=json.dumps(decision.also),
                    detail=decision.detail,
                    priority=decision.priority,
                    lang=lang,
                    intent=understanding.intent.label if understanding else None,
                    emotion=understanding.emotion.label if understanding else None,
                    emotion_intensity=understanding.emotion.intensity if understanding else None,
                    created_at=now,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        else:
            ticket_id = open_ticket["id"]
            assert decision.priority is not None
            if decision.priority < open_ticket["priority"]:
                conn.execute(
                    update(handoff_tickets)
                    .where(handoff_tickets.c.id == ticket_id)
                    .values(priority=decision.priority, reason=decision.reason, detail=decision.detail)
                )
        complaint = self._open_complaint(conn, conversation_id)
        if complaint is None and "complaint" in (decision.reason, *decision.also):
            complaint = self._file_complaint(conn, conversation_id, ticket_id, complaint_summary, now)
        row = conn.execute(select(handoff_tickets).where(handoff_tickets.c.id == ticket_id)).mappings().one()
        return EnqueueResult(ticket=_ticket(row), created=created, complaint=complaint)

    def _file_complaint(
        self, conn: Connection, conversation_id: str, ticket_id: int, summary: str, now: datetime
    ) -> Complaint:
        reference = f"C{now:%Y%m%d}-{secrets.token_hex(3).upper()}"
        complaint = Complaint(
            reference=reference,
            conversation_id=conversation_id,
            ticket_id=ticket_id,
            status="open",
            summary=summary,
            opened_at=now,
            due_at=now + timedelta(days=self.complaint_due_days),
        )
        conn.execute(complaints.insert().values(**complaint.model_dump()))
        return complaint

    @staticmethod
    def _open_complaint(conn: Connection, conversation_id: str) -> Complaint | None:
        row = (
            conn.execute(
                select(complaints).where(
                    complaints.c.conversation_id == conversation_id, complaints.c.status == "open"
                )
            )
            .mappings()
            .first()
        )
        return _complaint(row) if row else None

    def claim(self, ticket_id: int, agent: str) -> Ticket | None:
        """Exactly one of several agents claiming the same ticket gets it; the others get None."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            won = conn.execute(
                update(handoff_tickets)
                .where(handoff_tickets.c.id == ticket_id, handoff_tickets.c.status == "queued")
                .values(status="claimed", claimed_by=agent, claimed_at=now)
            ).rowcount
            if won != 1:
                return None
            row = (
                conn.execute(select(handoff_tickets).where(handoff_tickets.c.id == ticket_id))
                .mappings()
                .one()
            )
            conn.execute(
                update(conversations)
                .where(conversations.c.id == row["conversation_id"])
                .values(mode="human", agent=agent, updated_at=now)
            )
        return _ticket(row)

    def claim_next(self, agent: str) -> Ticket | None:
        """The most urgent, longest-waiting ticket; retries past tickets another agent just took."""
        for ticket in self.waiting():
            claimed = self.claim(ticket.id, agent)
            if claimed is not None:
                return claimed
        return None

    def hand_back(self, ticket_id: int, agent: str) -> bool:
        """The agent returns the conversation to the assistant."""
        return self._close(ticket_id, agent, "returned")

    def resolve(self, ticket_id: int, agent: str) -> bool:
        return self._close(ticket_id, agent, "resolved")

    def _close(self, ticket_id: int, agent: str, status: TicketStatus) -> bool:
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            row = (
                conn.execute(select(handoff_tickets).where(handoff_tickets.c.id == ticket_id))
                .mappings()
                .first()
            )
            if row is None or row["status"] != "claimed" or row["claimed_by"] != agent:
                return False
            conn.execute(
                update(handoff_tickets)
                .where(handoff_tickets.c.id == ticket_id)
                .values(status=status, closed_at=now)
            )
            conn.execute(
                update(conversations)
                .where(conversations.c.id == row["conversation_id"])
                .values(mode="auto", agent=None, updated_at=now)
            )
        return True

    def waiting(self) -> list[Ticket]:
        """Queued tickets, most urgent first, then longest waiting."""
        return self.with_status("queued")

    def with_status(self, status: TicketStatus) -> list[Ticket]:
        query = (
            select(handoff_tickets)
            .where(handoff_tickets.c.status == status)
            .order_by(handoff_tickets.c.priority, handoff_tickets.c.created_at, handoff_tickets.c.id)
        )
        with self.engine.connect() as conn:
            return [_ticket(row) for row in conn.execute(query).mappings()]

    def get(self, ticket_id: int) -> Ticket | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(handoff_tickets).where(handoff_tickets.c.id == ticket_id))
                .mappings()
                .first()
            )
        return _ticket(row) if row else None

    def position(self, ticket: Ticket) -> int | None:
        """1 = next to be served; None once claimed or closed."""
        if ticket.status != "queued":
            return None
        with self.engine.connect() as conn:
            ahead = conn.execute(
                select(func.count())
                .select_from(handoff_tickets)
                .where(
                    handoff_tickets.c.status == "queued",
                    (handoff_tickets.c.priority < ticket.priority)
                    | ((handoff_tickets.c.priority == ticket.priority) & (handoff_tickets.c.id < ticket.id)),
                )
            ).scalar_one()
        return int(ahead) + 1

    def complaint(self, conversation_id: str) -> Complaint | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    select(complaints)
                    .where(complaints.c.conversation_id == conversation_id)
                    .order_by(complaints.c.id.desc())
                )
                .mappings()
                .first()
            )
        return _complaint(row) if row else None

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(handoff_tickets)).scalar_one())


def _ticket(row: RowMapping) -> Ticket:
    values = dict(row)
    values["also"] = json.loads(values["also"])
    for name in ("created_at", "claimed_at", "closed_at"):
        if values[name] is not None:
            values[name] = as_utc(values[name])
    values.pop("idempotency_key")
    return Ticket(**values)


def _complaint(row: RowMapping) -> Complaint:
    values = {k: v for k, v in dict(row).items() if k != "id"}
    values["opened_at"] = as_utc(values["opened_at"])
    values["due_at"] = as_utc(values["due_at"])
    return Complaint(**values)
