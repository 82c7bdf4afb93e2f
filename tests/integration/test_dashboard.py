"""The dashboard: live analytics from real turns, ratings and funnel events; reports compared and a
failing question drilled into."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.analytics import live_analytics
from assistant.config import Settings
from assistant.container import Services
from ui.dashboard import case_markdown, check_login, comparison_table, failing_cases, report_folders

pytestmark = pytest.mark.slow


def test_live_analytics_count_conversations_containment_handoffs_funnel_and_csat(
    kb_services, kb_data_dir, tmp_path
):
    settings = Settings(
        data_dir=kb_data_dir, answers="extractive", database=f"sqlite:///{tmp_path / 'a.db'}", _env_file=None
    )  # type: ignore[call-arg]
    services = Services(settings, embedder=kb_services.embedder)
    ask = services.pipeline.ask
    ask(
        "Is there a foreign transaction fee when I pay by card abroad?",
        "a",
        use_llm=False,
        customer_id="C004",
    )
    ask("What is the gold card annual fee?", "b", use_llm=False)
    ask("I want to speak to a person", "c", use_llm=False)
    services.ratings.rate("a", 5, "quick and clear")
    services.ratings.rate("c", 2)
    with pytest.raises(ValueError):
        services.ratings.rate("c", 9)

    stats = live_analytics(services.database, days=1)
    assert (stats.conversations, stats.turns, stats.handed_off) == (3, 3, 1)
    assert stats.containment == pytest.approx(2 / 3, abs=1e-3)
    assert stats.handoff_reasons == {"explicit_request": 1}
    assert sum(sum(day.values()) for day in stats.intents_by_day.values()) == 3
    assert stats.funnel and stats.funnel[0]["shown"] == 1
    assert (stats.csat_responses, stats.csat_average, stats.csat_satisfied) == (2, 3.5, 0.5)


def _report(abstained: float, failing_question: str) -> dict:
    metrics = {"en": {"abstained_when_unanswerable": abstained, "chrf": 0.3}, "zh": {"chrf": 0.2}}
    case = {
        "id": "q1", "lang": "en", "kind": "numeric", "question": failing_question, "answerable": True,
        "reference_answer": "¥300", "reference_docs": ["credit-card-gold-en"], "answer": "I don't know",
        "answer_kind": "abstained", "abstained": True, "cited_doc_ids": [], "reference_retrieved": False,
        "retrieved": [{"doc_id": "fee-schedule-en", "text": "Fees", "is_reference": False}],
        "figures_ok": None, "failure": "abstained on an answerable question", "timings_ms": {"total": 30.0},
    }  # fmt: skip
    return {
        "answer_quality": {"by_language": metrics, "cases": [case]},
        "baseline": {"by_language": {"en": {"chrf": 0.1}}},
    }


def test_reports_compare_side_by_side_and_a_failure_says_whether_retrieval_or_generation_failed(tmp_path):
    for name, report in (
        ("20261101-100000", _report(0.1, "old")),
        ("20261126-100000", _report(0.5, "<b>Gold?</b>")),
    ):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.json").write_text(json.dumps(report), encoding="utf-8")
    assert report_folders(tmp_path) == ["20261126-100000", "20261101-100000"]
    latest = json.loads((tmp_path / "20261126-100000" / "report.json").read_text(encoding="utf-8"))
    previous = json.loads((tmp_path / "20261101-100000" / "report.json").read_text(encoding="utf-8"))
    table = comparison_table(latest, previous).set_index("metric")
    assert table.loc["abstained_when_unanswerable", "latest ours en"] == 0.5
    assert table.loc["abstained_when_unanswerable", "previous ours en"] == 0.1
    assert table.loc["chrf", "latest baseline en"] == 0.1
    choices = failing_cases(latest)
    assert [value for _, value in choices] == ["q1"]
    detail = case_markdown(latest, "q1")
    assert (
        "Retrieval failed" in detail and "&lt;b&gt;Gold?&lt;/b&gt;" in detail and "fee-schedule-en" in detail
    )


def test_the_dashboard_needs_a_staff_login_with_an_editor_or_approver_role():
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert check_login(settings, "approver", "approver") == "approver"
    assert check_login(settings, "admin", "admin") == "admin"
    assert check_login(settings, "agent", "agent") is None
    assert check_login(settings, "approver", "wrong") is None


def test_report_folders_ignore_folders_without_a_report(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    assert report_folders(tmp_path) == []
