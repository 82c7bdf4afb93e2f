"""Handoff precision and recall on conversations written for it (evals/datasets/handoff).

Every conversation runs through the full pipeline (extractive answers, a throwaway database), and
each turn's decision is compared with the expected one. A turn counts as a true positive when a
handoff was expected and made; the reason is scored separately (exact code, or one of the turn's
"also" codes). Prints per-language and per-reason numbers and the misses.

Usage: .venv/bin/python -m evals.eval_handoff [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import uuid
from collections import Counter, defaultdict
from pathlib import Path

from assistant.config import PROJECT_ROOT, Settings
from assistant.container import Services

DATASET = PROJECT_ROOT / "evals" / "datasets" / "handoff" / "conversations.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    conversations = [json.loads(line) for line in args.dataset.open(encoding="utf-8") if line.strip()]

    counts: dict[str, Counter[str]] = defaultdict(Counter)
    misses = []
    with tempfile.TemporaryDirectory() as scratch:
        services = Services(Settings(answers="extractive", database=f"sqlite:///{scratch}/eval.db"))
        services.ensure_knowledge_indexed()
        for conversation in conversations:
            conversation_id = f"eval-{uuid.uuid4().hex}"
            for turn, expected in zip(conversation["turns"], conversation["expected"], strict=True):
                got = services.pipeline.ask(turn, conversation_id, use_llm=False).handoff
                for scope in ("all", conversation["lang"]):
                    c = counts[scope]
                    c["tp"] += expected["handoff"] and got.decision
                    c["fp"] += (not expected["handoff"]) and got.decision
                    c["fn"] += expected["handoff"] and not got.decision
                    if expected["handoff"] and got.decision:
                        c["reason_ok"] += got.reason in {expected["reason"], *expected.get("also", [])}
                    if expected["handoff"]:
                        counts[f"recall:{expected['reason']}"]["expected"] += scope == "all"
                        counts[f"recall:{expected['reason']}"]["found"] += scope == "all" and got.decision
                if got.decision != expected["handoff"] or (
                    got.decision and got.reason not in {expected["reason"], *expected.get("also", [])}
                ):
                    misses.append(
                        {
                            "id": conversation["id"],
                            "turn": turn,
                            "expected": expected["reason"] if expected["handoff"] else None,
                            "got": got.reason,
                            "detail": got.detail,
                        }
                    )

    report = {}
    for scope in ("all", "en", "zh"):
        c = counts[scope]
        report[scope] = {
            "precision": round(c["tp"] / max(1, c["tp"] + c["fp"]), 3),
            "recall": round(c["tp"] / max(1, c["tp"] + c["fn"]), 3),
            "reason_accuracy": round(c["reason_ok"] / max(1, c["tp"]), 3),
            "tp": c["tp"],
            "fp": c["fp"],
            "fn": c["fn"],
        }
    report["recall_by_reason"] = {
        key.split(":", 1)[1]: f"{c['found']}/{c['expected']}"
        for key, c in sorted(counts.items())
        if key.startswith("recall:")
    }
    if args.json:
        print(json.dumps({"report": report, "misses": misses}, ensure_ascii=False, indent=2))
        return
    for scope in ("all", "en", "zh"):
        print(scope, report[scope])
    print("recall by reason", report["recall_by_reason"])
    for miss in misses:
        print("MISS", miss)


if __name__ == "__main__":
    main()
