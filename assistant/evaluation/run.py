"""One evaluation run: our pipeline and the textbook baseline over the answer set, understanding on
the classification sets, handoff on the conversations, optional LLM-judged metrics; one report."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT, Settings
from assistant.container import Services
from assistant.evaluation.answers import (
    AnswerCase,
    CaseResult,
    answer_report,
    case_detail,
    failure_reason,
    judged_rows,
    load_cases,
    run_cases,
)
from assistant.evaluation.baseline import baseline_chain, run_baseline
from assistant.evaluation.handoff import handoff_report, load_conversations
from assistant.evaluation.sampling import spread
from assistant.evaluation.understanding import understanding_report

logger = logging.getLogger(__name__)

DATASETS = PROJECT_ROOT / "evals" / "datasets"
Advance = Callable[[str], None]
HELDOUT_DESCRIPTION = (
    "evals/datasets/answers/heldout.jsonl: written from the knowledge base alone by an author who never "
    "saw the evaluation set, the answerability training set or the code; nothing is trained or tuned on it"
)


def reference_contexts(services: Services) -> Callable[[AnswerCase], list[str]]:
    """The indexed text of each question's reference sections (for ragas' non-LLM context recall)."""
    chunks = services.index.chunks()

    def lookup(case: AnswerCase) -> list[str]:
        texts = []
        for ref in case.reference_docs:
            in_doc = [c for c in chunks if c.doc_id == ref.doc_id]
            in_section = [c for c in in_doc if ref.section and ref.section.lower() in c.section.lower()]
            texts += [c.text for c in (in_section or in_doc)]
        return texts

    return lookup


def _baseline_llm(services: Services, settings: Settings) -> Any | None:
    if settings.answers != "llm":
        return None
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.effective_llm_url(),
        model=settings.llm_model if settings.llm_base_url else "local",
        api_key=settings.llm_api_key.get_secret_value(),  # type: ignore[arg-type]
        temperature=settings.llm_temperature,
        max_completion_tokens=settings.llm_max_answer_tokens,
        timeout=settings.llm_timeout_s,
    )


def run_evaluation(
    services: Services, settings: Settings, limit: int | None, advance: Advance
) -> dict[str, Any]:
    cases = spread(load_cases(DATASETS / "answers" / "questions.jsonl"), limit)
    conversations = spread(load_conversations(DATASETS / "handoff" / "conversations.jsonl"), limit)
    use_llm = settings.answers == "llm"
    references = reference_contexts(services)

    ours = run_cases(services.pipeline, cases, use_llm, lambda: advance("pipeline"))
    report: dict[str, Any] = {
        "created": datetime.now().isoformat(timespec="seconds"),
        "answers": settings.answers,
        "answer_quality": answer_report(ours, services.embedder, references),
    }
    report["answer_quality"]["cases"] = [case_detail(r) for r in ours]
    heldout = spread(load_cases(DATASETS / "answers" / "heldout.jsonl"), limit)
    unseen = run_cases(services.pipeline, heldout, use_llm, lambda: advance("held-out"))
    report["answer_quality_heldout"] = answer_report(unseen, services.embedder, references) | {
        "description": HELDOUT_DESCRIPTION
    }

    chain = baseline_chain(services.vectors, services.embedder, _baseline_llm(services, settings))
    baseline = run_baseline(chain, cases, lambda: advance("baseline"))
    report["baseline"] = answer_report(baseline, services.embedder, references)
    report["baseline"]["description"] = "LangChain: Chroma similarity top-4, stuff prompt, " + (
        "the same LLM" if use_llm else "no LLM (answers with its top passage)"
    )
    understander = services.understander
    if understander is not None:
        report["understanding"] = _section(
            lambda: understanding_report(understander, services.embedder, DATASETS, limit)
        )
    report["handoff"] = _section(lambda: handoff_report(services.pipeline, conversations, use_llm))
    report["llm_judged"] = _section(lambda: judged_metrics(services, settings, ours, references))
    return report


def _section(measure: Callable[[], Any]) -> Any:
    """A part of the report, or why it could not be measured: the report is written either way, and
    the gate counts its metrics as not measured."""
    try:
        return measure()
    except Exception as exc:
        logger.exception("An evaluation section failed; reporting it and going on")
        return {"failed": failure_reason(exc)}


def judged_metrics(
    services: Services,
    settings: Settings,
    results: list[CaseResult],
    references: Callable[[AnswerCase], list[str]],
) -> dict[str, Any] | str:
    if not settings.judge_base_url:
        return "skipped: no judge endpoint configured (BANK_ASSISTANT_JUDGE_BASE_URL)"
    from assistant.evaluation.ragas_judged import judge_model, score_judged

    judge = judge_model(
        settings.judge_base_url,
        settings.judge_model,
        settings.judge_api_key.get_secret_value(),
        settings.llm_timeout_s,
    )
    return {
        "judge": settings.judge_model,
        **score_judged(judged_rows(results, references), judge, services.embedder),
    }


def previous_report(folder: Path) -> dict[str, Any] | None:
    """The newest other report beside ``folder``, to compare against."""
    others = sorted(p for p in folder.parent.glob("*/report.json") if p.parent != folder)
    return json.loads(others[-1].read_text(encoding="utf-8")) if others else None


def report_folder(out: Path | None) -> Path:
    return out or PROJECT_ROOT / "evals" / "reports" / datetime.now().strftime("%Y%m%d-%H%M%S")
