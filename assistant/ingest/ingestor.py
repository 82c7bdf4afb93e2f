"""Incremental ingestion: load, chunk, embed and index documents; report what changed and what not.

A document is identified by its ``doc_id`` and fingerprinted by the sha256 of its bytes (plus its
metadata sidecar and the chunker version). Unchanged documents are not touched; a changed one gets
its new chunks before its old ones are deleted, so a crash never leaves it missing; a document whose
file is gone from an ingested folder is removed. A bad file is reported and skipped, never fatal.

Documents are embedded a batch at a time and each is committed as soon as its batch is embedded:
its version recorded as being indexed, its chunks in, its older chunks out, its version finished.
A run killed at any point loses nothing: the next run indexes every unfinished version again (chunk
ids are derived from the content, so a chunk written twice is the same chunk).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from pydantic import BaseModel

from assistant.domain import Chunk
from assistant.errors import DocumentError
from assistant.ingest.chunking import CHUNKER_VERSION, chunk_markdown
from assistant.ingest.loaders import (
    SIDECAR_SUFFIX,
    SUPPORTED_SUFFIXES,
    LoadedDocument,
    load_document,
    sidecar_path,
)
from assistant.ingest.scanner import ScanReport, scan_document
from assistant.retrieval.embedder import Embedder
from assistant.retrieval.index import IndexedDocument, VectorIndex

ProgressFactory = Callable[[int, str], Callable[[int], None]]


class SkippedFile(BaseModel):
    path: str
    reason: str


class QuarantinedFile(BaseModel):
    path: str
    doc_id: str
    findings: list[dict[str, str]]


@dataclass(frozen=True)
class RecordedVersion:
    version: int
    unfinished: bool  # recorded, but an ingest stopped before all its chunks were in


class Registration(Protocol):
    """Where ingested documents are recorded (the document registry), so that every indexed version
    has a numbered, audited record; ``None`` ingests into the index alone."""

    def recorded(self, doc_id: str, content_hash: str) -> RecordedVersion | None:
        """The version this exact content was recorded as (an older one, perhaps), if any."""
        ...

    def begin(self, document: LoadedDocument, content_hash: str, raw: bytes) -> int:
        """Record a version whose chunks are about to be indexed; returns its version number."""
        ...

    def finish(self, doc_id: str, version: int, front_matter_status: str) -> None:
        """All the version's chunks are in: give it the status its front matter asks for."""
        ...

    def quarantine(
        self, document: LoadedDocument, content_hash: str, raw: bytes, scan: ScanReport
    ) -> None: ...


class IngestReport(BaseModel):
    added: list[str] = []
    updated: list[str] = []
    removed: list[str] = []
    unchanged: list[str] = []
    skipped: list[SkippedFile] = []
    quarantined: list[QuarantinedFile] = []
    chunks_indexed: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        counts = (
            f"added {len(self.added)}, updated {len(self.updated)}, removed {len(self.removed)}, "
            f"unchanged {len(self.unchanged)}, skipped {len(self.skipped)}"
            + (f", quarantined {len(self.quarantined)}" if self.quarantined else "")
        )
        if not self.changed:
            return f"No changes: {len(self.unchanged)} documents already up to date ({counts})."
        return f"Ingested in {self.seconds:.1f} s: {counts}; {self.chunks_indexed} chunks indexed."


