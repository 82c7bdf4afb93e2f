"""Handoff precision and recall on conversations written for it (evals/datasets/handoff).

Every conversation runs through the full pipeline (extractive answers, a throwaway database); see
assistant/evaluation/handoff.py for how turns are scored. Prints per-language and per-reason numbers
and the misses.

A held-out set (heldout2.jsonl) is read with --rates-only: reading its misses would make it a tuning set.

Usage: .venv/bin/python -m evals.eval_handoff [--dataset FILE] [--json] [--rates-only]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from assistant.config import PROJECT_ROOT, Settings
from assistant.container import Services
from assistant.evaluation.handoff import handoff_report, load_conversations

DATASET = PROJECT_ROOT / "evals" / "datasets" / "handoff" / "conversations.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rates-only", action="store_true", help="leave the misses out")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        services = Services(Settings(answers="extractive", database=f"sqlite:///{scratch}/eval.db"))
        services.ensure_knowledge_indexed()
        report = handoff_report(services.pipeline, load_conversations(args.dataset))
    if args.rates_only:
        del report["misses"]
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for scope in ("all", "en", "zh"):
        print(scope, report[scope])
    print("recall by reason", report["recall_by_reason"])
    for miss in report.get("misses", []):
        print("MISS", miss)


if __name__ == "__main__":
    main()
