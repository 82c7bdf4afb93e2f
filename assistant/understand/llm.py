"""Intent and emotion from an LLM, into the same pydantic model as the shipped classifiers.

Combined with them, not instead: the shipped classifiers answer first (about 10 ms); only a
message whose intent they are unsure of goes to the LLM, and the LLM's labels are used only when
they parse and name known labels. Emotion stays with the shipped head unless the LLM was asked.
"""

from __future__ import annotations

import json
import logging
import re

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from assistant.domain import EmotionPrediction, IntentPrediction, Lang, ScoredLabel, Understanding
from assistant.errors import LLMUnavailableError
from assistant.llm.chat_model import ChatModel
from assistant.prompts import PromptTemplate
from assistant.understand.labels import EMOTIONS, INTENTS
from assistant.understand.local import LocalUnderstander

logger = logging.getLogger(__name__)


class LLMLabels(BaseModel):
    intent: str
    emotion: str
    intensity: float = Field(ge=0.0, le=1.0)


class LLMClassifier:
    def __init__(self, chat_model: ChatModel, prompt: PromptTemplate) -> None:
        self.chat_model = chat_model
        self.prompt = prompt

    def classify(self, text: str) -> LLMLabels | None:
        messages = self.prompt.render(intents=", ".join(INTENTS), emotions=", ".join(EMOTIONS), message=text)
        try:
            reply = "".join(self.chat_model.stream(messages, max_tokens=60))
        except LLMUnavailableError as exc:
            logger.warning("LLM classifier unavailable: %s", exc)
            return None
        match = re.search(r"\{.*\}", reply, re.DOTALL)
        try:
            labels = LLMLabels.model_validate(json.loads(match.group())) if match else None
        except (json.JSONDecodeError, ValidationError):
            labels = None
        if labels is None or labels.intent not in INTENTS or labels.emotion not in EMOTIONS:
            logger.info("LLM classifier reply did not validate; keeping the shipped classifiers' labels")
            return None
        return labels


class CombinedUnderstander:
    """The shipped classifiers, with the LLM consulted when their intent confidence is low."""

    def __init__(self, local: LocalUnderstander, llm: LLMClassifier, ask_below: float = 0.6) -> None:
        self.local = local
        self.llm = llm
        self.ask_below = ask_below

    def understand(self, text: str, lang: Lang, vector: np.ndarray) -> Understanding:
        result = self.local.understand(text, lang, vector)
        if result.intent.confidence >= self.ask_below:
            return result
        labels = self.llm.classify(text)
        if labels is None:
            return result
        local_intents = [ScoredLabel(label=result.intent.label, score=result.intent.confidence)]
        local_emotions = [ScoredLabel(label=result.emotion.label, score=result.emotion.confidence)]
        return Understanding(
            intent=IntentPrediction(
                label=labels.intent,
                confidence=result.intent.confidence,
                alternatives=_others(labels.intent, local_intents + result.intent.alternatives),
            ),
            emotion=EmotionPrediction(
                label=labels.emotion,
                intensity=0.0 if labels.emotion == "neutral" else labels.intensity,
                confidence=result.emotion.confidence,
                alternatives=_others(labels.emotion, local_emotions + result.emotion.alternatives),
            ),
            source="combined",
        )


def _others(chosen: str, ranked: list[ScoredLabel], keep: int = 3) -> list[ScoredLabel]:
    """The shipped classifiers' ranking, without the label the LLM chose."""
    return [item for item in ranked if item.label != chosen][:keep]
