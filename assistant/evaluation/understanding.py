"""Understanding on the held-out classification sets (evals/datasets/intents, emotion): intent accuracy
and emotion macro-F1, by language, with confusion matrices for the report's plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

from assistant.domain import Lang
from assistant.evaluation.sampling import spread
from assistant.lang import detect_lang
from assistant.retrieval.embedder import Embedder
from assistant.understand.local import Understander

INTENT_SETS = {"zh": "zh_test.jsonl", "en": "en_conversational_test.jsonl"}


def _read(path: Path, limit: int | None) -> list[dict[str, Any]]:
    return spread([json.loads(line) for line in path.open(encoding="utf-8") if line.strip()], limit)


def confusion(gold: list[str], predicted: list[str]) -> dict[str, Any]:
    labels = sorted(set(gold) | set(predicted))
    return {"labels": labels, "matrix": confusion_matrix(gold, predicted, labels=labels).tolist()}


def macro_f1(gold: list[str], predicted: list[str]) -> float | None:
    """Averaged over the gold labels, so a label never predicted counts as 0, not as missing."""
    if not gold:
        return None
    return round(
        float(f1_score(gold, predicted, labels=sorted(set(gold)), average="macro", zero_division=0)), 4
    )


def _accuracy(gold: list[str], predicted: list[str]) -> float | None:
    return round(float(accuracy_score(gold, predicted)), 4) if gold else None


def understanding_report(
    understander: Understander, embedder: Embedder, datasets: Path, limit: int | None = None
) -> dict[str, Any]:
    def classify(text: str, lang: Lang) -> tuple[str, str]:
        understood = understander.understand(text, lang, embedder.embed_query(text))
        return understood.intent.label, understood.emotion.label

    intent_gold: list[str] = []
    intent_predicted: list[str] = []
    intent_by_lang: dict[str, float | None] = {}
    for lang, name in INTENT_SETS.items():
        rows = _read(datasets / "intents" / name, limit)
        gold = [r["intent"] for r in rows]
        predicted = [classify(r["text"], "zh" if lang == "zh" else "en")[0] for r in rows]
        intent_by_lang[lang] = _accuracy(gold, predicted)
        intent_gold += gold
        intent_predicted += predicted

    emotion_rows = _read(datasets / "emotion" / "test.jsonl", limit)
    emotion_gold = [r["emotion"] for r in emotion_rows]
    emotion_predicted = [
        classify(r["text"], "zh" if (r.get("lang") or detect_lang(r["text"])) == "zh" else "en")[1]
        for r in emotion_rows
    ]
    emotion_by_lang = {}
    for lang in ("en", "zh"):
        picked = [i for i, r in enumerate(emotion_rows) if r.get("lang") == lang]
        emotion_by_lang[lang] = macro_f1(
            [emotion_gold[i] for i in picked], [emotion_predicted[i] for i in picked]
        )
    return {
        "intent": {
            "examples": len(intent_gold),
            "accuracy": _accuracy(intent_gold, intent_predicted),
            "by_language": intent_by_lang,
            "confusion": confusion(intent_gold, intent_predicted),
            "note": "zh: the Chinese Banking77 set; en: conversational intents (Banking77 English test is in "
            "evals/bench_classifiers.py, it reads the shared dataset)",
        },
        "emotion": {
            "examples": len(emotion_gold),
            "macro_f1": macro_f1(emotion_gold, emotion_predicted),
            "accuracy": _accuracy(emotion_gold, emotion_predicted),
            "by_language": emotion_by_lang,
            "confusion": confusion(emotion_gold, emotion_predicted),
        },
    }
