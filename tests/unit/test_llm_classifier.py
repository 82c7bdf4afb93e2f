"""The LLM classifier: structured output validated into the same pydantic model, used only when the
shipped classifiers are unsure, and ignored when it doesn't parse."""

from __future__ import annotations

import numpy as np

from assistant.config import PROJECT_ROOT
from assistant.domain import EmotionPrediction, IntentPrediction, ScoredLabel, Understanding
from assistant.prompts import PromptTemplate
from assistant.understand.llm import CombinedUnderstander, LLMClassifier
from tests.fakes import ScriptedChatModel, unavailable

PROMPT = PromptTemplate.load(PROJECT_ROOT / "prompts", "classify")


class FixedLocal:
    def __init__(self, confidence: float) -> None:
        self.confidence = confidence

    def understand(self, text: str, lang: str, vector: np.ndarray) -> Understanding:
        return Understanding(
            intent=IntentPrediction(
                label="card_arrival",
                confidence=self.confidence,
                alternatives=[ScoredLabel(label="card_delivery_estimate", score=0.2)],
            ),
            emotion=EmotionPrediction(label="neutral", intensity=0.0, confidence=0.8),
        )


def combined(confidence: float, *replies: str | Exception) -> tuple[CombinedUnderstander, ScriptedChatModel]:
    llm = ScriptedChatModel(*replies)
    return CombinedUnderstander(FixedLocal(confidence), LLMClassifier(llm, PROMPT), ask_below=0.6), llm  # type: ignore[arg-type]


def test_confident_local_result_never_asks_the_llm() -> None:
    understander, llm = combined(0.9)
    assert understander.understand("where is my card", "en", np.zeros(4)).source == "local"
    assert llm.calls == []


def test_unsure_local_result_takes_the_llm_labels_when_they_validate() -> None:
    understander, llm = combined(
        0.3, 'Sure: {"intent": "human_agent", "emotion": "frustrated", "intensity": 0.7}'
    )
    result = understander.understand("get me a real person", "en", np.zeros(4))
    assert (result.source, result.intent.label, result.emotion.label, result.emotion.intensity) == (
        "combined",
        "human_agent",
        "frustrated",
        0.7,
    )
    assert [a.label for a in result.intent.alternatives] == ["card_arrival", "card_delivery_estimate"]
    assert (
        "human_agent" in llm.calls[0][0].content
        and llm.calls[0][-1].content == "Message: get me a real person"
    )
    llm.assert_all_used()


def test_invalid_or_failed_llm_replies_keep_the_local_labels() -> None:
    for reply in (
        '{"intent": "make_coffee", "emotion": "neutral", "intensity": 0}',
        "no json here",
        unavailable(),
    ):
        understander, _ = combined(0.3, reply)
        result = understander.understand("hmm", "en", np.zeros(4))
        assert (result.source, result.intent.label) == ("local", "card_arrival")


def test_llm_classifier_bench_compares_alone_and_combined_where_the_llm_was_asked() -> None:
    from evals.bench_llm_classifier import compare

    understander, _ = combined(
        0.3, '{"intent": "human_agent", "emotion": "neutral", "intensity": 0}', "no json here"
    )
    rows = [("get me a real person", "human_agent"), ("where is my card", "card_arrival")]
    report = compare(understander, lambda text: np.zeros(4), rows, "intent")
    assert (report["llm_asked"], report["llm_reply_used"]) == (2, 1)
    assert (report["alone"], report["combined"]) == (0.5, 1.0)
    assert (report["alone_where_asked"], report["combined_where_asked"]) == (0.5, 1.0)
