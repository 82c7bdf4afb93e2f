"""The eval gate: compare a report's overall metrics with the floors and ceilings in a YAML file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def gate_failures(report: dict[str, Any], thresholds_path: Path) -> list[str]:
    """One line per metric outside its bound; a metric missing from the report fails too."""
    thresholds = yaml.safe_load(thresholds_path.read_text(encoding="utf-8"))
    sections = {
        "answer_quality": report.get("answer_quality", {}).get("overall", {}),
        "answer_quality_heldout": report.get("answer_quality_heldout", {}).get("overall", {}),
        "handoff": report.get("handoff", {}).get("all", {}),
        "understanding": {
            "intent_accuracy": report.get("understanding", {}).get("intent", {}).get("accuracy"),
            "emotion_macro_f1": report.get("understanding", {}).get("emotion", {}).get("macro_f1"),
        },
    }
    failures = []
    for section, bounds in thresholds.items():
        measured = sections.get(section, {})
        for metric, limit in bounds.items():
            value = measured.get(metric)
            if value is None:
                failures.append(f"{section}.{metric}: not measured")
            elif "min" in limit and value < limit["min"]:
                failures.append(f"{section}.{metric} = {value} < {limit['min']}")
            elif "max" in limit and value > limit["max"]:
                failures.append(f"{section}.{metric} = {value} > {limit['max']}")
    return failures
