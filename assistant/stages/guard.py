"""The input guard, first stage of every turn: limits, personal data masked, attacks refused.

Everything after this stage (classifiers, retrieval, the LLM, the turn log, transcripts, tickets)
sees only the masked text. A flagged message gets a polite refusal and the conversation goes on;
it never reaches the LLM.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from assistant.domain import GuardVerdict, Lang
from assistant.guard.injection import InjectionHead, InjectionVerdict, detect_injection
from assistant.guard.pii import PiiRedactor
from assistant.prompts import Replies
from assistant.retrieval.embedder import Embedder


class RateLimiter(Protocol):
    def allow(self, key: str) -> bool:
        """Count one message for ``key``; False when it is over the limit (and then not counted)."""
        ...


class InMemoryRateLimiter:
    """At most ``limit`` messages per key in any ``window_s`` seconds (sliding window), in this
    process only: for tools and tests. `serve` counts in the database (storage/rate_limits.py)."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            seen = self._seen[key]
            while seen and now - seen[0] > self.window_s:
                seen.popleft()
            if len(seen) >= self.limit:
                return False
            seen.append(now)
            return True


@dataclass(frozen=True)
class Guarded:
    text: str  # masked: the only version of the message stored or shown to any model
    verdict: GuardVerdict
    refusal: str | None  # what the customer is told instead of an answer
    vector: np.ndarray | None = None  # the masked text's query embedding, reused by later stages


class InputGuard:
    def __init__(
        self,
        redactor: PiiRedactor,
        replies: Replies,
        max_chars: int,
        rate_limiter: RateLimiter,
        embedder: Embedder | None = None,
        head: InjectionHead | None = None,
    ) -> None:
        self.embedder = embedder
        self.head = head
        self.redactor = redactor
        self.replies = replies
        self.max_chars = max_chars
        self.rate_limiter = rate_limiter

    def run(self, text: str, lang: Lang, conversation_id: str, client: str | None = None) -> Guarded:
        """``client``: who the rate limit counts against (the customer, or the client's address);
        the conversation when not known."""
        if len(text) > self.max_chars:
            masked = self.redactor.redact(text[: self.max_chars], lang)
            verdict = GuardVerdict(flagged=True, category="too_long", pii=[f.type for f in masked.findings])
            refusal = self.replies.text("too_long", lang, length=len(text), limit=self.max_chars)
            return Guarded(masked.text + " […]", verdict, refusal)
        masked = self.redactor.redact(text, lang)
        pii = [f.type for f in masked.findings]
        if not self.rate_limiter.allow(client or f"conversation:{conversation_id}"):
            verdict = GuardVerdict(flagged=True, category="rate_limited", pii=pii)
            return Guarded(masked.text, verdict, self.replies.text("rate_limited", lang))
        vector = self.embedder.embed_query(masked.text) if self.embedder is not None else None
        attack = detect_injection(text)
        if not attack.flagged and self.head is not None and vector is not None and self.head.flags(vector):
            attack = InjectionVerdict(True, "suspected_injection", f"score {self.head.score(vector):.2f}")
        if attack.flagged:
            verdict = GuardVerdict(flagged=True, category=attack.category, evidence=attack.evidence, pii=pii)
            return Guarded(masked.text, verdict, self.replies.text("refused", lang), vector)
        return Guarded(masked.text, GuardVerdict(pii=pii), None, vector)
