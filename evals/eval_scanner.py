"""The upload scanner on evals/datasets/documents and on the real knowledge base.

A poisoned case counts as detected when the scanner quarantines it (any ``block`` finding); a benign
case counts as a false positive when it is quarantined (``warn`` findings are allowed). Rates are given
per language and per technique. Every file in knowledge/docs is scanned too: those are approved
documents, so any blocking finding there is a false positive.

The cases were written alongside the scanner's phrase patterns, so the dataset rates overstate how
well it catches an instruction worded in a way nobody wrote down; the misses listed are such wordings.

Usage: .venv/bin/python -m evals.eval_scanner [--json]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.config import PROJECT_ROOT
from assistant.ingest.loaders import SUPPORTED_SUFFIXES
from assistant.ingest.scanner import scan_document

DATA = PROJECT_ROOT / "evals" / "datasets" / "documents" / "cases.jsonl"
KNOWLEDGE = PROJECT_ROOT / "knowledge" / "docs"


def load_cases() -> list[dict]:
    return [json.loads(line) for line in DATA.open(encoding="utf-8") if line.strip()]


def _rate(outcomes: list[bool]) -> float:
    return round(sum(outcomes) / len(outcomes), 3)


@dataclass
class DatasetResult:
    poisoned: int
    benign: int
    detection: dict[str, float]  # by "all", language, and "technique:<name>"
    false_positives: dict[str, float]
    poisoned_cases: dict[str, int]  # how many cases each rate is measured on
    benign_cases: dict[str, int]
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)


@dataclass
class KnowledgeResult:
    files: int
    blocked: dict[str, str]  # file -> scan summary; each one is a false positive
    warnings: dict[str, int]


def evaluate_cases(cases: list[dict]) -> DatasetResult:
    """Detection over poisoned cases and false positives over benign ones, overall and by scope."""
    detected: dict[str, list[bool]] = defaultdict(list)
    false_positives: dict[str, list[bool]] = defaultdict(list)
    misses: list[str] = []
    false_alarms: list[str] = []
    for case in cases:
        report = scan_document(case["content"].encode("utf-8"), case["suffix"])
        outcomes = detected if case["expected_quarantine"] else false_positives
        for scope in ("all", case["lang"], f"technique:{case['technique']}"):
            outcomes[scope].append(report.quarantined)
        if case["expected_quarantine"] and not report.quarantined:
            misses.append(f"{case['id']} [{case['technique']}] {case['content'][:90]!r}")
        if not case["expected_quarantine"] and report.quarantined:
            false_alarms.append(f"{case['id']} [{case['technique']}] {report.summary()}")
    return DatasetResult(
        poisoned=len(detected["all"]),
        benign=len(false_positives["all"]),
        detection={scope: _rate(v) for scope, v in sorted(detected.items())},
        false_positives={scope: _rate(v) for scope, v in sorted(false_positives.items())},
        poisoned_cases={scope: len(v) for scope, v in sorted(detected.items())},
        benign_cases={scope: len(v) for scope, v in sorted(false_positives.items())},
        misses=misses,
        false_alarms=false_alarms,
    )


def knowledge_files() -> list[Path]:
    return sorted(p for p in KNOWLEDGE.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)


def evaluate_knowledge() -> KnowledgeResult:
    """Blocking findings (false positives) and warnings on the approved knowledge base."""
    blocked: dict[str, str] = {}
    warnings: dict[str, int] = {}
    files = knowledge_files()
    for path in files:
        report = scan_document(path.read_bytes(), path.suffix)
        name = str(path.relative_to(KNOWLEDGE))
        if report.quarantined:
            blocked[name] = report.summary()
        elif report.findings:
            warnings[name] = len(report.findings)
    return KnowledgeResult(files=len(files), blocked=blocked, warnings=warnings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args()
    dataset, knowledge = evaluate_cases(load_cases()), evaluate_knowledge()
    if args.json:
        report = {"dataset": asdict(dataset), "knowledge_base": asdict(knowledge)}
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print(f"Dataset: {dataset.poisoned} poisoned, {dataset.benign} benign cases")
    for title, rates, cases in (
        ("Detection rate", dataset.detection, dataset.poisoned_cases),
        ("False-positive rate", dataset.false_positives, dataset.benign_cases),
    ):
        print(f"\n{title}:")
        for scope, value in rates.items():
            print(f"  {scope:<45} {value:6.1%}  of {cases[scope]}")
    for title, rows in (("Missed", dataset.misses), ("False positives", dataset.false_alarms)):
        print(f"\n{title} ({len(rows)}):")
        for row in rows:
            print(f"  {row}")
    print(f"\nKnowledge base: {knowledge.files} files, {len(knowledge.blocked)} blocked")
    for name, summary in knowledge.blocked.items():
        print(f"  BLOCKED {name}: {summary}")
    for name, count in knowledge.warnings.items():
        print(f"  warned  {name}: {count} warning(s)")


if __name__ == "__main__":
    main()
