"""The one orchestrator: reading ``Pipeline.run`` tells the story of a turn.

understand (language, script, intent, emotion and its trend) -> retrieve (hybrid search over
approved, effective passages) -> answer (streamed LLM answer with checked citations, or extractive,
or abstain) -> record (turn log).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from assistant.domain import TurnResult
from assistant.retrieval.hybrid import HybridRetriever
from assistant.stages.answer import AnswerDelta, AnswerDone, Answerer, AnswerRequest
from assistant.stages.understand import UnderstandStage
from assistant.storage.turn_log import TurnLog


@dataclass(frozen=True)
class TurnDelta:
    """Streamed answer text, to show while the turn is still running."""

    text: str


@dataclass(frozen=True)
class TurnDone:
    result: TurnResult


TurnEvent = TurnDelta | TurnDone


class _StageTimer:
    def __init__(self) -> None:
        self.timings_ms: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings_ms[name] = self.timings_ms.get(name, 0.0) + (time.perf_counter() - started) * 1000


class Pipeline:
    def __init__(
        self, understand: UnderstandStage, retriever: HybridRetriever, answerer: Answerer, turn_log: TurnLog
    ) -> None:
        self.understand = understand
        self.retriever = retriever
        self.answerer = answerer
        self.turn_log = turn_log

    def run(
        self, question: str, conversation_id: str | None = None, use_llm: bool = True
    ) -> Iterator[TurnEvent]:
        started = time.perf_counter()
        timer = _StageTimer()
        conversation_id = conversation_id or uuid.uuid4().hex

        with timer.stage("understand"):
            understood = self.understand.run(question, conversation_id)
        lang = understood.lang

        with timer.stage("retrieve"):
            retrieval = self.retriever.retrieve(question, lang=lang, vector=understood.vector)

        request = AnswerRequest(
            question=question,
            lang=lang,
            traditional=understood.traditional,
            retrieval=retrieval,
            use_llm=use_llm,
        )
        done: AnswerDone | None = None
        answer_started = time.perf_counter()
        for event in self.answerer.run(request):
            if isinstance(event, AnswerDelta):
                yield TurnDelta(event.text)
            else:
                done = event
        timer.timings_ms["answer"] = (time.perf_counter() - answer_started) * 1000
        assert done is not None, "the answer stage always finishes with AnswerDone"
        if done.first_token_ms is not None:
            timer.timings_ms["first_token"] = done.first_token_ms

        timer.timings_ms.update({f"understand.{k}": v for k, v in understood.timings_ms.items()})
        timer.timings_ms.update({f"retrieve.{k}": v for k, v in retrieval.timings_ms.items()})
        result = TurnResult(
            conversation_id=conversation_id,
            question=question,
            lang=lang,
            understanding=understood.understanding,
            answer=done.answer,
            retrieved=retrieval.chunks,
            timings_ms={**timer.timings_ms, "total": (time.perf_counter() - started) * 1000},
        )
        with timer.stage("record"):
            self.turn_log.record(result)
        result.timings_ms["record"] = timer.timings_ms["record"]
        result.timings_ms["total"] = (time.perf_counter() - started) * 1000
        yield TurnDone(result)

    def ask(self, question: str, conversation_id: str | None = None, use_llm: bool = True) -> TurnResult:
        """Run a turn to completion, for callers that don't stream."""
        for event in self.run(question, conversation_id, use_llm):
            if isinstance(event, TurnDone):
                return event.result
        raise AssertionError("a turn always ends with TurnDone")
