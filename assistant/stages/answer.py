"""The answer stage: stream a cited answer from the LLM, check it, or fall back to an extractive one.

Decision order: a question about the customer's own account data (balance, "did my salary arrive")
-> say where to look and offer a person, since no document holds it; no passage close enough to
the question, or the answerability check says the passages don't hold the answer, or the question
asks for a kind of statement no kept passage makes (a forecast, a past return) -> abstain without
asking the LLM; the LLM says NO_ANSWER -> abstain; the LLM's answer has no valid citation or
a number its sources don't contain -> replace it with the extractive answer; the LLM is down or slow
-> extractive answer too.
Every abstention offers a person.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pydantic import BaseModel

from assistant.domain import Answer, AnswerKind, Lang, RetrievedChunk
from assistant.errors import LLMUnavailableError
from assistant.guard.output import output_violation
from assistant.lang import to_traditional
from assistant.llm.chat_model import ChatModel
from assistant.prompts import PromptTemplate
from assistant.retrieval.answerability import AnswerabilityModel
from assistant.retrieval.hybrid import RetrievalResult
from assistant.stages.answer_types import unanswerable_kind
from assistant.stages.citations import attribute_uncited, check_citations, to_citation
from assistant.stages.extractive import extract_answer, extractive_preamble
from assistant.stages.own_data import asks_for_own_account_data, own_data_text
from assistant.stages.prompt_sources import focused_sources, format_sources
from assistant.stages.unit_vectors import UnitVectors

logger = logging.getLogger(__name__)

NO_ANSWER = "NO_ANSWER"
_REFUSAL = re.compile(
    r"NO[_ ]?ANSWER|do(?:es)? not (?:contain|mention|provide|answer)|I (?:don't|do not) know|"
    r"没有(?:提到|提供|相关|说明)|无法回答|未提及|不包含",
    re.IGNORECASE,
)
_LANGUAGE_NAMES = {"en": "English", "zh": "Chinese"}


class AnswerRequest(BaseModel):
    question: str
    # The customer's earlier messages when this one is a follow-up ("and how long will it take?").
    earlier: str = ""
    lang: Lang
    traditional: bool = False
    retrieval: RetrievalResult
    # For a follow-up, the search for its own words alone: the answerability check learnt from single
    # messages, and the joined text reads like two questions, so either reading may vouch for it.
    own_retrieval: RetrievalResult | None = None
    use_llm: bool = True


@dataclass(frozen=True)
class AnswerDelta:
    """A piece of streamed answer text."""

    text: str


@dataclass(frozen=True)
class AnswerDone:
    answer: Answer
    first_token_ms: float | None


AnswerEvent = AnswerDelta | AnswerDone


def abstention_text(lang: Lang) -> str:
    if lang == "zh":
        return (
            "抱歉，我在本行资料中没有找到这个问题的答案，为避免误导您，我不作猜测。需要为您转接人工客服吗？"
        )
    return (
        "I'm sorry, I couldn't find the answer to that in our documents, and I won't guess. "
        "Would you like me to connect you with a member of our team?"
    )


_REDUCED_SEARCH: dict[Lang, str] = {
    "en": "\n\n(Our search is running in a reduced mode right now, so this answer may be less complete.)",
    "zh": "\n\n（检索服务目前处于降级模式，本回答可能不够完整。）",
}


def _offer_person(lang: Lang) -> str:
    if lang == "zh":
        return "\n\n如需进一步帮助，可随时转接人工客服。"
    return "\n\nIf you need more help, I can connect you with a member of our team at any time."


class Answerer:
    def __init__(
        self,
        chat_model: ChatModel | None,
        prompt: PromptTemplate,
        bank_name: str,
        max_answer_tokens: int,
        min_dense_similarity: float,
        max_source_chars: int = 1200,
        answerability: AnswerabilityModel | None = None,
        unit_vectors: UnitVectors | None = None,
    ) -> None:
        self.answerability = answerability
        self.unit_vectors = unit_vectors
        self.max_source_chars = max_source_chars
        self.chat_model = chat_model
        self.prompt = prompt
        self.bank_name = bank_name
        self.max_answer_tokens = max_answer_tokens
        self.min_dense_similarity = min_dense_similarity

    def run(self, request: AnswerRequest) -> Iterator[AnswerEvent]:
        sources = request.retrieval.chunks
        if asks_for_own_account_data(request.question):
            answer = self._abstain(request.lang, "needs the customer's own account data")
            answer = answer.model_copy(update={"text": own_data_text(request.lang)})
            yield self._done(request, answer, None)
            return
        if not sources or self._cannot_answer(request):
            yield self._done(request, self._abstain(request.lang, "no relevant passage"), None)
            return
        if why := unanswerable_kind(request.question, sources):
            yield self._done(request, self._abstain(request.lang, why), None)
            return
        if not request.use_llm or self.chat_model is None:
            reason = None if not request.use_llm else "no language model configured"
            answer = self._extractive(request, sources, reason, self._unit_similarity(request, sources))
            yield self._done(request, answer, None)
            return
        yield from self._generate(request, sources)

    def _cannot_answer(self, request: AnswerRequest) -> bool:
        readings = [request.retrieval] + ([request.own_retrieval] if request.own_retrieval else [])
        return all(self._unanswerable(retrieval, request.lang) for retrieval in readings)

    def _unanswerable(self, retrieval: RetrievalResult, lang: Lang) -> bool:
        # With the vector store down there is no similarity to judge by; keyword hits must do.
        if retrieval.keyword_only:
            return False
        if retrieval.signals.best_dense_similarity < self.min_dense_similarity:
            return True
        return (
            self.answerability is not None
            and retrieval.query_vector is not None
            and self.answerability.should_abstain(retrieval.signals, lang, retrieval.query_vector)
        )

    def _generate(self, request: AnswerRequest, sources: list[RetrievedChunk]) -> Iterator[AnswerEvent]:
        assert self.chat_model is not None
        similarity = self._unit_similarity(request, sources)
        shown = focused_sources(_search_text(request), sources, self.max_source_chars, similarity)
        # The bank's name and the instructions are the same for every question and language, so the
        # server reuses the prompt's evaluated opening; only the sources and the question are new.
        messages = self.prompt.render(
            bank_name=self.bank_name,
            language=_LANGUAGE_NAMES[request.lang],
            question=_with_context(request),
            sources=format_sources(shown),
        )
        started = time.perf_counter()
        first_token_ms: float | None = None
        text = ""
        streamed = 0
        unsafe = False
        try:
            for piece in self.chat_model.stream(messages, self.max_answer_tokens):
                if first_token_ms is None:
                    first_token_ms = (time.perf_counter() - started) * 1000
                text += piece
                if unsafe or output_violation(text):
                    unsafe = True  # stop showing it; the checks below replace it
                    continue
                # Hold back the opening characters until we know it is not a NO_ANSWER refusal.
                if len(text.lstrip()) >= len(NO_ANSWER) + 2 and not _REFUSAL.match(text.lstrip()):
                    pending = self._script(text[streamed:], request.traditional)
                    streamed = len(text)
                    if pending:
                        yield AnswerDelta(pending)
        except LLMUnavailableError as exc:
            logger.warning("Falling back to an extractive answer: %s", exc)
            answer = self._extractive(request, sources, "language model unavailable", similarity)
            yield self._done(request, answer, first_token_ms)
            return
        # Checked against the whole passages: a shown row's figure is still the passage's figure.
        checked = self._checked(request, sources, text.strip())
        if isinstance(checked, str):
            logger.info("LLM answer failed the checks (%s); answering extractively", checked)
            checked = self._extractive(request, sources, checked, similarity)
        yield self._done(request, checked, first_token_ms)

    def _checked(self, request: AnswerRequest, sources: list[RetrievedChunk], text: str) -> Answer | str:
        """The LLM's answer if it passes the checks against its sources, else why not."""
        asked = _search_text(request)
        text = attribute_uncited(text, sources, asked)
        check = check_citations(text, sources, asked)
        if _REFUSAL.search(text) and not check.citations:
            return self._abstain(request.lang, "the sources do not answer the question")
        failure = check.failure() or output_violation(text)
        if failure:
            return failure
        return Answer(
            text=text.replace(NO_ANSWER, "").strip(),
            kind="llm",
            abstained=False,
            citations=check.citations,
            grounded=True,
        )

    def _unit_similarity(
        self, request: AnswerRequest, sources: list[RetrievedChunk]
    ) -> Mapping[str, float] | None:
        vector = request.retrieval.query_vector
        if self.unit_vectors is None or vector is None:
            return None
        return self.unit_vectors.similarities(vector, sources)

    def _extractive(
        self,
        request: AnswerRequest,
        sources: list[RetrievedChunk],
        reason: str | None,
        similarity: Mapping[str, float] | None,
    ) -> Answer:
        body, numbers = extract_answer(_search_text(request), sources, unit_similarity=similarity)
        if not body:
            return self._abstain(request.lang, reason or "nothing to quote")
        text = extractive_preamble(request.lang) + body
        if reason:
            text += _offer_person(request.lang)
        return Answer(
            text=text,
            kind="extractive",
            abstained=False,
            citations=[to_citation(n, sources[n - 1]) for n in numbers],
            grounded=True,
            fallback_reason=reason,
        )

    def _abstain(self, lang: Lang, reason: str) -> Answer:
        kind: AnswerKind = "abstained"
        return Answer(
            text=abstention_text(lang), kind=kind, abstained=True, grounded=False, fallback_reason=reason
        )

    def _done(self, request: AnswerRequest, answer: Answer, first_token_ms: float | None) -> AnswerDone:
        if request.retrieval.keyword_only and not answer.abstained:
            answer = answer.model_copy(update={"text": answer.text + _REDUCED_SEARCH[request.lang]})
        if request.traditional:
            answer = answer.model_copy(update={"text": to_traditional(answer.text)})
        return AnswerDone(answer=answer, first_token_ms=first_token_ms)

    @staticmethod
    def _script(text: str, traditional: bool) -> str:
        return to_traditional(text) if traditional else text


def _search_text(request: AnswerRequest) -> str:
    """What the passages were found for: the earlier messages too, for a follow-up."""
    return f"{request.earlier}\n{request.question}" if request.earlier else request.question


def _with_context(request: AnswerRequest) -> str:
    """The question the model answers; a follow-up carries what came before, marked as context."""
    if not request.earlier:
        return request.question
    return f"{request.question}\n(Earlier messages from the customer, for context: {request.earlier})"
