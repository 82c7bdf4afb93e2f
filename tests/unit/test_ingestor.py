"""Incremental ingestion into a real (embedded) Chroma index with the deterministic fake embedder."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from assistant.ingest.ingestor import Ingestor, IngestReport
from assistant.retrieval.index import ChromaIndex, SearchFilter
from tests.conftest import KNOWLEDGE_DIR
from tests.fakes import HashingEmbedder

MAX_CHARS = {"en": 900, "zh": 450}
FILES = {
    "credit-card-platinum.md": "credit-card-platinum-en",
    "branches-contact-hours.html": "branches-contact-hours-en",
    "complaints.pdf": "complaints-en",
}
DOC_IDS = sorted(FILES.values())


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in FILES:
        shutil.copy(KNOWLEDGE_DIR / "en" / name, folder / name)
    shutil.copy(KNOWLEDGE_DIR / "en" / "complaints.pdf.meta.yaml", folder / "complaints.pdf.meta.yaml")
    return folder


@pytest.fixture
def index(tmp_path: Path) -> ChromaIndex:
    return ChromaIndex.open("test-coll", persist_dir=tmp_path / "chroma")


def _ingestor(index: ChromaIndex, max_file_bytes: int = 2_000_000) -> Ingestor:
    return Ingestor(HashingEmbedder(), index, max_file_bytes=max_file_bytes, max_chars=MAX_CHARS)


def _ingest(index: ChromaIndex, folder: Path, **kwargs: int) -> IngestReport:
    return _ingestor(index, **kwargs).ingest([folder])


def _chunk_ids(index: ChromaIndex) -> dict[str, set[str]]:
    return {doc_id: set(doc.chunk_ids) for doc_id, doc in index.documents().items()}


def _skipped(report: IngestReport) -> dict[str, str]:
    return {Path(s.path).name: s.reason for s in report.skipped}


def _md(
    doc_id: str, text: str, *, lang: str = "en", status: str = "approved", effective: str = "2026-01-01"
) -> str:
    return (
        f"---\ndoc_id: {doc_id}\ntitle: {doc_id}\nlang: {lang}\nversion: 1\n"
        f"effective_date: {effective}\nstatus: {status}\n---\n\n# {doc_id}\n\n## Details\n\n{text}\n"
    )


# --- first and repeated ingestion ------------------------------------------------------------------


def test_first_ingest_adds_every_document_with_hashes(docs: Path, index: ChromaIndex) -> None:
    report = _ingest(index, docs)

    assert sorted(report.added) == DOC_IDS
    assert report.updated == report.removed == report.unchanged == report.skipped == []
    assert report.chunks_indexed > 10
    assert report.chunks_indexed == index.count()
    documents = index.documents()
    assert sorted(documents) == DOC_IDS
    for name, doc_id in FILES.items():
        doc = documents[doc_id]
        assert len(doc.content_hash) == 64 and int(doc.content_hash, 16) >= 0
        assert doc.source_path == str((docs / name).resolve())
        assert all(cid.startswith(f"{doc_id}#{doc.content_hash[:12]}#") for cid in doc.chunk_ids)
    assert report.summary().startswith("Ingested in ")
    assert "added 3, updated 0, removed 0, unchanged 0, skipped 0" in report.summary()

    chunks = index.chunks()
    platinum = [c for c in chunks if c.doc_id == "credit-card-platinum-en"]
    assert {c.version for c in platinum} == {2} and {c.title for c in platinum} == {"Platinum Credit Card"}
    assert any(c.section == "Annual fee and waiver" and "¥150,000" in c.text for c in platinum)


def test_second_ingest_of_the_same_folder_changes_nothing(docs: Path, index: ChromaIndex) -> None:
    _ingest(index, docs)
    before = _chunk_ids(index)

    report = _ingest(index, docs)

    assert report.added == report.updated == report.removed == [] and report.skipped == []
    assert sorted(report.unchanged) == DOC_IDS
    assert report.chunks_indexed == 0
    assert not report.changed
    assert report.summary().startswith("No changes: 3 documents already up to date")
    assert _chunk_ids(index) == before


def test_editing_one_file_updates_only_that_document(docs: Path, index: ChromaIndex) -> None:
    _ingest(index, docs)
    before = _chunk_ids(index)
    path = docs / "credit-card-platinum.md"
    text = path.read_text(encoding="utf-8")
    assert "¥1,200 main card" in text
    path.write_text(text.replace("¥1,200 main card", "¥1,350 main card"), encoding="utf-8")

    report = _ingest(index, docs)

    assert report.updated == ["credit-card-platinum-en"]
    assert report.added == report.removed == []
    assert sorted(report.unchanged) == ["branches-contact-hours-en", "complaints-en"]
    after = _chunk_ids(index)
    assert after["credit-card-platinum-en"].isdisjoint(before["credit-card-platinum-en"])
    assert report.chunks_indexed == len(after["credit-card-platinum-en"])
    assert after["branches-contact-hours-en"] == before["branches-contact-hours-en"]
    assert after["complaints-en"] == before["complaints-en"]
    texts = [c.text for c in index.chunks() if c.doc_id == "credit-card-platinum-en"]
    assert any("¥1,350 main card" in t for t in texts)
    assert not any("¥1,200 main card" in t for t in texts)
    assert index.count() == sum(map(len, after.values()))


def test_deleting_a_file_removes_its_document_only(docs: Path, index: ChromaIndex) -> None:
    _ingest(index, docs)
    before = _chunk_ids(index)
    (docs / "branches-contact-hours.html").unlink()

    report = _ingest(index, docs)

    assert report.removed == ["branches-contact-hours-en"]
    assert sorted(report.unchanged) == ["complaints-en", "credit-card-platinum-en"]
    after = _chunk_ids(index)
    assert sorted(after) == ["complaints-en", "credit-card-platinum-en"]
    assert after["complaints-en"] == before["complaints-en"]
    assert not any(c.doc_id == "branches-contact-hours-en" for c in index.chunks())


def test_ingesting_another_folder_does_not_remove_documents_of_the_first(
    docs: Path, index: ChromaIndex, tmp_path: Path
) -> None:
    _ingest(index, docs)
    other = tmp_path / "other"
    other.mkdir()
    (other / "note.md").write_text(_md("note-en", "A short note."), encoding="utf-8")

    report = _ingest(index, other)

    assert report.added == ["note-en"] and report.removed == []
    assert sorted(index.documents()) == sorted([*DOC_IDS, "note-en"])


# --- bad files -------------------------------------------------------------------------------------


def test_bad_files_are_skipped_with_reasons_and_good_files_still_ingested(
    docs: Path, index: ChromaIndex
) -> None:
    (docs / "broken.pdf").write_bytes(os.urandom(3000))
    (docs / "huge.md").write_text(_md("huge-en", "Big file. " * 6000), encoding="utf-8")
    (docs / "latin1.md").write_bytes(_md("latin1-en", "Caf\u00e9 fees.").encode("latin-1"))
    limit = 50_000
    assert (docs / "huge.md").stat().st_size > limit
    assert all((docs / name).stat().st_size < limit for name in FILES)

    report = _ingest(index, docs, max_file_bytes=limit)

    skipped = _skipped(report)
    assert set(skipped) == {"broken.pdf", "huge.md", "latin1.md"}
    assert skipped["broken.pdf"].startswith("corrupt PDF file")
    assert skipped["huge.md"].startswith("file too large")
    assert "UTF-8" in skipped["latin1.md"]
    assert all(Path(s.path).is_absolute() and Path(s.path).exists() for s in report.skipped)
    assert sorted(report.added) == DOC_IDS
    assert sorted(index.documents()) == DOC_IDS


def test_previously_ingested_file_that_turns_corrupt_keeps_its_old_chunks(
    docs: Path, index: ChromaIndex
) -> None:
    _ingest(index, docs)
    before = _chunk_ids(index)
    (docs / "complaints.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    (docs / "credit-card-platinum.md").write_bytes("年费 ¥1,200".encode("gb18030"))

    report = _ingest(index, docs)

    assert set(_skipped(report)) == {"complaints.pdf", "credit-card-platinum.md"}
    assert report.removed == [] and report.updated == [] and report.added == []
    assert report.unchanged == ["branches-contact-hours-en"]
    assert _chunk_ids(index) == before


def test_renamed_file_that_turns_corrupt_keeps_its_old_chunks(docs: Path, index: ChromaIndex) -> None:
    _ingest(index, docs)
    before = _chunk_ids(index)
    (docs / "complaints.pdf").rename(docs / "complaints-policy.pdf")
    (docs / "complaints.pdf.meta.yaml").rename(docs / "complaints-policy.pdf.meta.yaml")
    assert _ingest(index, docs).unchanged  # same bytes, same doc_id
    (docs / "complaints-policy.pdf").write_bytes(os.urandom(2000))

    report = _ingest(index, docs)

    assert "complaints-policy.pdf" in _skipped(report)
    assert report.removed == []
    assert _chunk_ids(index).get("complaints-en") == before["complaints-en"]


def test_duplicate_doc_id_skips_the_second_file(docs: Path, index: ChromaIndex) -> None:
    shutil.copy(docs / "credit-card-platinum.md", docs / "zz-platinum-copy.md")

    report = _ingest(index, docs)

    skipped = _skipped(report)
    assert list(skipped) == ["zz-platinum-copy.md"]
    assert "duplicate doc_id 'credit-card-platinum-en'" in skipped["zz-platinum-copy.md"]
    assert "credit-card-platinum.md" in skipped["zz-platinum-copy.md"]
    assert sorted(report.added) == DOC_IDS
    sources = {c.source_path for c in index.chunks() if c.doc_id == "credit-card-platinum-en"}
    assert sources == {str((docs / "credit-card-platinum.md").resolve())}


def test_unsupported_files_are_reported_but_sidecars_and_hidden_files_are_not(
    docs: Path, index: ChromaIndex
) -> None:
    (docs / "rates.xlsx").write_bytes(b"PK\x03\x04 spreadsheet")
    (docs / ".DS_Store").write_bytes(b"\x00\x01")
    (docs / "notes.yaml").write_text("a: 1\n", encoding="utf-8")

    report = _ingest(index, docs)

    skipped = _skipped(report)
    assert skipped == {
        "rates.xlsx": "unsupported file type '.xlsx'",
        "notes.yaml": "unsupported file type '.yaml'",
    }
    assert not any(s.path.endswith(".meta.yaml") for s in report.skipped)
    assert sorted(report.added) == DOC_IDS


def test_changing_only_the_sidecar_of_a_pdf_is_an_update(docs: Path, index: ChromaIndex) -> None:
    _ingest(index, docs)
    before = _chunk_ids(index)
    sidecar = docs / "complaints.pdf.meta.yaml"
    sidecar.write_text(
        sidecar.read_text(encoding="utf-8").replace("version: 2", "version: 3"), encoding="utf-8"
    )

    report = _ingest(index, docs)

    assert report.updated == ["complaints-en"]
    assert sorted(report.unchanged) == ["branches-contact-hours-en", "credit-card-platinum-en"]
    after = _chunk_ids(index)
    assert after["complaints-en"].isdisjoint(before["complaints-en"])
    assert {c.version for c in index.chunks() if c.doc_id == "complaints-en"} == {3}


def test_missing_path_is_reported(index: ChromaIndex, tmp_path: Path) -> None:
    report = _ingestor(index).ingest([tmp_path / "nowhere"])
    assert [(Path(s.path).name, s.reason) for s in report.skipped] == [("nowhere", "no such file or folder")]


def test_document_without_chunks_is_not_re_added_on_every_run(docs: Path, index: ChromaIndex) -> None:
    (docs / "title-only.md").write_text(
        "---\ndoc_id: title-only\nlang: en\n---\n# Just a title\n", encoding="utf-8"
    )
    _ingest(index, docs)

    report = _ingest(index, docs)

    assert "title-only" not in report.added
    assert report.summary().startswith("No changes")


# --- search filter ---------------------------------------------------------------------------------


def test_search_filter_excludes_drafts_future_documents_and_other_languages(
    docs: Path, index: ChromaIndex
) -> None:
    today = date(2026, 6, 1)
    secret = "zebra quokka marmot lemur"
    (docs / "draft.md").write_text(_md("draft-en", f"Draft rule {secret}.", status="draft"), encoding="utf-8")
    (docs / "future.md").write_text(
        _md("future-en", f"Future rule {secret}.", effective="2026-07-01"), encoding="utf-8"
    )
    (docs / "current.md").write_text(
        _md("current-en", f"Current rule {secret}.", effective="2026-06-01"), encoding="utf-8"
    )
    (docs / "zh.md").write_text(_md("current-zh", f"中文规则 {secret}。", lang="zh"), encoding="utf-8")
    report = _ingest(index, docs)
    assert len(report.added) == 7

    all_ids = {c.doc_id for c in index.chunks()}
    assert {"draft-en", "future-en", "current-en", "current-zh"} <= all_ids

    visible = {c.doc_id for c in index.chunks(SearchFilter(today=today, lang="en"))}
    assert visible == {*DOC_IDS, "current-en"}
    assert {c.doc_id for c in index.chunks(SearchFilter(today=today))} == {
        *DOC_IDS,
        "current-en",
        "current-zh",
    }
    assert "future-en" in {c.doc_id for c in index.chunks(SearchFilter(today=date(2026, 7, 1), lang="en"))}

    vector = HashingEmbedder().embed_query(f"rule {secret}")
    hits = index.search(vector, limit=5, where=SearchFilter(today=today, lang="en"))
    assert hits, "expected at least one hit"
    assert hits[0][0].doc_id == "current-en"
    assert hits[0][1] > 0.5
    assert all(h.status == "approved" and h.effective_date <= today and h.lang == "en" for h, _ in hits)
    assert not {"draft-en", "future-en", "current-zh"} & {h.doc_id for h, _ in hits}
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)
