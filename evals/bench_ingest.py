"""Ingestion throughput against the embedder's raw encode rate, measured in the same run.

Ingests the shipped knowledge base (optionally several renamed copies of it) into a fresh data
directory with the real embedder, then encodes the very same passages with the embedder alone, in
the same batch size, and reports both rates and their ratio; then a no-op re-ingest.

Usage: .venv/bin/python -m evals.bench_ingest [--copies 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

from assistant.config import Settings
from assistant.container import Services


def corpus(knowledge_dir: Path, target: Path, copies: int) -> Path:
    """The knowledge base as is, or ``copies`` copies of its Markdown documents with their own doc_ids."""
    if copies == 1:
        return knowledge_dir
    for copy in range(copies):
        for source in sorted(knowledge_dir.rglob("*.md")):
            text = re.sub(r"(?m)^doc_id: (.+)$", rf"doc_id: \1-copy{copy}", source.read_text("utf-8"))
            destination = target / f"copy{copy}" / source.relative_to(knowledge_dir)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(text, encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        settings = Settings().model_copy(update={"data_dir": root / "data"})
        services = Services(settings)
        folder = corpus(settings.knowledge_dir, root / "corpus", args.copies)
        services.embedder.embed_passages(["warm up"])
        report = services.ingestor.ingest([folder])
        texts = [chunk.contextual_text() for chunk in services.index.chunks()]
        batch = services.ingestor.embed_batch
        started = time.perf_counter()
        for start in range(0, len(texts), batch):
            services.embedder.embed_passages(texts[start : start + batch])
        raw_seconds = time.perf_counter() - started
        again = services.ingestor.ingest([folder])
    ingest_rate = report.chunks_indexed / report.seconds
    raw_rate = len(texts) / raw_seconds
    result = {
        "documents": len(report.added),
        "chunks": report.chunks_indexed,
        "ingest_seconds": round(report.seconds, 1),
        "ingest_chunks_per_s": round(ingest_rate, 2),
        "raw_encode_seconds": round(raw_seconds, 1),
        "raw_encode_chunks_per_s": round(raw_rate, 2),
        "ratio_to_raw_encode": round(ingest_rate / raw_rate, 3),
        "noop_reingest_seconds": round(again.seconds, 2),
        "embed_batch": batch,
    }
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
