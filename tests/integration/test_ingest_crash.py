"""kill -9 at any point of a 1,000-document ingest, then a re-run: every document indexed exactly once.

The worker (tests/ingest_worker.py) kills itself with SIGKILL at a chosen write step: while versions
are being recorded, between a document's chunks going in and its version being finished, while an
update deletes the older chunks. Each re-run is killed again somewhere else; the last one completes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.container import Services
from tests.fakes import HashingEmbedder

DOCUMENTS = 1000


def write_documents(folder: Path, edition: int, only: range | None = None) -> None:
    folder.mkdir(exist_ok=True)
    for i in only or range(DOCUMENTS):
        (folder / f"doc-{i:04d}.md").write_text(
            f"---\ndoc_id: doc-{i:04d}\ntitle: Product {i}\nlang: en\nproduct: product-{i}\n"
            f"effective_date: 2026-01-01\nstatus: approved\n---\n\n# Product {i}\n\n"
            f"## Fees\n\nProduct {i} costs ¥{i + edition} a month in edition {edition}.\n\n"
            f"## Opening hours\n\nProduct {i} desks open at {8 + i % 3}:00 on weekdays.\n",
            encoding="utf-8",
        )


def ingest(data_dir: Path, docs: Path, kill_at: int | None = None) -> dict | None:
    """Run the worker; the report when it completed, None when it was killed."""
    command = [sys.executable, "-m", "tests.ingest_worker", str(data_dir), str(docs)]
    done = subprocess.run(
        command + ([str(kill_at)] if kill_at else []),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if kill_at:
        assert done.returncode == -9, f"the worker was meant to be killed: {done.stderr[-2000:]}"
        return None
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def assert_indexed_exactly_once(data_dir: Path, updated: range = range(0)) -> None:
    """Every document in once: its two chunks, one content hash, one version in force and finished;
    the ``updated`` ones at edition and version 2, the others at 1."""
    services = Services(Settings(_env_file=None, data_dir=data_dir), embedder=HashingEmbedder())  # type: ignore[call-arg]
    documents = services.index.documents()
    assert len(documents) == DOCUMENTS
    chunks = services.index.chunks()
    assert len(chunks) == services.index.count() == 2 * DOCUMENTS, "no chunk missing, none twice"
    assert set(Counter(c.doc_id for c in chunks).values()) == {2}
    assert all(doc.content_hash for doc in documents.values()), "one version's chunks per document"
    for chunk in chunks:
        edition = 2 if int(chunk.doc_id.removeprefix("doc-")) in updated else 1
        assert chunk.version == edition
        assert chunk.section.endswith("hours") or f"edition {edition}." in chunk.text
    in_force = services.registry.with_status("published")
    assert len(in_force) == DOCUMENTS
    assert all(v.version == (2 if int(v.doc_id.removeprefix("doc-")) in updated else 1) for v in in_force)
    assert not services.registry.with_status("indexing")
    assert len(services.registry.latest_per_document()) == DOCUMENTS


@pytest.mark.timeout(900)
def test_kill_9_anywhere_in_a_1000_document_ingest_then_a_rerun_indexes_each_exactly_once(tmp_path):
    docs, data_dir = tmp_path / "docs", tmp_path / "data"
    write_documents(docs, edition=1)
    # Steps: a version recorded per document, then per embedding batch of 16 documents (32 chunks)
    # its chunks added and each document's version finished. Killed while recording versions; after a
    # batch's chunks went in, before its versions were finished; before a batch's chunks.
    for kill_at in (500, 536, 18):
        assert ingest(data_dir, docs, kill_at) is None
    report = ingest(data_dir, docs)
    assert report is not None and not report["skipped"]
    assert len(report["added"]) + len(report["updated"]) + len(report["unchanged"]) == DOCUMENTS
    assert_indexed_exactly_once(data_dir)

    # An edit of 200 of them: now each document's older chunks are deleted before its version is
    # finished (33 steps a batch after the 200 versions are recorded). Killed after a batch's new
    # chunks went in, before its first deletion; then between a deletion and a finish.
    updated = range(200)
    write_documents(docs, edition=2, only=updated)
    for kill_at in (235, 69):
        assert ingest(data_dir, docs, kill_at) is None
    report = ingest(data_dir, docs)
    assert report is not None
    assert_indexed_exactly_once(data_dir, updated)
    services = Services(Settings(_env_file=None, data_dir=data_dir), embedder=HashingEmbedder())  # type: ignore[call-arg]
    assert {v.status for v in services.registry.versions("doc-0000")} == {"superseded", "published"}

    again = ingest(data_dir, docs)
    assert again is not None and len(again["unchanged"]) == DOCUMENTS and again["chunks_indexed"] == 0


def test_start_up_finishes_a_killed_ingest_of_the_knowledge_folder(tmp_path):
    docs, data_dir = tmp_path / "docs", tmp_path / "data"
    write_documents(docs, edition=1, only=range(40))
    assert ingest(data_dir, docs, kill_at=42) is None  # 40 versions recorded, 16 documents' chunks in
    settings = Settings(_env_file=None, data_dir=data_dir, knowledge_dir=docs)  # type: ignore[call-arg]
    services = Services(settings, embedder=HashingEmbedder())
    assert len(services.registry.with_status("indexing")) == 40
    services.ensure_knowledge_indexed()  # what `serve` and `make run` do at start-up
    assert len(services.registry.with_status("published")) == 40
    assert not services.registry.with_status("indexing")
    assert services.index.count() == 80 and len(services.index.documents()) == 40