class Ingestor:
    def __init__(
        self,
        embedder: Embedder,
        index: VectorIndex,
        max_file_bytes: int,
        max_chars: dict[str, int],
        embed_batch: int = 32,
        registration: Registration | None = None,
    ) -> None:
        self.registration = registration
        self.embedder = embedder
        self.index = index
        self.max_file_bytes = max_file_bytes
        self.max_chars = max_chars
        self.embed_batch = embed_batch

    def ingest(self, paths: Iterable[Path], progress: ProgressFactory | None = None) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        roots = [p.resolve() for p in paths]
        indexed = self.index.documents()
        seen: dict[str, Path] = {}
        loaded_paths: dict[Path, str] = {}
        pending: list[_Pending] = []

        for path in _discover(roots, report):
            try:
                document, content_hash, raw = self._load(path)
            except DocumentError as exc:
                report.skipped.append(SkippedFile(path=str(path), reason=str(exc)))
                continue
            doc_id = document.meta.doc_id
            if doc_id in seen:
                report.skipped.append(
                    SkippedFile(
                        path=str(path), reason=f"duplicate doc_id '{doc_id}' (also in {seen[doc_id]})"
                    )
                )
                continue
            seen[doc_id] = path
            loaded_paths[path] = doc_id
            item = self._to_index(document, content_hash, raw, indexed.get(doc_id), report)
            if item is not None:
                pending.append(item)

        advance = progress(sum(len(p.chunks) for p in pending), "Embedding chunks") if progress else None
        for group in _embedding_groups(pending, self.embed_batch):
            chunks = [c for item in group for c in item.chunks]
            self._commit(group, chunks, self._embed(chunks, advance), indexed)
            for item in group:
                (report.updated if item.doc_id in indexed else report.added).append(item.doc_id)
            report.chunks_indexed += len(chunks)

        for doc_id, previous in indexed.items():
            if doc_id not in seen and _is_gone(Path(previous.source_path), roots, loaded_paths):
                self.index.delete(previous.chunk_ids)
                report.removed.append(doc_id)

        report.seconds = time.perf_counter() - started
        return report

    def _to_index(
        self,
        document: LoadedDocument,
        content_hash: str,
        raw: bytes,
        previous: IndexedDocument | None,
        report: IngestReport,
    ) -> _Pending | None:
        """What to index for one loaded file (its version recorded as being indexed), or None when
        there is nothing to index: unchanged, already decided on, quarantined or empty."""
        doc_id = document.meta.doc_id
        path = document.source_path
        recorded = self.registration.recorded(doc_id, content_hash) if self.registration else None
        unfinished = recorded is not None and recorded.unfinished
        # A renamed file is re-indexed (same chunk ids, new path), so its recorded path stays true.
        in_index = previous and previous.content_hash == content_hash and previous.source_path == str(path)
        if in_index and not unfinished:
            if self.registration and recorded is None:  # indexed before the registry existed
                number = self.registration.begin(document, content_hash, raw)
                self.registration.finish(doc_id, number, document.meta.status)
            report.unchanged.append(doc_id)
            return None
        if recorded is not None and not unfinished:
            # Already on record (an older version than the one an approver put in force since, or
            # one retired): re-ingesting the folder must not roll a decision back.
            report.unchanged.append(doc_id)
            return None
        if recorded is None:
            scan = scan_document(raw, path.suffix.lower())
            if scan.quarantined:
                # Not indexed until an approver overrides; a version already in force stays.
                findings = [f.model_dump() for f in scan.findings]
                report.quarantined.append(QuarantinedFile(path=str(path), doc_id=doc_id, findings=findings))
                report.skipped.append(SkippedFile(path=str(path), reason=f"quarantined: {scan.summary()}"))
                if self.registration:
                    self.registration.quarantine(document, content_hash, raw, scan)
                return None
        chunks = self._chunk(document, content_hash)
        if not chunks:
            report.skipped.append(SkippedFile(path=str(path), reason="no text to index under its headings"))
            return None
        if self.registration:
            number = recorded.version if recorded else self.registration.begin(document, content_hash, raw)
            chunks = [c.model_copy(update={"version": number}) for c in chunks]
        return _Pending(doc_id, document.meta.status, _chunk_prefix(document, content_hash), chunks)

    def _commit(
        self,
        group: list[_Pending],
        chunks: list[Chunk],
        vectors: np.ndarray,
        indexed: dict[str, IndexedDocument],
    ) -> None:
        """The documents' chunks in, then per document its older chunks out and its version finished:
        in that order, so a crash between any two steps leaves each document findable and its version
        unfinished until the next run."""
        self.index.add(chunks, vectors)
        for item in group:
            previous = indexed.get(item.doc_id)
            if previous:
                self.index.delete([cid for cid in previous.chunk_ids if not cid.startswith(item.prefix)])
            if self.registration:
                self.registration.finish(item.doc_id, item.chunks[0].version, item.front_matter_status)

    def index_document(
        self, document: LoadedDocument, content_hash: str, progress: ProgressFactory | None = None
    ) -> int:
        """Put one document version in force: its chunks in, the document's older chunks out (in
        that order, so a crash never leaves it missing). Returns the number of chunks indexed."""
        chunks = self._chunk(document, content_hash)
        if not chunks:
            raise DocumentError("no text to index under its headings")
        previous = self.index.documents().get(document.meta.doc_id)
        advance = progress(len(chunks), "Embedding chunks") if progress else None
        self.index.add(chunks, self._embed(chunks, advance))
        if previous:
            prefix = _chunk_prefix(document, content_hash)
            self.index.delete([cid for cid in previous.chunk_ids if not cid.startswith(prefix)])
        return len(chunks)

    def remove_document(self, doc_id: str) -> int:
        previous = self.index.documents().get(doc_id)
        if previous is None:
            return 0
        self.index.delete(previous.chunk_ids)
        return len(previous.chunk_ids)

    def _load(self, path: Path) -> tuple[LoadedDocument, str, bytes]:
        try:
            size = path.stat().st_size
            if size > self.max_file_bytes:
                raise DocumentError(
                    f"file too large ({size / 1e6:.1f} MB; limit {self.max_file_bytes / 1e6:.1f} MB)"
                )
            raw = path.read_bytes()
            side = sidecar_path(path)
            extra = side.read_bytes() if side.exists() else b""
        except OSError as exc:
            raise DocumentError(f"unreadable: {exc.strerror or exc}") from exc
        content_hash = hashlib.sha256(CHUNKER_VERSION.encode() + raw + b"\0" + extra).hexdigest()
        try:
            return load_document(path, raw), content_hash, raw
        except DocumentError:
            raise
        except Exception as exc:  # a parser library's own failure on a malformed file
            raise DocumentError(f"corrupt or unparseable file ({type(exc).__name__}: {exc})") from exc

    def _chunk(self, document: LoadedDocument, content_hash: str) -> list[Chunk]:
        meta = document.meta
        prefix = _chunk_prefix(document, content_hash)
        return [
            Chunk(
                chunk_id=f"{prefix}{i:03d}",
                doc_id=meta.doc_id,
                title=meta.title,
                section=piece.section,
                text=piece.text,
                lang=meta.lang,
                version=meta.version,
                effective_date=meta.effective_date,
                status=meta.status,
                source_path=str(document.source_path),
                content_hash=content_hash,
            )
            for i, piece in enumerate(chunk_markdown(document.body_markdown, self.max_chars[meta.lang]))
        ]

    def _embed(self, chunks: list[Chunk], advance: Callable[[int], None] | None) -> np.ndarray:
        vectors = []
        for start in range(0, len(chunks), self.embed_batch):
            batch = chunks[start : start + self.embed_batch]
            vectors.append(self.embedder.embed_passages([c.contextual_text() for c in batch]))
            if advance:
                advance(len(batch))
        return np.concatenate(vectors)


