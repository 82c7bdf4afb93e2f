"""Retrieval quality and speed on the hand-written question sets in evals/datasets/retrieval/.

hit@k: the reference document is among the top-k retrieved chunks' documents. Also reports MRR,
section hit@k, and per-stage latency (p50/p95). Usage:
    .venv/bin/python -m evals.bench_retrieval [--k 5] [--embedder e5-multilingual|minilm-en] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from assistant.config import Settings
from assistant.container import Services
from assistant.lang import detect_lang

DATASETS = Path(__file__).parent / "datasets" / "retrieval"


def load_questions() -> list[dict]:
    return [
        json.loads(line) for path in sorted(DATASETS.glob("*.jsonl")) for line in path.open(encoding="utf-8")
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--embedder", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    if args.embedder:
        settings = settings.model_copy(update={"embedder": args.embedder})
    services = Services(settings)
    services.ensure_knowledge_indexed()
    retriever = services.retriever
    questions = load_questions()
    by_lang: dict[str, list[float]] = {}
    misses = []
    reciprocal_ranks, section_hits, latencies = [], [], []
    stage_ms: dict[str, list[float]] = {}
    retriever.retrieve("warm up", lang="en")
    for q in questions:
        started = time.perf_counter()
        result = retriever.retrieve(q["question"], lang=detect_lang(q["question"]), top_k=args.k)
        latencies.append((time.perf_counter() - started) * 1000)
        for stage, ms in result.timings_ms.items():
            stage_ms.setdefault(stage, []).append(ms)
        docs = [hit.chunk.doc_id for hit in result.chunks]
        hit = q["doc_id"] in docs
        by_lang.setdefault(q["lang"], []).append(float(hit))
        reciprocal_ranks.append(1.0 / (docs.index(q["doc_id"]) + 1) if hit else 0.0)
        section_hits.append(
            float(
                any(h.chunk.doc_id == q["doc_id"] and q["section"] in h.chunk.section for h in result.chunks)
            )
        )
        if not hit:
            misses.append({"id": q["id"], "question": q["question"], "expected": q["doc_id"], "got": docs})
    all_hits = [h for hits in by_lang.values() for h in hits]
    report = {
        "embedder": services.embedder.name,
        "questions": len(questions),
        f"hit@{args.k}": round(statistics.mean(all_hits), 4),
        **{f"hit@{args.k}_{lang}": round(statistics.mean(h), 4) for lang, h in sorted(by_lang.items())},
        "mrr": round(statistics.mean(reciprocal_ranks), 4),
        f"section_hit@{args.k}": round(statistics.mean(section_hits), 4),
        "latency_ms": {
            "p50": round(percentile(latencies, 0.5), 2),
            "p95": round(percentile(latencies, 0.95), 2),
        },
        "stage_ms_p50": {k: round(percentile(v, 0.5), 2) for k, v in stage_ms.items()},
        "misses": misses,
    }
    print(json.dumps(report, ensure_ascii=False, indent=2 if not args.json else None))


if __name__ == "__main__":
    main()
