"""Handoffs that could not reach the queue database: kept in a local file and retried, never dropped.

Each pending handoff is one JSON line, fsynced before the customer is told a person will contact
them. ``flush`` files every pending handoff with its original idempotency key, so a handoff that was
in fact committed before the failure, or one flushed twice, still makes exactly one ticket.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from assistant.domain import HandoffDecision, Understanding
from assistant.handoff.queue import HandoffQueue

logger = logging.getLogger(__name__)


class PendingHandoff(BaseModel):
    conversation_id: str
    decision: HandoffDecision
    idempotency_key: str
    lang: str
    understanding: Understanding | None = None
    complaint_summary: str = ""


class HandoffOutbox:
    def __init__(self, path: Path, queue: HandoffQueue) -> None:
        self.path = path
        self.queue = queue
        self._lock = threading.Lock()

    def put(self, pending: PendingHandoff) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(pending.model_dump_json() + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def pending(self) -> list[PendingHandoff]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [PendingHandoff.model_validate_json(line) for line in lines if line.strip()]

    def flush(self) -> int:
        """File what can be filed now; returns how many were filed. The rest stay for the next try."""
        with self._lock:
            waiting = self.pending()
            kept: list[PendingHandoff] = []
            for item in waiting:
                try:
                    self.queue.enqueue(
                        item.conversation_id,
                        item.decision,
                        idempotency_key=item.idempotency_key,
                        lang=item.lang,
                        understanding=item.understanding,
                        complaint_summary=item.complaint_summary,
                    )
                except SQLAlchemyError as exc:
                    logger.warning(
                        "Queue database still unavailable (%s); %d handoffs kept", exc, len(waiting)
                    )
                    kept.append(item)
            if len(kept) != len(waiting):
                replacement = self.path.with_suffix(".tmp")
                replacement.write_text("".join(k.model_dump_json() + "\n" for k in kept), encoding="utf-8")
                os.replace(replacement, self.path)
            return len(waiting) - len(kept)

    def retry_forever(self, interval_s: float, stop: threading.Event) -> None:
        """Run in a background thread: flush every ``interval_s`` until ``stop`` is set."""
        while not stop.wait(interval_s):
            if self.path.exists():
                self.flush()
