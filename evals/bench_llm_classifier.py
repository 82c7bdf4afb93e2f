"""The LLM classifier beside the shipped ones: what consulting it changes, on our labelled test sets.

The combined understander (assistant/understand/llm.py) asks the LLM only when the shipped intent
confidence is below ``understanding_llm_below`` (0.6). This runs the shipped classifiers and the
combination on the same messages and reports, per set: how often the LLM was asked, how often its
reply was usable, accuracy (intent; macro-F1 for emotion) alone and combined, on all messages and on
those the LLM was asked about, and the time a message takes when the LLM is asked. It uses the
configured endpoint (BANK_ASSISTANT_LLM_BASE_URL), or starts the bundled 0.5B demonstration model,
which is not a capable classifier: measure the model you deploy.

Usage: .venv/bin/python -m evals.bench_llm_classifier [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import numpy as np
from sklearn.metrics import f1_score

from assistant.config import Settings
from assistant.container import Services, local_llm
from assistant.evaluation.sampling import spread
from assistant.lang import detect_lang
from assistant.understand.llm import CombinedUnderstander
from evals.bench_retrieval import percentile
from evals.intent_data import ours, read_jsonl
from evals.train_heads import EMOTION_DATA


def compare(
    understander: CombinedUnderstander,
    embed: Callable[[str], np.ndarray],
    rows: list[tuple[str, str]],
    field: str,
) -> dict:
    alone: list[str] = []
    combined: list[str] = []
    asked: list[bool] = []
    used: list[bool] = []
    asked_ms: list[float] = []
    for text, _ in rows:
        lang = detect_lang(text)
        vector = embed(text)
        # The combination runs as the product runs it, so it classifies locally again (~8 ms, next to
        # an LLM call of over a second) rather than being re-implemented here.
        local = understander.local.understand(text, lang, vector)
        started = time.perf_counter()
        result = understander.understand(text, lang, vector)
        asked.append(local.intent.confidence < understander.ask_below)
        if asked[-1]:
            asked_ms.append((time.perf_counter() - started) * 1000)
        used.append(result.source == "combined")
        alone.append(getattr(local, field).label)
        combined.append(getattr(result, field).label)
    gold = [label for _, label in rows]

    def score(predicted: list[str], keep: list[bool]) -> float | None:
        pairs = [(g, p) for g, p, k in zip(gold, predicted, keep, strict=True) if k]
        if not pairs:
            return None
        golds, preds = [g for g, _ in pairs], [p for _, p in pairs]
        if field == "emotion":
            return round(float(f1_score(golds, preds, average="macro")), 4)
        return round(float(np.mean([g == p for g, p in pairs])), 4)

    everything = [True] * len(rows)
    return {
        "messages": len(rows),
        "llm_asked": sum(asked),
        "llm_reply_used": sum(used),
        "metric": "macro_f1" if field == "emotion" else "accuracy",
        "alone": score(alone, everything),
        "combined": score(combined, everything),
        "alone_where_asked": score(alone, asked),
        "combined_where_asked": score(combined, asked),
        "ms_p50_where_asked": round(percentile(asked_ms, 0.5), 1) if asked_ms else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=100, help="messages per set, spread evenly")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = Settings().model_copy(update={"understanding_llm": True, "answers": "llm"})
    services = Services(settings)
    understander = services.understander
    if not isinstance(understander, CombinedUnderstander):
        raise SystemExit("the shipped classifiers need the e5-multilingual embedder")
    emotion_rows = [(r["text"], r["emotion"]) for r in read_jsonl(EMOTION_DATA / "test.jsonl")]
    sets = {
        "zh_test": (ours("zh_test"), "intent"),
        "en_conversational_test": (ours("en_conversational_test"), "intent"),
        "emotion_test": (emotion_rows, "emotion"),
    }
    with local_llm(settings):
        results = {
            name: compare(understander, services.embedder.embed_query, spread(rows, args.limit), field)
            for name, (rows, field) in sets.items()
        }
    report = {"ask_below": understander.ask_below, **results}
    print(json.dumps(report, ensure_ascii=False, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
