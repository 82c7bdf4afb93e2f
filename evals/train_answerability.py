"""Train the answerability check (assistant/retrieval/answerability.py) on its own question set.

Each question in evals/datasets/answerability/train*.jsonl (answerable, near misses, off-topic banking,
out of domain; English and Chinese; written without reading the evaluation questions) goes through the
real retriever over the shipped knowledge base; the retrieval signals and the question's embedding are
the features. A logistic
regression (balanced classes) is fitted; each language's threshold is the one at which cross-validated
predictions wrongly abstain on at most --max-false-abstention of the answerable training questions.
The evaluation set (evals/datasets/answers) then measures it, in `bank-assistant eval`.

Usage: .venv/bin/python -m evals.train_answerability [--max-false-abstention 0.05] [--regularisation 0.02]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from tqdm import tqdm

from assistant.config import PROJECT_ROOT, Settings
from assistant.container import Services
from assistant.domain import Lang
from assistant.retrieval.answerability import (
    FEATURES,
    MODEL_PATH,
    NEIGHBOURS_FILE,
    AnswerabilityModel,
    TrainingQuestions,
    feature_vector,
)
from assistant.retrieval.hybrid import RetrievalSignals

# Every question term found in the passages kept: the detail is there to quote, whatever the scores say
# ("foreign transaction fee abroad?" scores low on similarity because three documents mention fees).
FULL_COVERAGE = 0.9
# train*.jsonl: five authors, none of whom read the evaluation questions.
DATASETS = sorted((PROJECT_ROOT / "evals" / "datasets" / "answerability").glob("train*.jsonl"))


NEIGHBOURS = 3


@dataclass
class Retrieved:
    signals: list[RetrievalSignals]
    vectors: np.ndarray
    labels: np.ndarray  # 1: unanswerable
    langs: list[Lang]

    def features(self, rows: np.ndarray, questions: TrainingQuestions, leave_out: bool) -> np.ndarray:
        """Feature rows for ``rows``; ``leave_out``: they are among ``questions`` in the same order."""
        return np.array(
            [
                feature_vector(
                    self.signals[row],
                    self.langs[row],
                    self.vectors[row],
                    questions.nearness(self.vectors[row], position if leave_out else None),
                )
                for position, row in enumerate(rows)
            ]
        )

    def questions(self, rows: np.ndarray) -> TrainingQuestions:
        return TrainingQuestions(self.vectors[rows], self.labels[rows] == 1, NEIGHBOURS)


def retrieve_all(services: Services) -> Retrieved:
    rows = [
        json.loads(line)
        for dataset in DATASETS
        for line in dataset.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    signals, vectors = [], []
    for row in tqdm(rows, desc="retrieving"):
        result = services.retriever.retrieve(row["question"], lang=row["lang"])
        assert result.query_vector is not None
        signals.append(result.signals)
        vectors.append(result.query_vector)
    labels = np.array([0 if row["answerable"] else 1 for row in rows])
    return Retrieved(signals, np.stack(vectors), labels, [row["lang"] for row in rows])


def cross_validated(data: Retrieved, regularisation: float) -> np.ndarray:
    """Out-of-fold P(unanswerable): each fold's nearness features look only at the other folds."""
    predicted = np.zeros(len(data.labels))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=13)
    for train, test in folds.split(data.vectors, data.labels):
        questions = data.questions(train)
        x_train = data.features(train, questions, leave_out=True)
        x_test = data.features(test, questions, leave_out=False)
        mean, scale = x_train.mean(axis=0), x_train.std(axis=0) + 1e-9
        model = LogisticRegression(C=regularisation, class_weight="balanced", max_iter=3000)
        model.fit((x_train - mean) / scale, data.labels[train])
        predicted[test] = model.predict_proba((x_test - mean) / scale)[:, 1]
    return predicted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-false-abstention", type=float, default=0.05)
    # Strong regularisation: 384 embedding weights learnt from a few hundred questions (C chosen by
    # cross-validated AUC on the training set: 0.01-0.05 best, 1.0 overfits).
    parser.add_argument("--regularisation", type=float, default=0.02, help="C of the logistic regression")
    args = parser.parse_args()

    services = Services(Settings())
    services.ensure_knowledge_indexed()
    data = retrieve_all(services)
    y, langs, everyone = data.labels, data.langs, np.arange(len(data.labels))
    predicted = cross_validated(data, args.regularisation)
    x = data.features(everyone, data.questions(everyone), leave_out=True)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    model = LogisticRegression(C=args.regularisation, class_weight="balanced", max_iter=3000)
    model.fit((x - mean) / scale, y)

    training = {"questions": float(len(y)), "cv_auc": round(float(roc_auc_score(y, predicted)), 4)}
    thresholds: dict[str, float] = {}
    covered = x[:, FEATURES.index("term_coverage")] >= FULL_COVERAGE
    for lang in ("en", "zh"):
        in_lang = np.array([lang_ == lang for lang_ in langs])
        # The highest threshold that still lets the allowed share of answerable questions be held back
        # (fully covered questions are never held back, so they spend none of that share).
        answerable = np.sort(predicted[in_lang & (y == 0) & ~covered])[::-1]
        allowed = int(args.max_false_abstention * (in_lang & (y == 0)).sum())
        thresholds[lang] = round(float(answerable[allowed]) if allowed < len(answerable) else 1.0, 6)
        abstains = (predicted > thresholds[lang]) & ~covered
        training[f"cv_abstained_when_unanswerable_{lang}"] = round(
            float(abstains[in_lang & (y == 1)].mean()), 4
        )
        training[f"cv_abstained_when_answerable_{lang}"] = round(
            float(abstains[in_lang & (y == 0)].mean()), 4
        )
    trained = AnswerabilityModel(
        embedder=services.embedder.name,
        features=list(FEATURES),
        embedding_dims=services.embedder.dim,
        mean=mean.round(6).tolist(),
        scale=scale.round(6).tolist(),
        weights=model.coef_[0].round(6).tolist(),
        bias=round(float(model.intercept_[0]), 6),
        thresholds=thresholds,
        full_coverage=FULL_COVERAGE,
        neighbours=NEIGHBOURS,
        training=training,
    )
    MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    MODEL_PATH.write_text(trained.model_dump_json(indent=2) + "\n", encoding="utf-8")
    np.savez_compressed(
        MODEL_PATH.with_name(NEIGHBOURS_FILE), vectors=data.vectors.astype(np.float16), unanswerable=y == 1
    )
    print(json.dumps(training, indent=2))
    print(f"wrote {MODEL_PATH.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
