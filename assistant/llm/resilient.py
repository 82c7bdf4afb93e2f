"""Bounded retries with backoff (tenacity), a circuit breaker and a bound on calls in flight, around
any chat model.

Only a failure before the first token is retried: once text has reached the customer a retry would
repeat it. After ``failure_threshold`` failed calls in a row the circuit opens and calls fail at once
for ``cooldown_s``, so customers get the extractive answer immediately instead of waiting on a dead
endpoint; then one trial call decides whether it closes again.

At most ``max_in_flight`` calls stream at once (a llama.cpp server answers one at a time): a customer
who finds them all busy waits ``queue_wait_s`` at most, then gets the extractive answer. Busy is not
broken: it never counts towards opening the circuit, so a queue of customers cannot trip the breaker
for everyone the way first-token timeouts on a serialising server did.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from assistant.errors import LLMUnavailableError
from assistant.llm.chat_model import ChatModel
from assistant.prompts import ChatMessage

logger = logging.getLogger(__name__)


class CircuitBreaker:
    def __init__(self, failure_threshold: int, cooldown_s: float, clock: object = time.monotonic) -> None:
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "open" if self._now() - self._opened_at < self.cooldown_s else "half-open"

    def allow(self) -> bool:
        return self.state != "open"

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= self.failure_threshold or self._opened_at is not None:
                self._opened_at = self._now()  # a failed half-open trial re-opens for a full cooldown

    def _now(self) -> float:
        return float(self._clock())  # type: ignore[operator]


def _log_retry(state: RetryCallState) -> None:
    logger.warning(
        "LLM call failed (%s); retry %d",
        state.outcome.exception() if state.outcome else "?",
        state.attempt_number,
    )


class ResilientChatModel:
    def __init__(
        self,
        inner: ChatModel,
        breaker: CircuitBreaker,
        attempts: int = 3,
        backoff_s: float = 0.2,
        max_backoff_s: float = 1.0,
        max_in_flight: int = 16,
        queue_wait_s: float = 3.0,
    ) -> None:
        self.inner = inner
        self.breaker = breaker
        self.queue_wait_s = queue_wait_s
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._retrying = Retrying(
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=backoff_s, max=max_backoff_s),
            retry=retry_if_exception(lambda e: isinstance(e, LLMUnavailableError) and e.retry_helps),
            before_sleep=_log_retry,
            reraise=True,
        )

    def stream(self, messages: list[ChatMessage], max_tokens: int) -> Iterator[str]:
        if not self.breaker.allow():
            raise LLMUnavailableError("language model circuit open", retry_helps=False)
        if not self._slots.acquire(timeout=self.queue_wait_s):
            raise LLMUnavailableError("language model busy with other customers", retry_helps=False)
        try:
            yield from self._guarded(messages, max_tokens)
        finally:
            self._slots.release()  # also when the caller stops reading early

    def _guarded(self, messages: list[ChatMessage], max_tokens: int) -> Iterator[str]:
        try:
            pieces, first = self._retrying(self._first_piece, messages, max_tokens)
        except LLMUnavailableError:
            self.breaker.record_failure()
            raise
        try:
            if first is not None:
                yield first
            yield from pieces
        except LLMUnavailableError:
            self.breaker.record_failure()
            raise
        self.breaker.record_success()

    def _first_piece(self, messages: list[ChatMessage], max_tokens: int) -> tuple[Iterator[str], str | None]:
        """Open the stream and read up to its first piece, so failures before any text are retryable."""
        pieces = iter(self.inner.stream(messages, max_tokens))
        return pieces, next(pieces, None)
