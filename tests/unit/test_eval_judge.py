"""LLM-judged metrics run only against the judge the operator configured, never a default one."""

from __future__ import annotations

from types import SimpleNamespace

from assistant.config import Settings
from assistant.evaluation import ragas_judged, run


def test_without_a_judge_the_llm_metrics_are_skipped():
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    report = run.judged_metrics(SimpleNamespace(embedder=None), settings, [], lambda case: [])  # type: ignore[arg-type]
    assert isinstance(report, str) and report.startswith("skipped")


def test_a_configured_judge_is_the_one_used(monkeypatch):
    built = []
    monkeypatch.setattr(
        ragas_judged, "judge_model", lambda url, model, key, timeout: built.append((url, model, key))
    )
    monkeypatch.setattr(ragas_judged, "score_judged", lambda rows, judge, embedder: {"faithfulness": 0.9})
    settings = Settings(
        judge_base_url="http://judge.bank.internal/v1",
        judge_model="qwen2.5-72b",
        judge_api_key="k",
        _env_file=None,
    )  # type: ignore[call-arg]
    report = run.judged_metrics(SimpleNamespace(embedder=None), settings, [], lambda case: [])  # type: ignore[arg-type]
    assert built == [("http://judge.bank.internal/v1", "qwen2.5-72b", "k")]
    assert report == {"judge": "qwen2.5-72b", "faithfulness": 0.9}
