"""Keyword search at scale: the shared index (assistant/retrieval/lexical.py) against rank_bm25 in process.

Synthetic chunks are made of the knowledge base's own sentences (3-8 drawn at random, half English,
half Chinese), so the vocabulary and its frequencies are a real bank's. Reports the time to index
them, and per-query latency (search + coverage, as one turn runs them) p50/p95 over the retrieval
questions; for rank_bm25, its build time and query time over the same chunks.

Usage: .venv/bin/python -m evals.bench_lexical [--chunks 10000] [--database URL] [--json]
(default database: a temporary SQLite file)
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
import time
from datetime import date

from rank_bm25 import BM25Okapi

from assistant.config import PROJECT_ROOT
from assistant.domain import Chunk
from assistant.retrieval.index import SearchFilter
from assistant.retrieval.keyword import tokenize
from assistant.retrieval.lexical import LexicalIndex
from assistant.storage.database import open_database
from assistant.storage.migrations import migrate
from evals.bench_retrieval import load_questions, percentile

TODAY = date(2026, 12, 7)


def sentences(lang: str) -> list[str]:
    split = re.compile(r"(?<=[.!?。！？])\s*|\n+")
    found = []
    for path in sorted((PROJECT_ROOT / "knowledge" / "docs" / lang).glob("*.md")):
        found += [
            s.strip("#|- ") for s in split.split(path.read_text(encoding="utf-8")) if len(s.strip()) > 8
        ]
    return found


def synthetic(count: int, seed: int = 11) -> list[Chunk]:
    rng = random.Random(seed)
    pools = {"en": sentences("en"), "zh": sentences("zh")}
    chunks = []
    for n in range(count):
        lang = "en" if n % 2 == 0 else "zh"
        joiner = " " if lang == "en" else ""
        chunks.append(
            Chunk(
                chunk_id=f"doc{n // 8}-{lang}#synthetic#{n:06d}",
                doc_id=f"doc{n // 8}-{lang}",
                title=f"Document {n // 8}",
                section=rng.choice(["Fees", "Eligibility", "How to apply", "Limits", "FAQ"]),
                text=joiner.join(rng.choices(pools[lang], k=rng.randint(3, 8))),
                lang=lang,  # type: ignore[arg-type]
                version=1,
                effective_date=date(2026, 1, 1),
                status="approved",
            )
        )
    return chunks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--database", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    chunks = synthetic(args.chunks)
    questions = [(q["question"], q["lang"]) for q in load_questions()]
    report: dict[str, object] = {"chunks": len(chunks), "questions": len(questions)}
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database or f"sqlite:///{scratch}/bench.db"
        engine = open_database(url)
        migrate(engine)
        keywords = LexicalIndex(engine)
        started = time.perf_counter()
        for start in range(0, len(chunks), 500):  # as ingestion does: one commit per embedding group
            keywords.add(chunks[start : start + 500])
        report["shared_index_seconds"] = round(time.perf_counter() - started, 1)
        timings = []
        for question, lang in questions * 2:
            started = time.perf_counter()
            hits = keywords.search(question, 20, SearchFilter(today=TODAY, lang=lang))
            keywords.coverage(question, [c.chunk_id for c, _ in hits[:4]], lang)
            timings.append((time.perf_counter() - started) * 1000)
        report["shared_query_ms_p50"] = round(percentile(timings, 0.5), 1)
        report["shared_query_ms_p95"] = round(percentile(timings, 0.95), 1)
        report["database"] = engine.dialect.name
    started = time.perf_counter()
    in_process = {
        lang: BM25Okapi([tokenize(c.contextual_text()) or ["_"] for c in chunks if c.lang == lang])
        for lang in ("en", "zh")
    }
    report["rank_bm25_build_seconds"] = round(time.perf_counter() - started, 1)
    timings = []
    for question, lang in questions:
        started = time.perf_counter()
        in_process[lang].get_scores(tokenize(question))
        timings.append((time.perf_counter() - started) * 1000)
    report["rank_bm25_query_ms_p50"] = round(percentile(timings, 0.5), 1)
    report["rank_bm25_query_ms_p95"] = round(percentile(timings, 0.95), 1)
    print(json.dumps(report, indent=2) if args.json else report)


if __name__ == "__main__":
    main()
