"""Can the retrieved passages answer the question? A small logistic model over retrieval signals
and the question's embedding.

A question near the knowledge base but asking for a detail it never states ("a 4-year term deposit"
when the table stops at 3 and 5) retrieves passages as similar as a real match, so one similarity
floor either lets those through or turns good questions away. The model weighs the dense similarity,
how clearly one document wins, the BM25 score, how much of the question the kept passages cover, and
the question's own embedding: what kind of thing it asks for (today's rate, another bank's fee, a
product variant, the customer's own data), learnt from questions about this knowledge base. That last
part is specific to the documents it was trained with: retrain (`make train-answerability`, with
questions about the new documents added to the training set) when the knowledge base changes its
coverage, or a new topic's questions may be held back.
It is trained by evals/train_answerability.py on evals/datasets/answerability/train*.jsonl (never on
the evaluation questions); a threshold per language ships with the weights, set on cross-validated
training predictions for a bounded share of wrongly abstained answerable questions.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from pydantic import BaseModel, PrivateAttr

from assistant.domain import Lang
from assistant.retrieval.hybrid import RetrievalSignals

MODEL_PATH = Path(__file__).with_name("models") / "answerability.json"
# The training questions' embeddings and labels, beside the model: the nearest ones are features.
NEIGHBOURS_FILE = "answerability_neighbours.npz"
# The retrieval signals, how close the nearest answerable and unanswerable training questions are,
# then each dimension of the question's embedding.
FEATURES = (
    "best_dense_similarity",
    "document_margin",
    "log_best_bm25",
    "term_coverage",
    "chinese",
    "near_answerable",
    "near_unanswerable",
    "nearer_unanswerable",
)


class TrainingQuestions:
    """The embeddings of the questions the model was trained on, and which of them were unanswerable."""

    def __init__(self, vectors: np.ndarray, unanswerable: np.ndarray, neighbours: int) -> None:
        self.vectors = vectors.astype(np.float32)
        self.unanswerable = unanswerable.astype(bool)
        self.neighbours = neighbours

    def nearness(self, question_vector: np.ndarray, leave_out: int | None = None) -> list[float]:
        """Mean similarity of the nearest answerable and unanswerable questions, and their difference.

        ``leave_out``: the question's own row, when it is itself a training question."""
        similarity = self.vectors @ question_vector.astype(np.float32)
        if leave_out is not None:
            similarity[leave_out] = -np.inf
        answerable = float(np.sort(similarity[~self.unanswerable])[-self.neighbours :].mean())
        unanswerable = float(np.sort(similarity[self.unanswerable])[-self.neighbours :].mean())
        return [answerable, unanswerable, unanswerable - answerable]


def feature_vector(
    signals: RetrievalSignals, lang: Lang, question_vector: np.ndarray, nearness: list[float]
) -> list[float]:
    return [
        signals.best_dense_similarity,
        signals.document_margin,
        math.log1p(signals.best_bm25),
        signals.term_coverage,
        1.0 if lang == "zh" else 0.0,
        *nearness,
        *(float(x) for x in question_vector),
    ]


class AnswerabilityModel(BaseModel):
    """Standardised logistic regression: P(the sources cannot answer) from the retrieval signals."""

    embedder: str  # the signals' similarities are on this embedder's scale, the embedding is its own
    features: list[str]
    embedding_dims: int
    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float
    thresholds: dict[str, float]  # per language: abstain when P(unanswerable) is above it
    full_coverage: float  # at or above this term coverage the passages hold every term: never abstain
    neighbours: int  # how many nearest training questions of each kind the nearness features average
    training: dict[str, float] = {}
    _questions: TrainingQuestions | None = PrivateAttr(default=None)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> AnswerabilityModel:
        model = cls.model_validate(json.loads(path.read_text(encoding="utf-8")))
        if tuple(model.features) != FEATURES:
            raise ValueError(f"{path} was trained on features {model.features}, expected {list(FEATURES)}")
        with np.load(path.with_name(NEIGHBOURS_FILE)) as stored:
            model._questions = TrainingQuestions(stored["vectors"], stored["unanswerable"], model.neighbours)
        return model

    @classmethod
    def for_embedder(cls, embedder: str, path: Path = MODEL_PATH) -> AnswerabilityModel | None:
        """The shipped model if it was trained with this embedder; None (the floor alone) otherwise."""
        model = cls.load(path)
        return model if model.embedder == embedder else None

    def unanswerable_probability(
        self, signals: RetrievalSignals, lang: Lang, question_vector: np.ndarray
    ) -> float:
        if len(question_vector) != self.embedding_dims:
            raise ValueError(f"expected a {self.embedding_dims}-dimensional question embedding")
        if self._questions is None:
            raise ValueError("the training questions were not loaded: use AnswerabilityModel.load")
        nearness = self._questions.nearness(question_vector)
        values = np.asarray(feature_vector(signals, lang, question_vector, nearness))
        standardised = (values - np.asarray(self.mean)) / np.asarray(self.scale)
        z = self.bias + float(standardised @ np.asarray(self.weights))
        return 1.0 / (1.0 + math.exp(-z))

    def should_abstain(self, signals: RetrievalSignals, lang: Lang, question_vector: np.ndarray) -> bool:
        if signals.term_coverage >= self.full_coverage:
            return False
        return self.unanswerable_probability(signals, lang, question_vector) > self.thresholds[lang]
