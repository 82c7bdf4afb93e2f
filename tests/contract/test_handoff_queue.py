"""One conformance suite for the handoff queue, run on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from assistant.config import PROJECT_ROOT
from assistant.domain import HandoffDecision
from assistant.handoff.conversations import ConversationStore
from assistant.handoff.queue import HandoffQueue
from assistant.storage.database import open_database
from assistant.storage.migrations import complaints, handoff_tickets, migrate


def decision(
    reason: str = "explicit_request", priority: int = 3, also: list[str] | None = None
) -> HandoffDecision:
    return HandoffDecision(decision=True, reason=reason, priority=priority, also=also or [], detail="test")  # type: ignore[arg-type]


@pytest.fixture
def engine(database_url: str) -> Engine:
    engine = open_database(database_url)
    migrate(engine)
    return engine


@pytest.fixture
def queue(engine: Engine) -> HandoffQueue:
    return HandoffQueue(engine, complaint_due_days=15)


def test_enqueue_is_idempotent_and_a_conversation_has_one_open_ticket(queue):
    first = queue.enqueue("c1", decision(), idempotency_key="c1:1", lang="en")
    retried = queue.enqueue("c1", decision(), idempotency_key="c1:1", lang="en")
    later = queue.enqueue("c1", decision(), idempotency_key="c1:7", lang="en")
    assert first.created and not retried.created and not later.created
    assert first.ticket.id == retried.ticket.id == later.ticket.id
    assert queue.count() == 1


def test_a_more_urgent_reason_raises_the_open_tickets_priority(queue):
    queue.enqueue("c1", decision("unanswered", 3), idempotency_key="c1:1", lang="en")
    raised = queue.enqueue("c1", decision("risk", 1), idempotency_key="c1:2", lang="en").ticket
    assert (raised.reason, raised.priority) == ("risk", 1)
    lowered = queue.enqueue("c1", decision("emotion", 3), idempotency_key="c1:3", lang="en").ticket
    assert (lowered.reason, lowered.priority) == ("risk", 1)


def test_waiting_order_is_priority_then_age_with_positions(queue):
    normal = queue.enqueue("a", decision("explicit_request", 3), idempotency_key="a", lang="en").ticket
    high = queue.enqueue("b", decision("complaint", 2), idempotency_key="b", lang="zh").ticket
    urgent = queue.enqueue("c", decision("risk", 1), idempotency_key="c", lang="en").ticket
    normal2 = queue.enqueue("d", decision("unanswered", 3), idempotency_key="d", lang="en").ticket
    assert [t.id for t in queue.waiting()] == [urgent.id, high.id, normal.id, normal2.id]
    assert [queue.position(t) for t in (urgent, high, normal, normal2)] == [1, 2, 3, 4]


def test_a_complaint_opens_one_complaint_record_due_in_the_configured_days(queue):
    filed = queue.enqueue(
        "c1", decision("complaint", 2), idempotency_key="c1:1", lang="zh", complaint_summary="我要投诉"
    )
    assert filed.complaint is not None
    assert filed.complaint.due_at - filed.complaint.opened_at == timedelta(days=15)
    again = queue.enqueue("c1", decision("emotion", 2, also=["complaint"]), idempotency_key="c1:2", lang="zh")
    assert again.complaint is not None and again.complaint.reference == filed.complaint.reference
    with queue.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(complaints)).scalar_one() == 1


def test_claim_is_atomic_exactly_one_of_many_agents_wins(queue):
    ticket = queue.enqueue("c1", decision(), idempotency_key="c1:1", lang="en").ticket
    barrier = threading.Barrier(8)
    winners: list[str] = []

    def claim(agent: str) -> None:
        barrier.wait()
        if queue.claim(ticket.id, agent) is not None:
            winners.append(agent)

    threads = [threading.Thread(target=claim, args=(f"agent-{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1
    assert queue.get(ticket.id).claimed_by == winners[0]  # type: ignore[union-attr]


def test_concurrent_enqueues_for_one_conversation_make_one_ticket(queue):
    barrier = threading.Barrier(6)
    ids: list[int] = []

    def enqueue(i: int) -> None:
        barrier.wait()
        ids.append(queue.enqueue("c1", decision(), idempotency_key=f"c1:{i}", lang="en").ticket.id)

    threads = [threading.Thread(target=enqueue, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1 and queue.count() == 1


def test_claim_hand_back_and_resolve_move_the_conversation_between_modes(queue, engine):
    conversations = ConversationStore(engine)
    ticket = queue.enqueue("c1", decision(), idempotency_key="c1:1", lang="en").ticket
    assert conversations.mode("c1") == "auto"
    assert queue.claim(ticket.id, "alice") is not None
    assert conversations.mode("c1") == "human" and conversations.agent("c1") == "alice"
    assert queue.claim(ticket.id, "bob") is None
    assert not queue.hand_back(ticket.id, "bob"), "only the claiming agent can hand back"
    assert queue.hand_back(ticket.id, "alice")
    assert conversations.mode("c1") == "auto" and queue.get(ticket.id).status == "returned"  # type: ignore[union-attr]
    # A new handoff after the hand-back is a new ticket.
    second = queue.enqueue("c1", decision(), idempotency_key="c1:9", lang="en")
    assert second.created and queue.claim(second.ticket.id, "bob") is not None
    assert queue.resolve(second.ticket.id, "bob")
    assert conversations.mode("c1") == "auto" and queue.get(second.ticket.id).status == "resolved"  # type: ignore[union-attr]


def test_transcript_keeps_every_message_with_its_source_in_order(engine):
    store = ConversationStore(engine)
    store.append("c1", "customer", "My card was charged twice")
    store.append("c1", "assistant", "Here is what our documents say…", details={"citations": []})
    last_seen = store.append("c1", "agent", "I'm looking at it now", author="alice").id
    store.append("c1", "customer", "thanks")
    assert [(m.source, m.text) for m in store.transcript("c1")] == [
        ("customer", "My card was charged twice"),
        ("assistant", "Here is what our documents say…"),
        ("agent", "I'm looking at it now"),
        ("customer", "thanks"),
    ]
    assert [m.text for m in store.transcript("c1", after_id=last_seen)] == ["thanks"]
    assert [m.source for m in store.transcript("c1", sources=("agent",))] == ["agent"]


def _worker(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.queue_worker", *args],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def _kill_after(process: subprocess.Popen[str], acks: int) -> list[str]:
    """Read ``acks`` acknowledgements, then SIGKILL the worker mid-stream; returns what it acknowledged."""
    assert process.stdout is not None
    seen = [process.stdout.readline().split() for _ in range(acks)]
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    seen += [line.split() for line in process.stdout.read().splitlines()]  # acks already written
    return [" ".join(parts) for parts in seen if parts]


def test_kill_9_during_enqueue_loses_nothing_and_a_retry_duplicates_nothing(database_url, engine):
    acknowledged = _kill_after(_worker("enqueue", database_url, "400"), acks=25)
    assert len(acknowledged) >= 25
    with engine.connect() as conn:
        stored = {row.conversation_id: row.id for row in conn.execute(select(handoff_tickets))}
    for ack in acknowledged:
        _, i, ticket_id = ack.split()
        assert stored[f"conv-{i}"] == int(ticket_id), "an acknowledged ticket was lost"
    # The client retries the whole batch with the same keys: every ticket exists exactly once.
    retry = _worker("enqueue", database_url, "400")
    retry.communicate(timeout=300)
    assert retry.returncode == 0
    with engine.connect() as conn:
        rows = conn.execute(select(handoff_tickets.c.conversation_id, handoff_tickets.c.id)).all()
    assert len(rows) == 400 and len({c for c, _ in rows}) == 400
    assert all(dict(rows)[c] == i for c, i in stored.items()), "a retry replaced an existing ticket"


def test_kill_9_during_claim_loses_no_ticket_and_no_ticket_has_two_agents(database_url, engine, queue):
    for i in range(150):
        queue.enqueue(f"conv-{i}", decision(), idempotency_key=f"conv-{i}:1", lang="en")
    rival = _worker("claim", database_url, "bob")
    acknowledged = _kill_after(_worker("claim", database_url, "alice"), acks=10)
    rival.communicate(timeout=300)
    finisher = _worker("claim", database_url, "alice")
    finisher.communicate(timeout=300)
    tickets = {t.id: t for t in queue.with_status("claimed")}
    assert len(tickets) == 150 and not queue.waiting(), "every ticket is claimed exactly once, none lost"
    for ack in acknowledged:
        assert tickets[int(ack.split()[1])].claimed_by == "alice"
    assert {t.claimed_by for t in tickets.values()} <= {"alice", "bob"}
    conversations = ConversationStore(engine)
    assert all(conversations.mode(t.conversation_id) == "human" for t in tickets.values())


def test_the_outbox_retry_loop_files_kept_handoffs(queue, tmp_path):
    from assistant.handoff.outbox import HandoffOutbox, PendingHandoff

    outbox = HandoffOutbox(tmp_path / "outbox.jsonl", queue)
    outbox.put(PendingHandoff(conversation_id="c1", decision=decision(), idempotency_key="c1:1", lang="en"))
    stop = threading.Event()
    worker = threading.Thread(target=outbox.retry_forever, args=(0.05, stop))
    worker.start()
    try:
        for _ in range(100):
            if not outbox.pending():
                break
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join()
    assert outbox.pending() == [] and [t.conversation_id for t in queue.waiting()] == ["c1"]
