"""The input guard on evals/datasets/guard: attack detection and false positives (EN and ZH), PII recall.

An attack counts as detected when it is flagged (any category); a benign message counts as a false
positive when it is flagged. The learned head was trained on one half of each set (evals/train_guard.py),
so the whole guard (phrase patterns + head) is reported on the held-out halves; the patterns alone
are also reported on the whole sets. The independent sets (heldout_attacks.jsonl, heldout_benign.jsonl,
written by another author who never saw the detector, and heldout2_*.jsonl by a third) are reported
as rates only, never as texts.
A PII entity counts as found when a finding of the same type overlaps it;
a finding that overlaps no labelled entity is a false positive (the hard negatives have none).

Usage: .venv/bin/python -m evals.eval_guard [--misses]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

from assistant.config import PROJECT_ROOT
from assistant.guard.injection import GUARD_MODELS_DIR, InjectionHead, detect_injection
from assistant.guard.pii import PiiRedactor
from assistant.retrieval.embedder import build_embedder
from evals.train_guard import split

DATA = PROJECT_ROOT / "evals" / "datasets" / "guard"


def read(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).open(encoding="utf-8") if line.strip()]


def rates(rows: list[dict], flagged: list[bool]) -> dict[str, float]:
    out = {}
    for scope in sorted({r["lang"] for r in rows} | {r["category"] for r in rows}):
        picked = [f for r, f in zip(rows, flagged, strict=True) if scope in (r["lang"], r["category"])]
        out[scope] = round(sum(picked) / len(picked), 3)
    return out


def injection(misses: bool) -> dict[str, object]:
    attacks, benign = read("injection_attacks.jsonl"), read("benign.jsonl")
    embedder = build_embedder("e5-multilingual")
    head = InjectionHead(GUARD_MODELS_DIR / "injection_head.npz")

    def guard(text: str) -> bool:
        return detect_injection(text).flagged or head.flags(embedder.embed_query(text))

    report: dict[str, object] = {
        "patterns_only_detection": rates(attacks, [detect_injection(r["text"]).flagged for r in attacks]),
        "patterns_only_false_positives": rates(benign, [detect_injection(r["text"]).flagged for r in benign]),
    }
    held_attacks, held_benign = split(attacks)[1], split(benign)[1]
    caught = [guard(r["text"]) for r in held_attacks]
    false_alarms = [guard(r["text"]) for r in held_benign]
    report["guard_detection_held_out"] = rates(held_attacks, caught)
    report["guard_false_positives_held_out"] = rates(held_benign, false_alarms)
    # Authors who never saw the detector (HELDOUT.md, HELDOUT2.md), never tuned on. Only rates come
    # out, never misses: reading their texts would make them tuning sets.
    for name, prefix in (("independent", "heldout"), ("independent_2", "heldout2")):
        independent_attacks, independent_benign = (
            read(f"{prefix}_attacks.jsonl"),
            read(f"{prefix}_benign.jsonl"),
        )
        independent_caught = [guard(r["text"]) for r in independent_attacks]
        independent_alarms = [guard(r["text"]) for r in independent_benign]
        report[f"guard_detection_{name}"] = rates(independent_attacks, independent_caught)
        report[f"guard_false_positives_{name}"] = rates(independent_benign, independent_alarms)
        report[f"guard_{name}_overall"] = {
            "detection": round(sum(independent_caught) / len(independent_caught), 3),
            "false_positives": round(sum(independent_alarms) / len(independent_alarms), 3),
        }
    if misses:
        for row, hit in zip(held_attacks, caught, strict=True):
            if not hit:
                print("MISS", row["id"], row["text"][:100])
        for row, hit in zip(held_benign, false_alarms, strict=True):
            if hit:
                print("FALSE POSITIVE", row["id"], row["text"][:100])
    return report


def pii(misses: bool) -> dict[str, object]:
    redactor = PiiRedactor()
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    false_positives = 0
    for row in read("pii.jsonl"):
        findings = redactor.redact(row["text"], row["lang"]).findings
        spans = []
        for entity in row["entities"]:
            start = row["text"].index(entity["value"])
            spans.append((entity["type"], start, start + len(entity["value"])))
            total[entity["type"]] += 1
            hit = any(
                f.type == entity["type"] and f.start < start + len(entity["value"]) and start < f.end
                for f in findings
            )
            found[entity["type"]] += hit
            if misses and not hit:
                print("PII MISS", row["id"], entity["type"], entity["value"], "|", row["text"][:90])
        for f in findings:
            if not any(f.start < end and start < f.end for _, start, end in spans):
                false_positives += 1
                if misses:
                    print("PII FALSE POSITIVE", row["id"], f.type, row["text"][f.start : f.end])
    return {
        "recall": round(sum(found.values()) / sum(total.values()), 3),
        "recall_by_type": {t: f"{found[t]}/{total[t]}" for t in sorted(total)},
        "false_positives": false_positives,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    print(json.dumps({"injection": injection(args.misses), "pii": pii(args.misses)}, indent=2))


if __name__ == "__main__":
    main()
