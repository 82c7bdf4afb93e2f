"""CLINC150 in its own protocol: our intent recipe trained on CLINC150's 150 intents, measured on val.

The shipped classifier answers in Banking77's taxonomy, so it cannot be scored on CLINC150's intents;
bench_classifiers reports how it treats CLINC150's bank and out-of-scope queries. This script asks the
question the published numbers answer (Larson et al. 2019, BERT: 96.2% in-scope accuracy with 52.3%
out-of-scope recall): how well does the recipe recognise in-scope intents and send the rest to
out-of-scope? The recipe is the e5 intent networks of evals/train_heads.py, with out-of-scope as one
more class trained on oos_train ("oos-train" in the paper), plus a confidence floor. The floor is
chosen on a stratified 10% of train, never on val: the highest floor that keeps in-scope accuracy
there within ``--max-accuracy-loss`` of no floor at all. The whole trade-off on val is printed too,
since how much in-scope accuracy a bank gives up for out-of-scope recall is its own choice. (MiniLM,
the English half of our mix, would need an hour of CPU fine-tuning on CLINC150 and is left out.)

Usage: .venv/bin/python -m evals.bench_clinc [--json]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from assistant.understand.local import IntentNetworks
from evals.intent_data import Row, clinc, stratified_split
from evals.train_heads import CACHE, INTENT_INPUT_SCALE, EmbeddingCache, intent_networks

OUT_OF_SCOPE = "oos"
FLOORS = [round(0.05 * i, 2) for i in range(15)]


class Classifier:
    """The averaged intent networks trained on some rows, with CLINC's labels."""

    def __init__(self, cache: EmbeddingCache, rows: list[Row], seed: int) -> None:
        self.labels = sorted({label for _, label in rows})
        y = np.array([self.labels.index(label) for _, label in rows])
        weights = intent_networks(cache.embed([t for t, _ in rows]), y, len(self.labels), seed)
        self.networks = IntentNetworks(weights, INTENT_INPUT_SCALE)
        self.cache = cache

    def probabilities(self, rows: list[Row]) -> np.ndarray:
        return np.stack([self.networks(v) for v in self.cache.embed([t for t, _ in rows])])

    def decide(self, probabilities: np.ndarray, floor: float) -> list[str]:
        best = probabilities.argmax(1)
        return [
            self.labels[i] if p[i] >= floor else OUT_OF_SCOPE
            for p, i in zip(probabilities, best, strict=True)
        ]


def scores(predicted: list[str], rows: list[Row]) -> dict[str, float | None]:
    """In-scope accuracy over the in-scope rows, out-of-scope recall over the out-of-scope rows."""
    pairs = list(zip(predicted, [label for _, label in rows], strict=True))
    in_scope = [p == gold for p, gold in pairs if gold != OUT_OF_SCOPE]
    out_of_scope = [p == OUT_OF_SCOPE for p, gold in pairs if gold == OUT_OF_SCOPE]
    return {
        "in_scope_accuracy": round(float(np.mean(in_scope)), 4) if in_scope else None,
        "oos_recall": round(float(np.mean(out_of_scope)), 4) if out_of_scope else None,
    }


def choose_floor(classifier: Classifier, calibration: list[Row], max_accuracy_loss: float) -> float:
    in_scope = [row for row in calibration if row[1] != OUT_OF_SCOPE]
    probabilities = classifier.probabilities(in_scope)

    def accuracy(floor: float) -> float:
        value = scores(classifier.decide(probabilities, floor), in_scope)["in_scope_accuracy"]
        assert value is not None  # calibration holds 10% of each in-scope intent, so never none
        return value

    unfloored = accuracy(0.0)
    return max(floor for floor in FLOORS if accuracy(floor) >= unfloored - max_accuracy_loss)


def evaluate(
    cache: EmbeddingCache,
    train: list[Row],
    evaluation: list[Row],
    seed: int = 13,
    max_accuracy_loss: float = 0.01,
) -> dict:
    """Choose the floor on 10% of ``train``, retrain on all of it, score ``evaluation``."""
    fitting, calibration = stratified_split(train, 0.1, seed)
    floor = choose_floor(Classifier(cache, fitting, seed), calibration, max_accuracy_loss)
    classifier = Classifier(cache, train, seed)
    probabilities = classifier.probabilities(evaluation)

    def at(floor: float) -> dict[str, float | None]:
        return scores(classifier.decide(probabilities, floor), evaluation)

    return {
        "training_rows": len(train),
        "evaluation_rows": len(evaluation),
        "floor": floor,
        "with_floor": at(floor),
        "oos_class_alone": at(0.0),
        "by_floor": {str(f): at(f) for f in FLOORS[:9]},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--max-accuracy-loss", type=float, default=0.01)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    splits = clinc()
    train = splits["train"] + [(text, OUT_OF_SCOPE) for text, _ in splits["oos_train"]]
    val = splits["val"] + [(text, OUT_OF_SCOPE) for text, _ in splits["oos_val"]]
    report = {"clinc150_val": evaluate(EmbeddingCache(CACHE), train, val, args.seed, args.max_accuracy_loss)}
    print(json.dumps(report, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
