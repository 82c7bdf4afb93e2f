"""A separate process that enqueues or claims handoff tickets and acknowledges each commit on stdout.

The crash tests kill it with SIGKILL at an arbitrary point and then check the database: every
acknowledged change is there, nothing is duplicated, and a rerun completes the work.

    python -m tests.queue_worker enqueue URL COUNT
    python -m tests.queue_worker claim URL AGENT
"""

from __future__ import annotations

import sys

from assistant.domain import HandoffDecision
from assistant.handoff.queue import HandoffQueue
from assistant.storage.database import open_database
from assistant.storage.migrations import migrate

DECISION = HandoffDecision(decision=True, reason="explicit_request", priority=3, detail="crash test")


def main() -> None:
    command, url = sys.argv[1], sys.argv[2]
    engine = open_database(url)
    migrate(engine)
    queue = HandoffQueue(engine)
    if command == "enqueue":
        for i in range(int(sys.argv[3])):
            result = queue.enqueue(f"conv-{i}", DECISION, idempotency_key=f"conv-{i}:1", lang="en")
            print(f"ack {i} {result.ticket.id}", flush=True)
    elif command == "claim":
        agent = sys.argv[3]
        while (ticket := queue.claim_next(agent)) is not None:
            print(f"ack {ticket.id}", flush=True)
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
