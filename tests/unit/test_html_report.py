"""The HTML view of `bank-assistant eval` reports: sections, embedded plots, deltas, escaping."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pytest

from assistant.evaluation.html_report import lower_is_better, render_html, write_html

SECTIONS = (
    "Summary",
    "Metrics by language",
    "Held-out answer set",
    "Understanding",
    "Handoff",
    "Latency",
    "Failures",
)


def _language_metrics(scale: float) -> dict[str, Any]:
    return {
        "questions": 6,
        "abstained_when_unanswerable": None,
        "abstained_when_answerable": round(0.1 * scale, 4),
        "numeric_accuracy": round(0.5 * scale, 4),
        "citation_validity": round(0.8 * scale, 4),
        "context_recall_by_id": round(0.9 * scale, 4),
        "semantic_similarity": round(0.85 * scale, 4),
        "bleu": round(0.1 * scale, 4),
    }


def _minimal_report() -> dict[str, Any]:
    return {
        "created": "2026-11-26T12:57:11",
        "answers": "extractive",
        "answer_quality": {"overall": {"questions": 2, "numeric_accuracy": 0.5}},
    }


def _intent_confusion(size: int) -> dict[str, Any]:
    labels = [f"intent_{i:02d}" for i in range(size)]
    matrix = [[10 if i == j else (i * j) % 3 for j in range(size)] for i in range(size)]
    return {"labels": labels, "matrix": matrix}


def _full_report() -> dict[str, Any]:
    cases = [
        {"id": f"q{i}", "timings_ms": {"total": 400.0 + 37 * i, "retrieve": 20.0 + i, "answer": 1.5}}
        for i in range(20)
    ]
    cases.append({"id": "no-timings"})
    return {
        "created": "2026-11-26T12:57:11",
        "answers": "extractive",
        "answer_quality": {
            "overall": _language_metrics(1.0),
            "by_language": {"en": _language_metrics(1.0), "zh": _language_metrics(0.9)},
            "latency_ms": {
                "answer": {"p50": 1.4, "p95": 2.2},
                "retrieve": {"p50": 25.3, "p95": 37.2},
                "total": {"p50": 653.7, "p95": 1570.0},
            },
            "cases": cases,
            "failures": [
                {
                    "id": "qa-en-001",
                    "question": "Is <script>alert('x')</script> & fees < 10 OK?",
                    "why": "figures missing",
                    "answer": "Here is what our documents say:\nThe fee is ¥10. [1]",
                    "reference_docs": ["current-account-en"],
                    "retrieved_doc_ids": ["credit-card-terms-en", "current-account-en"],
                }
            ],
        },
        "baseline": {
            "overall": _language_metrics(0.7),
            "by_language": {"en": _language_metrics(0.7), "zh": _language_metrics(0.6)},
        },
        "answer_quality_heldout": {
            "overall": _language_metrics(0.8),
            "by_language": {"en": _language_metrics(0.85), "zh": _language_metrics(0.75)},
            "description": "written by an author who never saw the evaluation set",
        },
        "understanding": {
            "intent": {
                "accuracy": 0.91,
                "by_language": {"en": 0.93, "zh": 0.89},
                "confusion": _intent_confusion(20),
            },
            "emotion": {
                "macro_f1": 0.8,
                "confusion": {
                    "labels": ["calm", "angry", "anxious"],
                    "matrix": [[9, 1, 0], [2, 7, 1], [0, 1, 8]],
                },
            },
        },
        "handoff": {
            "all": {"precision": 1.0, "recall": 0.9, "reason_accuracy": 1.0, "tp": 9, "fp": 0, "fn": 1},
            "en": {"precision": 1.0, "recall": 0.9, "reason_accuracy": 1.0, "tp": 9, "fp": 0, "fn": 1},
            "zh": {"precision": 0.0, "recall": 0.0, "reason_accuracy": 0.0, "tp": 0, "fp": 0, "fn": 0},
            "recall_by_reason": {"emotion": "2/2", "explicit_request": "4/5", "risk": 1.0},
            "misses": [{"id": "h1", "turn": "我要投诉", "expected": "emotion", "got": None, "detail": ""}],
        },
        "llm_judged": "skipped: no judge endpoint configured",
    }


@pytest.fixture(scope="module")
def full_html() -> str:
    report = _full_report()
    previous = copy.deepcopy(report)
    previous["created"] = "2026-11-20T09:00:00"
    previous["answer_quality"]["overall"]["numeric_accuracy"] = 0.75  # now 0.5: worse
    previous["answer_quality"]["overall"]["abstained_when_answerable"] = 0.3  # now 0.1: better
    return render_html(report, previous)


def _headings(page: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", page)


def test_minimal_report_renders_only_what_it_has() -> None:
    page = render_html(_minimal_report())
    assert page.startswith("<!DOCTYPE html>")
    assert _headings(page) == ["Summary"]
    assert "numeric_accuracy" in page
    assert "<img" not in page


def test_empty_report_still_renders() -> None:
    assert _headings(render_html({})) == []


def test_full_report_has_every_section_and_plots(full_html: str) -> None:
    assert _headings(full_html) == list(SECTIONS)
    assert full_html.count('src="data:image/png;base64,') >= 5
    assert "2026-11-20T09:00:00" in full_html  # the previous run's time in the header
    assert "<th>baseline</th>" in full_html
    assert "<th>held-out zh</th>" in full_html and "never saw the evaluation set" in full_html
    assert "15 labels with the most errors of 20" in full_html
    assert "No handoff cases for: zh." in full_html
    assert "http" not in full_html.replace("http-equiv", "")  # self-contained: no external assets
    assert not plt.get_fignums()  # every figure closed


def test_deltas_are_marked_better_or_worse(full_html: str) -> None:
    row = re.search(r"<tr><td[^>]*>numeric_accuracy</td>.*?</tr>", full_html)
    assert row and 'class="num worse"' in row.group(0)
    row = re.search(r"<tr><td[^>]*>abstained_when_answerable</td>.*?</tr>", full_html)
    assert row and 'class="num better"' in row.group(0)


def test_failure_text_is_escaped(full_html: str) -> None:
    assert "<script>" not in full_html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; fees &lt; 10 OK?" in full_html


def test_lower_is_better_rule() -> None:
    assert lower_is_better("abstained_when_answerable")
    assert lower_is_better("abstained_on_answerable")
    assert lower_is_better("latency_p95")
    assert lower_is_better("unsupported_claims")
    assert not lower_is_better("abstained_when_unanswerable")
    assert not lower_is_better("numeric_accuracy")


def test_latency_falls_back_to_percentile_bars_without_cases() -> None:
    report = _minimal_report()
    report["answer_quality"]["latency_ms"] = {"total": {"p50": 600.0, "p95": 1500.0}}
    page = render_html(report)
    assert "Latency" in _headings(page)
    assert 'alt="latency p50 and p95"' in page


def test_write_html_writes_next_to_the_json(tmp_path: Path) -> None:
    path = write_html(_minimal_report(), tmp_path / "20261126-125711")
    assert path == tmp_path / "20261126-125711" / "report.html"
    assert "<h1>Evaluation report</h1>" in path.read_text(encoding="utf-8")
