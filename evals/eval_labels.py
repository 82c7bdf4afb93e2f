"""Customer labels from conversations: precision and recall per label on a hand-labelled set.

Each line of evals/datasets/labels/conversations.jsonl is one customer's recent conversations and the
conversation labels an analyst would give (by the definitions in knowledge/customers/labels.yaml).
Every conversation runs through the full pipeline as that customer (extractive answers, a throwaway
database); the labels are then read as `bank-assistant labels` reads them.

`labels/heldout.jsonl` is the same shape, by an author who read only the label definitions; its
misses are not read (`--dataset evals/datasets/labels/heldout.jsonl`, rates only).

Usage: .venv/bin/python -m evals.eval_labels [--dataset FILE] [--json] [--misses]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path

from assistant.config import PROJECT_ROOT, Settings
from assistant.container import Services

DATASET = PROJECT_ROOT / "evals" / "datasets" / "labels" / "conversations.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--misses", action="store_true", help="list the lines with a wrong label")
    parser.add_argument("--dataset", type=Path, default=DATASET, help="a JSONL file of labelled histories")
    args = parser.parse_args()
    lines = args.dataset.read_text(encoding="utf-8").splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]
    counts: Counter[tuple[str, str]] = Counter()
    misses = []
    with tempfile.TemporaryDirectory() as scratch:
        services = Services(Settings(answers="extractive", database=f"sqlite:///{scratch}/eval.db"))
        services.ensure_knowledge_indexed()
        in_scope = {d.id for d in services.labeler.book.definitions.values() if d.conversation is not None}
        for case in cases:
            customer = f"eval-{case['id']}"
            for number, messages in enumerate(case["conversations"]):
                for message in messages:
                    conversation = f"{customer}-{number}"
                    services.pipeline.ask(message, conversation, use_llm=False, customer_id=customer)
            predicted = {label.id for label in services.labeler.labels(customer)} & in_scope
            expected = set(case["labels"])
            for label in in_scope:
                counts[(label, "tp")] += label in predicted and label in expected
                counts[(label, "fp")] += label in predicted and label not in expected
                counts[(label, "fn")] += label in expected and label not in predicted
            if predicted != expected:
                wrong = {"expected": sorted(expected), "predicted": sorted(predicted)}
                misses.append({"id": case["id"], **wrong})
    report = {}
    for label in sorted(in_scope):
        tp, fp, fn = (counts[(label, k)] for k in ("tp", "fp", "fn"))
        report[label] = {
            "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None,
            "support": tp + fn,
        }
    total = {k: sum(counts[(label, k)] for label in in_scope) for k in ("tp", "fp", "fn")}
    summary = {
        "cases": len(cases),
        "micro_precision": round(total["tp"] / max(1, total["tp"] + total["fp"]), 3),
        "micro_recall": round(total["tp"] / max(1, total["tp"] + total["fn"]), 3),
        "exact_match": round(1 - len(misses) / len(cases), 3),
        "by_label": report,
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        for label, row in report.items():
            scores = f"precision {row['precision']}  recall {row['recall']}"
            print(f"{label:24} {scores}  (support {row['support']})")
        print({k: v for k, v in summary.items() if k != "by_label"})
    if args.misses:
        for miss in misses:
            print(json.dumps(miss, ensure_ascii=False))


if __name__ == "__main__":
    main()
