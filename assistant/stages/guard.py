"""The input guard, first stage of every turn: limits, personal data masked, attacks refused.

Everything after this stage (classifiers, retrieval, the LLM, the turn log, transcripts, tickets)
sees only the masked text. A flagged message gets a polite refusal and the conversation goes on;
it never reaches the LLM.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from assistant.domain import GuardVerdict, Lang
from assistant.guard.injection import detect_injection
from assistant.guard.pii import PiiRedactor
from assistant.prompts import Replies


class RateLimiter:
    """At most ``limit`` messages per conversation in any ``window_s`` seconds (sliding window)."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
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


class InputGuard:
    def __init__(
        self, redactor: PiiRedactor, replies: Replies, max_chars: int, rate_limiter: RateLimiter
    ) -> None:
        self.redactor = redactor
        self.replies = replies
        self.max_chars = max_chars
        self.rate_limiter = rate_limiter

    def run(self, text: str, lang: Lang, conversation_id: str) -> Guarded:
        if len(text) > self.max_chars:
            masked = self.redactor.redact(text[: self.max_chars], lang)
            verdict = GuardVerdict(flagged=True, category="too_long", pii=[f.type for f in masked.findings])
            refusal = self.replies.text("too_long", lang, length=len(text), limit=self.max_chars)
            return Guarded(masked.text + " […]", verdict, refusal)
        masked = self.redactor.redact(text, lang)
        pii = [f.type for f in masked.findings]
        if not self.rate_limiter.allow(conversation_id):
            verdict = GuardVerdict(flagged=True, category="rate_limited", pii=pii)
            return Guarded(masked.text, verdict, self.replies.text("rate_limited", lang))
        attack = detect_injection(text)
        if attack.flagged:
            verdict = GuardVerdict(flagged=True, category=attack.category, evidence=attack.evidence, pii=pii)
            return Guarded(masked.text, verdict, self.replies.text("refused", lang))
        return Guarded(masked.text, GuardVerdict(pii=pii), None)
