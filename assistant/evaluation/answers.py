"""Answer quality over evals/datasets/answers: run the real pipeline, then score what it did.

Ragas supplies the metrics that need no LLM (reference-id context recall and precision, chrF,
semantic similarity with our own embedder); BLEU comes from sacrebleu directly because ragas splits
English references on ". " and scores multi-sentence answers wrongly. Our own metrics say what a bank
asks first: does it abstain when the documents don't say, does it answer when they do, are the
figures right, and do its citations point at the right documents.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from assistant.domain import Lang
from assistant.pipeline import Pipeline
from assistant.retrieval.embedder import Embedder
from assistant.stages.figures import numeric_values


class ReferenceDoc(BaseModel):
    doc_id: str
    section: str


class AnswerCase(BaseModel):
    id: str
    lang: Lang
    question: str
    answerable: bool
    reference_answer: str
    reference_docs: list[ReferenceDoc]
    kind: str
    numbers: list[str] = []


class CaseResult(BaseModel):
    case: AnswerCase
    answer: str
    answer_kind: str
    abstained: bool
    cited_doc_ids: list[str]
    retrieved_doc_ids: list[str]
    retrieved_texts: list[str]
    # Documents in the order a wider search (RANKING_DEPTH passages) ranks them: hit@k and MRR.
    ranked_doc_ids: list[str] = []
    timings_ms: dict[str, float]
    # Why this row could not run as intended (the LLM went away mid-run, ...): it is kept, degraded.
    failure: str | None = None


def load_cases(path: Path) -> list[AnswerCase]:
    return [AnswerCase.model_validate_json(line) for line in path.open(encoding="utf-8") if line.strip()]


RANKING_DEPTH = 10
HIT_AT = (1, 3, 5, 10)


def equivalent_docs(doc_ids: Iterable[str]) -> set[str]:
    """The documents and their twins in the other language (``x-en`` / ``x-zh``): the answer set's
    rule is that the facts are the same in both, so citing or retrieving either one is right."""
    twins = {"-en": "-zh", "-zh": "-en"}
    found = set(doc_ids)
    for doc_id in list(found):
        suffix = doc_id[-3:]
        if suffix in twins:
            found.add(doc_id[:-3] + twins[suffix])
    return found


def run_cases(
    pipeline: Pipeline, cases: Iterable[AnswerCase], use_llm: bool, advance: Callable[[], None] = lambda: None
) -> list[CaseResult]:
    results = []
    for number, case in enumerate(cases):
        try:
            results.append(_run_case(pipeline, number, case, use_llm))
        except Exception as exc:  # an evaluation reports a row that failed, it does not stop
            results.append(failed_case(case, exc))
        advance()
    return results


def _run_case(pipeline: Pipeline, number: int, case: AnswerCase, use_llm: bool) -> CaseResult:
    turn = pipeline.ask(case.question, f"eval-{number}-{case.id}", use_llm=use_llm)
    ranking = pipeline.retriever.retrieve(case.question, lang=turn.lang, top_k=RANKING_DEPTH)
    return CaseResult(
        case=case,
        answer=turn.answer.text,
        answer_kind=turn.answer.kind,
        abstained=turn.answer.abstained,
        cited_doc_ids=[c.doc_id for c in turn.answer.citations],
        retrieved_doc_ids=[hit.chunk.doc_id for hit in turn.retrieved],
        retrieved_texts=[hit.chunk.text for hit in turn.retrieved],
        ranked_doc_ids=list(dict.fromkeys(hit.chunk.doc_id for hit in ranking.chunks)),
        timings_ms=turn.timings_ms,
    )


def failed_case(case: AnswerCase, exc: Exception) -> CaseResult:
    """A row that could not run: no answer, counted as wrong, with the reason."""
    return CaseResult(
        case=case,
        answer="",
        answer_kind="failed",
        abstained=False,
        cited_doc_ids=[],
        retrieved_doc_ids=[],
        retrieved_texts=[],
        timings_ms={},
        failure=failure_reason(exc),
    )


def failure_reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def has_numbers(answer: str, numbers: list[str]) -> bool:
    """Every expected figure is in the answer, compared by value ('¥1,200' ~ '1200', '15万' ~ '150000')."""
    expected = set().union(*(numeric_values(n) for n in numbers)) if numbers else set()
    return expected <= numeric_values(answer)


def _mean(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 4) if values else None


def own_metrics(results: list[CaseResult]) -> dict[str, Any]:
    answerable = [r for r in results if r.case.answerable]
    unanswerable = [r for r in results if not r.case.answerable]
    answered = [r for r in answerable if not r.abstained]
    numeric = [r for r in answered if r.case.numbers]
    cited = [r for r in answered if r.cited_doc_ids]

    return {
        "questions": len(results),
        "abstained_when_unanswerable": _mean([float(r.abstained) for r in unanswerable]),
        "abstained_when_answerable": _mean([float(r.abstained) for r in answerable]),
        # Of the answers given, those whose figures are all there (numbers compared without separators).
        "numeric_accuracy": _mean([float(has_numbers(r.answer, r.case.numbers)) for r in numeric]),
        # Of the answers with citations, those citing at least one reference document.
        "citation_validity": _mean([float(bool(set(r.cited_doc_ids) & _references(r.case))) for r in cited]),
        # Of the answerable questions, those with a reference document among the passages used.
        "reference_doc_retrieved": _mean(
            [float(bool(set(r.retrieved_doc_ids) & _references(r.case))) for r in answerable]
        ),
    }


def _references(case: AnswerCase) -> set[str]:
    return equivalent_docs(d.doc_id for d in case.reference_docs)


def _first_reference_rank(result: CaseResult) -> int | None:
    references = _references(result.case)
    return next((n for n, d in enumerate(result.ranked_doc_ids, start=1) if d in references), None)


def retrieval_metrics(results: list[CaseResult]) -> dict[str, Any]:
    """Document hit@k and MRR of a wider search, on answerable questions, overall and per kind."""

    def scores(subset: list[CaseResult]) -> dict[str, float | None]:
        ranks = [_first_reference_rank(r) for r in subset]
        hits = {
            f"retrieval_hit@{k}": _mean([float(rank is not None and rank <= k) for rank in ranks])
            for k in HIT_AT
        }
        return hits | {"retrieval_mrr": _mean([1.0 / rank if rank else 0.0 for rank in ranks])}

    answerable = [r for r in results if r.case.answerable and r.ranked_doc_ids]
    if not answerable:
        return {}
    kinds = sorted({r.case.kind for r in answerable})
    return scores(answerable) | {
        "retrieval_by_kind": {kind: scores([r for r in answerable if r.case.kind == kind]) for kind in kinds}
    }


References = Callable[[AnswerCase], list[str]]


def ragas_metrics(results: list[CaseResult], embedder: Embedder, references: References) -> dict[str, Any]:
    """Reference-id context recall/precision, non-LLM context recall against the reference sections'
    text, chrF, BLEU and semantic similarity, on answerable questions."""
    import sacrebleu

    from assistant.evaluation.ragas_offline import score_offline

    answerable = [r for r in results if r.case.answerable]
    if not answerable:
        return {}
    rows = [
        {
            "user_input": r.case.question,
            "response": r.answer,
            "reference": r.case.reference_answer,
            "retrieved_contexts": r.retrieved_texts or [""],
            "retrieved_context_ids": r.retrieved_doc_ids or ["none"],
            "reference_context_ids": [d.doc_id for d in r.case.reference_docs],
            "reference_contexts": references(r.case) or [r.case.reference_answer],
        }
        for r in answerable
    ]
    scores = score_offline(rows, embedder)
    bleu = [
        sacrebleu.sentence_bleu(r.answer, [r.case.reference_answer], tokenize="zh").score / 100
        for r in answerable
    ]
    return {name: _mean(values) for name, values in scores.items()} | {"bleu": _mean(bleu)}


def latency(results: list[CaseResult]) -> dict[str, dict[str, float]]:
    stages = sorted({stage for r in results for stage in r.timings_ms})
    report = {}
    for stage in stages:
        values = [r.timings_ms[stage] for r in results if stage in r.timings_ms]
        report[stage] = {
            "p50": round(float(np.percentile(values, 50)), 1),
            "p95": round(float(np.percentile(values, 95)), 1),
        }
    return report


def answer_report(results: list[CaseResult], embedder: Embedder, references: References) -> dict[str, Any]:
    by_lang: dict[str, Any] = {}
    for lang in ("en", "zh"):
        subset = [r for r in results if r.case.lang == lang]
        if subset:
            by_lang[lang] = (
                own_metrics(subset) | ragas_metrics(subset, embedder, references) | retrieval_metrics(subset)
            )
    return {
        "overall": own_metrics(results)
        | ragas_metrics(results, embedder, references)
        | retrieval_metrics(results),
        "by_language": by_lang,
        "latency_ms": latency(results),
        "failures": [failure(r) for r in results if failure(r)],
        # Rows that could not run as intended (an LLM that went away mid-run) and why: kept, degraded.
        "degraded_rows": [{"id": r.case.id, "reason": r.failure} for r in results if r.failure],
    }


def failure(r: CaseResult) -> dict[str, Any] | None:
    """Why a question counts as failed, with what was retrieved (retrieval or generation?), or None."""
    why: str | None
    if r.answer_kind == "failed":
        why = f"could not run: {r.failure}"
    elif not r.case.answerable:
        why = None if r.abstained else "answered a question the documents do not answer"
    elif r.abstained:
        why = "abstained on an answerable question"
    else:
        why = "figures missing" if r.case.numbers and not has_numbers(r.answer, r.case.numbers) else None
    if why is None:
        return None
    return {
        "id": r.case.id,
        "question": r.case.question,
        "why": why,
        "answer": r.answer,
        "reference_docs": [d.doc_id for d in r.case.reference_docs],
        "retrieved_doc_ids": r.retrieved_doc_ids,
    }


def case_detail(r: CaseResult) -> dict[str, Any]:
    """One question as the dashboard's drill-down shows it: did retrieval or generation fail?"""
    references = _references(r.case)
    return {
        "id": r.case.id,
        "lang": r.case.lang,
        "kind": r.case.kind,
        "question": r.case.question,
        "answerable": r.case.answerable,
        "reference_answer": r.case.reference_answer,
        "reference_docs": sorted(d.doc_id for d in r.case.reference_docs),
        "answer": r.answer,
        "answer_kind": r.answer_kind,
        "abstained": r.abstained,
        "cited_doc_ids": r.cited_doc_ids,
        "retrieved": [
            {"doc_id": doc_id, "text": text[:600], "is_reference": doc_id in references}
            for doc_id, text in zip(r.retrieved_doc_ids, r.retrieved_texts, strict=False)
        ],
        "reference_retrieved": bool(references & set(r.retrieved_doc_ids)),
        "figures_ok": has_numbers(r.answer, r.case.numbers) if r.case.numbers else None,
        "failure": (failure(r) or {}).get("why"),
        "timings_ms": {k: round(v, 1) for k, v in r.timings_ms.items()},
    }


def judged_rows(results: list[CaseResult], references: References) -> list[dict[str, Any]]:
    """Answerable questions in the shape ragas' LLM-judged metrics read."""
    return [
        {
            "user_input": r.case.question,
            "response": r.answer,
            "reference": r.case.reference_answer,
            "retrieved_contexts": r.retrieved_texts or [""],
            "reference_contexts": references(r.case) or [r.case.reference_answer],
        }
        for r in results
        if r.case.answerable
    ]


def write_report(report: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "report.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
