"""The shipped classifiers: small heads over the e5 query embedding, plus fine-tuned MiniLM for English.

Intent: English messages mix the MiniLM and embedding-head probabilities, 0.3 / 0.7; Chinese
messages use the embedding head, which was trained on English and Chinese examples and reads both
scripts. A message whose best intent is below the confidence floor is out_of_scope. Calibrated on
the Banking77 dev split (MiniLM weights 0.1-0.5 over six MiniLM runs: 0.3 best, 93.4% on average
against 93.2% for an equal mix), CLINC150 and our dev sets (evals/bench_classifiers.py --sweep): a
confidence floor only cost accuracy (most of all on Chinese) without adding out-of-scope recall
beyond the trained out_of_scope class, so the floor is 0 by default. Emotion and intensity come from
heads on the same embedding, so understanding costs one embedding that retrieval then reuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.domain import EmotionPrediction, IntentPrediction, Lang, ScoredLabel, Understanding
from assistant.understand.minilm import MiniLMIntentClassifier

MODELS_DIR = Path(__file__).with_name("models")
OUT_OF_SCOPE = "out_of_scope"


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max())
    return shifted / shifted.sum()


def _ranked(labels: list[str], probabilities: np.ndarray, alternatives: int = 3) -> list[ScoredLabel]:
    order = np.argsort(probabilities)[::-1][: alternatives + 1]
    return [ScoredLabel(label=labels[i], score=round(float(probabilities[i]), 4)) for i in order]


class Understander(Protocol):
    """Intent and emotion for one message, given its language and its e5 query embedding."""

    def understand(self, text: str, lang: Lang, vector: np.ndarray) -> Understanding: ...


def _gelu(x: np.ndarray) -> np.ndarray:
    # The tanh form, as trained (torch's GELU(approximate="tanh")).
    return 0.5 * x * (1.0 + np.tanh(0.7978845608 * (x + 0.044715 * x**3)))


class IntentNetworks:
    """A few one-hidden-layer networks (trained by evals/train_heads.py) whose probabilities are averaged.

    Averaging steadies the Chinese accuracy, which moved by two points between single networks' seeds.
    """

    def __init__(self, arrays: Mapping[str, np.ndarray], input_scale: float) -> None:
        # (members, hidden, dim), (members, hidden), (members, labels, hidden), (members, labels)
        self._w1, self._b1, self._w2, self._b2 = (
            np.asarray(arrays[f"intent_{name}"], dtype=np.float32) for name in ("w1", "b1", "w2", "b2")
        )
        self._input_scale = input_scale

    def __call__(self, vector: np.ndarray) -> np.ndarray:
        hidden = _gelu(self._w1 @ (vector * self._input_scale) + self._b1)
        logits = np.einsum("mlh,mh->ml", self._w2, hidden) + self._b2
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return (shifted / shifted.sum(axis=1, keepdims=True)).mean(axis=0)


class EmbeddingHeads:
    """Heads (trained by evals/train_heads.py) over an L2-normalised e5 query vector.

    Intent: averaged networks. Emotion: linear. Intensity: linear, clipped to [0, 1].
    """

    def __init__(self, path: Path) -> None:
        data = np.load(path)
        self.intent_labels: list[str] = data["intent_labels"].tolist()
        self.emotion_labels: list[str] = data["emotion_labels"].tolist()
        self.intent = IntentNetworks(data, float(data["intent_input_scale"]))
        self._emotion = (data["emotion_w"], data["emotion_b"])
        self._intensity = (data["intensity_w"], float(data["intensity_b"][0]))

    def emotion(self, vector: np.ndarray) -> np.ndarray:
        weights, bias = self._emotion
        return _softmax(weights @ vector + bias)

    def intensity(self, vector: np.ndarray) -> float:
        weights, bias = self._intensity
        return float(np.clip(weights @ vector + bias, 0.0, 1.0))


class LocalUnderstander:
    def __init__(
        self,
        heads: EmbeddingHeads,
        minilm: MiniLMIntentClassifier | None,
        minilm_weight: float = 0.3,
        min_intent_confidence: float = 0.0,
    ) -> None:
        self.heads = heads
        self.minilm = minilm
        self.minilm_weight = minilm_weight
        self.min_intent_confidence = min_intent_confidence
        if minilm is not None:
            # Reorder MiniLM's outputs into the heads' label order once, not per message.
            self.minilm_order = np.array([minilm.labels.index(label) for label in heads.intent_labels])

    def intent_probabilities(self, text: str, lang: Lang, vector: np.ndarray) -> np.ndarray:
        probabilities = self.heads.intent(vector)
        if lang == "en" and self.minilm is not None and self.minilm_can_change_intent(probabilities):
            english = self.minilm.probabilities(text)[self.minilm_order]
            probabilities = self.minilm_weight * english + (1 - self.minilm_weight) * probabilities
        return probabilities

    def minilm_can_change_intent(self, heads: np.ndarray) -> bool:
        """Whether MiniLM's share of the mix could change the intent; if not, it need not run.

        MiniLM moves at most ``minilm_weight`` of probability between two labels, so when the heads'
        winner leads the runner-up by more than that (after the heads' own weight), and stays above the
        confidence floor whatever MiniLM says, the mixed label is the heads' label. The confidence
        reported is then the heads' own, as if MiniLM agreed. MiniLM is most of the classifier's time.
        """
        runner_up, best = np.partition(heads, -2)[-2:]
        weight = self.minilm_weight
        settled = (1 - weight) * (best - runner_up) > weight
        return not (settled and (1 - weight) * best >= self.min_intent_confidence)

    def understand(self, text: str, lang: Lang, vector: np.ndarray) -> Understanding:
        labels = self.heads.intent_labels
        ranked = _ranked(labels, self.intent_probabilities(text, lang, vector))
        best = ranked[0]
        label = best.label if best.score >= self.min_intent_confidence else OUT_OF_SCOPE
        emotions = _ranked(self.heads.emotion_labels, self.heads.emotion(vector), alternatives=2)
        emotion = emotions[0]
        intensity = 0.0 if emotion.label == "neutral" else self.heads.intensity(vector)
        return Understanding(
            intent=IntentPrediction(label=label, confidence=best.score, alternatives=ranked[1:]),
            emotion=EmotionPrediction(
                label=emotion.label,
                intensity=round(intensity, 3),
                confidence=emotion.score,
                alternatives=emotions[1:],
            ),
        )


def load_local_understander(use_minilm: bool = True) -> LocalUnderstander:
    heads = EmbeddingHeads(MODELS_DIR / "heads.npz")
    minilm = MiniLMIntentClassifier(MODELS_DIR / "intent_minilm.pt") if use_minilm else None
    return LocalUnderstander(heads, minilm)
