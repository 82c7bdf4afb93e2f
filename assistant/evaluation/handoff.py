"""Handoff precision and recall per turn, on conversations with an expected decision for each turn.

A turn is a true positive when a handoff was expected and made; the reason is scored separately
(the expected code or one of the turn's "also" codes). Per conversation: of those that need a person,
how many got one on some turn; of those that don't, how many were handed off anyway.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from assistant.pipeline import Pipeline


def load_conversations(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def handoff_report(
    pipeline: Pipeline, conversations: list[dict[str, Any]], use_llm: bool = False
) -> dict[str, Any]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    by_reason: dict[str, Counter[str]] = defaultdict(Counter)
    misses = []
    whole: dict[str, Counter[str]] = defaultdict(Counter)
    for conversation in conversations:
        conversation_id = f"eval-{uuid.uuid4().hex}"
        needs_person = any(e["handoff"] for e in conversation["expected"])
        handed_off = False
        for turn, expected in zip(conversation["turns"], conversation["expected"], strict=True):
            got = pipeline.ask(turn, conversation_id, use_llm=use_llm).handoff
            handed_off = handed_off or got.decision
            accepted = {expected["reason"], *expected.get("also", [])}
            for scope in ("all", conversation["lang"]):
                c = counts[scope]
                c["tp"] += expected["handoff"] and got.decision
                c["fp"] += (not expected["handoff"]) and got.decision
                c["fn"] += expected["handoff"] and not got.decision
                c["reason_ok"] += expected["handoff"] and got.decision and got.reason in accepted
            if expected["handoff"]:
                by_reason[expected["reason"]]["expected"] += 1
                by_reason[expected["reason"]]["found"] += got.decision
            if got.decision != expected["handoff"] or (got.decision and got.reason not in accepted):
                misses.append(
                    {
                        "id": conversation["id"],
                        "turn": turn,
                        "expected": expected["reason"] if expected["handoff"] else None,
                        "got": got.reason,
                        "detail": got.detail,
                    }
                )
        for scope in ("all", conversation["lang"]):
            w = whole[scope]
            w["needing"] += needs_person
            w["reached"] += needs_person and handed_off
            w["not_needing"] += not needs_person
            w["false"] += (not needs_person) and handed_off
    report: dict[str, Any] = {}
    for scope in ("all", "en", "zh"):
        c, w = counts[scope], whole[scope]
        report[scope] = {
            "precision": round(c["tp"] / max(1, c["tp"] + c["fp"]), 3),
            "recall": round(c["tp"] / max(1, c["tp"] + c["fn"]), 3),
            "reason_accuracy": round(c["reason_ok"] / max(1, c["tp"]), 3),
            "tp": c["tp"],
            "fp": c["fp"],
            "fn": c["fn"],
            "conversations_reached": f"{w['reached']}/{w['needing']}",
            "conversation_recall": round(w["reached"] / max(1, w["needing"]), 3),
            "false_handoff_conversations": f"{w['false']}/{w['not_needing']}",
            "false_handoff_rate": round(w["false"] / max(1, w["not_needing"]), 3),
        }
    report["recall_by_reason"] = {r: f"{c['found']}/{c['expected']}" for r, c in sorted(by_reason.items())}
    report["misses"] = misses
    return report
