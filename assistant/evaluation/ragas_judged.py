"""Ragas metrics that need an LLM judge: faithfulness, answer relevancy, context precision and answer
correctness. They run only against a judge endpoint the operator configured (any OpenAI-compatible
server); without one they are reported as skipped, and no default remote model is ever called.
"""

from __future__ import annotations

import math
import os
from typing import Any

from assistant.retrieval.embedder import Embedder

os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")

JUDGED = {
    "faithfulness": "faithfulness",
    "answer_relevancy": "answer_relevancy",
    "llm_context_precision_with_reference": "context_precision",
    "answer_correctness": "answer_correctness",
}


def judge_model(base_url: str, model: str, api_key: str, timeout_s: float) -> Any:
    """A LangChain chat model for the judge, pointed only at the configured endpoint."""
    from langchain_openai import ChatOpenAI
    from ragas.llms import LangchainLLMWrapper

    chat = ChatOpenAI(base_url=base_url, model=model, api_key=api_key, temperature=0, timeout=timeout_s)  # type: ignore[arg-type]
    return LangchainLLMWrapper(chat)


def score_judged(rows: list[dict[str, Any]], judge: Any, embedder: Embedder) -> dict[str, Any]:
    """Mean score per metric over the rows the judge could score, with how many it could not."""
    from ragas import EvaluationDataset, evaluate
    from ragas.metrics import (
        AnswerCorrectness,
        Faithfulness,
        LLMContextPrecisionWithReference,
        ResponseRelevancy,
    )

    from assistant.evaluation.ragas_offline import ragas_embeddings

    embeddings = ragas_embeddings(embedder)
    result = evaluate(
        EvaluationDataset.from_list(rows),
        metrics=[
            Faithfulness(llm=judge),
            ResponseRelevancy(llm=judge, embeddings=embeddings),
            LLMContextPrecisionWithReference(llm=judge),
            AnswerCorrectness(llm=judge, embeddings=embeddings),
        ],
        show_progress=False,
        raise_exceptions=False,  # a judge that fails on one row leaves a gap, not a crashed run
        allow_nest_asyncio=False,
    )
    frame = result.to_pandas()  # type: ignore[union-attr]
    report: dict[str, Any] = {}
    for theirs, ours in JUDGED.items():
        values = [float(v) for v in frame.get(theirs, []) if v is not None and not math.isnan(float(v))]
        report[ours] = round(sum(values) / len(values), 4) if values else None
        report[f"{ours}_unscored"] = len(frame) - len(values)
    return report
