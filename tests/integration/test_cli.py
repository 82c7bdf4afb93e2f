"""The command-line contracts, run as a user would run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
CLI = [sys.executable, "-m", "assistant.cli"]


def run_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BANK_ASSISTANT_DATA_DIR": str(data_dir)}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=600, check=False)


@pytest.mark.parametrize(
    ("question", "lang", "doc_id"),
    [
        ("What is the annual fee of the platinum credit card?", "en", "credit-card-platinum-en"),
        ("白金信用卡年費多少？", "zh", "credit-card-platinum-zh"),
    ],
)
def test_ask_json_contract(kb_data_dir: Path, question: str, lang: str, doc_id: str) -> None:
    done = run_cli("ask", question, "--json", "--answers", "extractive", data_dir=kb_data_dir)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert {"answer", "lang", "abstained", "citations", "timings_ms"} <= set(payload)
    assert payload["lang"] == lang and payload["abstained"] is False
    assert "1,200" in payload["answer"]
    assert any(c["doc_id"] == doc_id and c["section"] and c["version"] >= 1 for c in payload["citations"])
    assert payload["timings_ms"]["total"] > 0 and "retrieve" in payload["timings_ms"]


def test_ingest_reports_bad_files_and_keeps_going(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.md").write_text("---\ndoc_id: good\nlang: en\n---\n# Good\n\n## Fees\n\nThe fee is ¥5.\n")
    (docs / "empty.md").write_text("")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    (docs / "latin1.txt").write_bytes("caf\xe9 menu".encode("latin-1"))
    done = run_cli("ingest", str(docs), "--json", data_dir=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["added"] == ["good"]
    reasons = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    assert set(reasons) == {"empty.md", "broken.pdf", "latin1.txt"}
    assert "UTF-8" in reasons["latin1.txt"] and "empty" in reasons["empty.md"]
    again = run_cli("ingest", str(docs), data_dir=tmp_path / "data")
    assert again.stdout.startswith("No changes")


def test_eval_runs_offline_writes_a_json_report_and_passes_the_gate(
    kb_data_dir: Path, tmp_path: Path
) -> None:
    """The offline gate CI relies on: 60 questions spread over the answer set (every language and kind),
    the handoff conversations and the classification sets, against evals/thresholds.yaml."""
    done = run_cli(
        "eval", "--answers", "extractive", "--limit", "60", "--out", str(tmp_path / "report"),
        "--json", "--gate", data_dir=kb_data_dir,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert report == json.loads(done.stdout)
    overall = report["answer_quality"]["overall"]
    assert overall["questions"] == 60
    for metric in ("context_recall_by_id", "chrf", "bleu", "semantic_similarity", "numeric_accuracy"):
        assert 0.0 <= overall[metric] <= 1.0, metric
    assert set(report["answer_quality"]["by_language"]) == {"en", "zh"}
    assert {"precision", "recall"} <= set(report["handoff"]["all"])
    assert report["llm_judged"].startswith("skipped")
    assert {"p50", "p95"} <= set(report["answer_quality"]["latency_ms"]["total"])
    assert len(report["answer_quality"]["cases"]) == 60  # for the dashboard's drill-down
    heldout = report["answer_quality_heldout"]  # the independent set, gated too
    assert heldout["overall"]["questions"] == 60 and set(heldout["by_language"]) == {"en", "zh"}
    assert {c["lang"] for c in report["answer_quality"]["cases"]} == {"en", "zh"}
    assert (
        report["baseline"]["overall"]["questions"] == 60 and "LangChain" in report["baseline"]["description"]
    )
    assert 0.0 <= report["understanding"]["intent"]["accuracy"] <= 1.0
    assert 0.0 <= report["understanding"]["emotion"]["macro_f1"] <= 1.0
    assert "<img" in (tmp_path / "report" / "report.html").read_text(encoding="utf-8")


def test_the_eval_gate_fails_when_a_metric_is_below_its_floor(kb_data_dir: Path, tmp_path: Path) -> None:
    strict = tmp_path / "thresholds.yaml"
    strict.write_text(
        "answer_quality:\n  semantic_similarity: {min: 0.999}\nhandoff:\n  recall: {min: 0.0}\n"
    )
    done = run_cli(
        "eval", "--answers", "extractive", "--limit", "4", "--out", str(tmp_path / "r"), "--gate",
        "--thresholds", str(strict), data_dir=kb_data_dir,
    )  # fmt: skip
    assert done.returncode == 1
    assert "semantic_similarity" in done.stderr and "recall" not in done.stderr