@dataclass(frozen=True)
class _Pending:
    doc_id: str
    front_matter_status: str
    prefix: str  # of its chunk ids: what tells its chunks from an older version's
    chunks: list[Chunk]


def _embedding_groups(pending: list[_Pending], batch: int) -> Iterator[list[_Pending]]:
    """Whole documents, gathered until they fill an embedding batch: the embedder runs at full batch
    size, and no document waits for more than one batch to be committed."""
    group: list[_Pending] = []
    size = 0
    for item in pending:
        group.append(item)
        size += len(item.chunks)
        if size >= batch:
            yield group
            group, size = [], 0
    if group:
        yield group


def _chunk_prefix(document: LoadedDocument, content_hash: str) -> str:
    return f"{document.meta.doc_id}#{content_hash[:12]}#"


def _discover(roots: list[Path], report: IngestReport) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        if root.is_file():
            files.append(root)
        elif root.is_dir():
            files += sorted(
                p
                for p in root.rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
            )
        else:
            report.skipped.append(SkippedFile(path=str(root), reason="no such file or folder"))
    supported = []
    for path in files:
        if path.name.endswith(SIDECAR_SUFFIX):
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            report.skipped.append(
                SkippedFile(path=str(path), reason=f"unsupported file type '{path.suffix}'")
            )
            continue
        supported.append(path)
    return supported


def _is_gone(source: Path, roots: list[Path], loaded_paths: dict[Path, str]) -> bool:
    """Removed when its file was under an ingested folder and is no longer there (or now has another id).

    A file that still exists but failed to load keeps its old chunks: bad input loses nothing.
    """
    if not any(source == root or root in source.parents for root in roots):
        return False
    return not source.exists() or source in loaded_paths
