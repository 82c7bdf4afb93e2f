"""The knowledge workflow: what product teams may do to documents, and what reaches customers.

A change is always a new version: added or edited -> draft (quarantined instead when the content
scanner finds instructions aimed at the assistant or hidden content) -> approved by someone with the
approver role who did not write it -> published (indexed, answerable) on its effective date ->
superseded by the next published version, or retired. Only published versions are in the index, so
a draft can never be retrieved, cited or answered from. Every step is in the audit log.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.access import Role, StaffLogin, User
from assistant.domain import DocumentMeta, Lang
from assistant.errors import DocumentError, UserFacingError
from assistant.guard.output import output_violation
from assistant.ingest.chunking import CHUNKER_VERSION
from assistant.ingest.ingestor import Ingestor, ProgressFactory, RecordedVersion
from assistant.ingest.loaders import LoadedDocument, load_document
from assistant.ingest.scanner import ScanReport, scan_document
from assistant.knowledge.curated import CuratedAnswer, CuratedAnswers
from assistant.knowledge.gaps import KnowledgeGap, find_gaps, mark_drafted
from assistant.knowledge.registry import PENDING, DocumentRegistry, DocumentVersion, VersionStatus
from assistant.lang import detect_lang
from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.index import SearchFilter
from assistant.storage.lease import Lease

logger = logging.getLogger(__name__)

FILE_ACTOR = "file-ingest"  # versions that arrived through `bank-assistant ingest` of a folder
_FROM_FRONT_MATTER: dict[str, VersionStatus] = {
    "approved": "published",
    "draft": "draft",
    "retired": "retired",
}


class KnowledgeError(UserFacingError):
    """A workflow rule was not met; the message says which."""


class PermissionDenied(KnowledgeError):
    pass


def content_hash(raw: bytes, meta: dict[str, object]) -> str:
    extra = json.dumps(meta, sort_keys=True, default=str).encode()
    return hashlib.sha256(CHUNKER_VERSION.encode() + raw + b"\0" + extra).hexdigest()


class RetrievalProbe(BaseModel):
    """One ranked chunk in a retrieval test, with every score that placed it."""

    rank: int
    doc_id: str
    version: int
    title: str
    section: str
    chunk_id: str
    text: str
    fused_score: float
    dense_similarity: float | None
    dense_rank: int | None
    bm25_score: float | None
    bm25_rank: int | None
    sent_to_answer: bool = Field(description="Among the passages the answer is written from, and may cite.")


class KnowledgeBase:
    def __init__(
        self,
        registry: DocumentRegistry,
        ingestor: Ingestor,
        retriever: HybridRetriever,
        staff: dict[str, StaffLogin],
        curated: CuratedAnswers,
        today: Callable[[], date] = date.today,
        publisher: Lease | None = None,
    ) -> None:
        self.publisher = publisher
        self.curated = curated
        self.registry = registry
        self.ingestor = ingestor
        self.retriever = retriever
        self.staff = staff
        self.today = today

    # Who may do what. The acting user is always named: the CLI takes --actor, the UI its sign-in.
    def user(self, name: str, role: Role) -> User:
        login = self.staff.get(name)
        user = User(name=name, roles=login.roles) if login else None
        if user is None or not user.can(role):
            raise PermissionDenied(f"{name!r} does not have the {role} role")
        return user

    # Changes: each makes a new version, never touching the one in force.
    def add(
        self,
        raw: bytes,
        filename: str,
        actor: str,
        *,
        doc_id: str | None = None,
        title: str | None = None,
        lang: str | None = None,
        product: str | None = None,
        effective_date: date | None = None,
        note: str = "",
    ) -> DocumentVersion:
        """Upload a document (Markdown, PDF, DOCX, HTML, TXT) as a draft of a new or existing document."""
        self.user(actor, "editor")
        with tempfile.TemporaryDirectory() as scratch:  # the loader reads a path; no sidecar for uploads
            document = load_document(Path(scratch) / Path(filename).name, raw)
        overrides = {
            "doc_id": doc_id,
            "title": title,
            "lang": lang,
            "product": product,
            "effective_date": effective_date,
        }
        meta = document.meta.model_copy(update={k: v for k, v in overrides.items() if v})
        scan = scan_document(raw, Path(filename).suffix.lower())
        return self._new_version(
            meta.doc_id, meta.title, meta.lang, meta.product, meta.effective_date,
            document.body_markdown, Path(filename).name, raw, scan, note, actor, "add",
        )  # fmt: skip

    def edit(
        self, doc_id: str, markdown: str, actor: str, *, effective_date: date | None = None, note: str = ""
    ) -> DocumentVersion:
        """Save an edit of the document's Markdown as a new draft version."""
        self.user(actor, "editor")
        base = self.registry.get(doc_id)
        if base is None:
            raise KnowledgeError(f"no document {doc_id!r}")
        if not markdown.strip():
            raise KnowledgeError("the document is empty")
        raw = markdown.encode("utf-8")
        scan = scan_document(raw, ".md")
        return self._new_version(
            doc_id, base.title, base.lang, base.product, effective_date or base.effective_date,
            markdown, f"{doc_id}.md", raw, scan, note, actor, "edit",
        )  # fmt: skip

    def _new_version(
        self,
        doc_id: str,
        title: str,
        lang: str,
        product: str,
        effective_date: date,
        body: str,
        filename: str,
        raw: bytes,
        scan: ScanReport,
        note: str,
        actor: str,
        action: str,
    ) -> DocumentVersion:
        latest = self.registry.get(doc_id)
        if latest is not None and latest.lang != lang:
            raise KnowledgeError(f"{doc_id!r} is a {latest.lang} document; this upload is {lang}")
        meta = {"title": title, "lang": lang, "product": product, "effective_date": effective_date}
        return self.registry.add_version(
            doc_id=doc_id,
            status="quarantined" if scan.quarantined else "draft",
            title=title,
            lang=lang,
            product=product,
            effective_date=effective_date,
            body_markdown=body,
            filename=filename,
            raw=raw,
            content_hash=content_hash(raw, meta),
            findings=[f.model_dump() for f in scan.findings],
            note=note,
            actor=actor,
            action=action,
        )

    # Decisions.
    def approve(
        self,
        doc_id: str,
        actor: str,
        version: int | None = None,
        *,
        override_quarantine: bool = False,
        progress: ProgressFactory | None = None,
    ) -> DocumentVersion:
        """Approve a pending version; it is published now if its effective date has come."""
        self.user(actor, "approver")
        pending = self._pending(doc_id, version)
        if pending.created_by == actor:
            raise PermissionDenied("an editor cannot approve their own change: ask another approver")
        if pending.status == "quarantined" and not override_quarantine:
            raise KnowledgeError(
                f"{doc_id} v{pending.version} is quarantined ({len(pending.findings)} findings); "
                "review the findings and approve with the quarantine override"
            )
        action = "override_quarantine" if pending.status == "quarantined" else "approve"
        if not self.registry.set_status(doc_id, pending.version, "approved", actor, action, expected=PENDING):
            raise KnowledgeError(f"{doc_id} v{pending.version} was decided by someone else meanwhile")
        self.activate_due(progress=progress)
        decided = self.registry.get(doc_id, pending.version)
        assert decided is not None
        return decided

    def reject(
        self, doc_id: str, actor: str, version: int | None = None, reason: str = ""
    ) -> DocumentVersion:
        self.user(actor, "approver")
        pending = self._pending(doc_id, version)
        if not self.registry.set_status(
            doc_id, pending.version, "rejected", actor, "reject", {"reason": reason}, expected=PENDING
        ):
            raise KnowledgeError(f"{doc_id} v{pending.version} was decided by someone else meanwhile")
        rejected = self.registry.get(doc_id, pending.version)
        assert rejected is not None
        return rejected

    def retire(self, doc_id: str, actor: str, reason: str = "") -> list[DocumentVersion]:
        """Take a document out of service: removed from the index now; its versions stay on record."""
        self.user(actor, "approver")
        live = [v for v in self.registry.versions(doc_id) if v.status in ("published", "approved", *PENDING)]
        if not live:
            raise KnowledgeError(f"no document {doc_id!r} in service")
        removed = self.ingestor.remove_document(doc_id)
        for v in live:
            self.registry.set_status(
                doc_id, v.version, "retired", actor, "retire", {"reason": reason, "chunks_removed": removed}
            )
        return self.registry.versions(doc_id)

    # Curated answers and knowledge gaps.
    def pin(self, pattern: str, lang: Lang, answer: str, chunk_ids: list[str], actor: str) -> CuratedAnswer:
        """Pin an approved answer, resting on published passages, to a question pattern."""
        self.user(actor, "approver")
        if not answer.strip():
            raise KnowledgeError("the answer is empty")
        problem = output_violation(answer)
        if problem:
            raise KnowledgeError(f"the answer fails the output guard: {problem}")
        chunks = {c.chunk_id: c for c in self.retriever.index.chunks(SearchFilter(today=self.today()))}
        missing = [cid for cid in chunk_ids if cid not in chunks]
        if not chunk_ids or missing:
            raise KnowledgeError(
                f"a curated answer needs published sources; not found: {missing or 'none given'}"
            )
        try:
            pinned = self.curated.add(pattern, lang, answer, [chunks[cid] for cid in chunk_ids], actor)
        except ValueError as exc:
            raise KnowledgeError(str(exc)) from exc
        self.registry.audit(
            actor, "pin_answer", None, None, {"id": pinned.id, "pattern": pattern, "sources": chunk_ids}
        )
        return pinned

    def unpin(self, answer_id: int, actor: str) -> None:
        self.user(actor, "approver")
        if not self.curated.deactivate(answer_id):
            raise KnowledgeError(f"no curated answer {answer_id}")
        self.registry.audit(actor, "unpin_answer", None, None, {"id": answer_id})

    def gaps(self) -> list[KnowledgeGap]:
        return find_gaps(self.registry.engine)

    def draft_from_gap(self, key: str, actor: str) -> DocumentVersion:
        """One click: a draft document for the gap, with a person's answer when there was one."""
        self.user(actor, "editor")
        gap = next((g for g in self.gaps() if g.key == key), None)
        if gap is None:
            raise KnowledgeError(f"no open knowledge gap {key!r}")
        lang = "zh" if gap.lang == "zh" else "en"
        placeholder = {
            "en": "To be written: the answer, with its conditions and figures.",
            "zh": "待补充：答案及其条件和数字。",
        }
        heading = {"en": "Answer", "zh": "答复"}
        body = f"# {gap.question}\n\n## {heading[lang]}\n\n{gap.answer or placeholder[lang]}\n"
        doc_id = f"gap-{key[:10]}-{lang}"
        version = self._new_version(
            doc_id, gap.question[:200], lang, "faq", self.today(), body, f"{doc_id}.md",
            body.encode("utf-8"), scan_document(body.encode("utf-8"), ".md"),
            f"from a knowledge gap ({gap.kind}, asked {gap.count}x)", actor, "draft_from_gap",
        )  # fmt: skip
        mark_drafted(self.registry.engine, key, doc_id, actor)
        return version

    def retrieval_test(
        self, question: str, lang: Lang | None = None, candidates: int = 10
    ) -> list[RetrievalProbe]:
        """The ranked chunks for a question with their BM25, dense and fused scores, as the pipeline
        would retrieve them today; the first ``top_k`` are what an answer is written from."""
        lang = lang or detect_lang(question)
        result = self.retriever.retrieve(question, lang=lang, top_k=candidates)
        top_k = self.retriever.top_k
        return [
            RetrievalProbe(
                rank=rank,
                doc_id=hit.chunk.doc_id,
                version=hit.chunk.version,
                title=hit.chunk.title,
                section=hit.chunk.section,
                chunk_id=hit.chunk.chunk_id,
                text=hit.chunk.text,
                fused_score=round(hit.fused_score, 5),
                dense_similarity=None if hit.dense_similarity is None else round(hit.dense_similarity, 4),
                dense_rank=hit.dense_rank,
                bm25_score=None if hit.bm25_score is None else round(hit.bm25_score, 4),
                bm25_rank=hit.bm25_rank,
                sent_to_answer=rank <= top_k,
            )
            for rank, hit in enumerate(result.chunks, start=1)
        ]

    def _pending(self, doc_id: str, version: int | None) -> DocumentVersion:
        versions = self.registry.versions(doc_id)
        if not versions:
            raise KnowledgeError(f"no document {doc_id!r}")
        if version is None:
            candidates = [v for v in versions if v.status in PENDING]
            if not candidates:
                raise KnowledgeError(f"{doc_id} has no version waiting for a decision")
            return candidates[-1]
        found = next((v for v in versions if v.version == version), None)
        if found is None:
            raise KnowledgeError(f"{doc_id} has no version {version}")
        if found.status not in PENDING:
            raise KnowledgeError(f"{doc_id} v{version} is {found.status}, not waiting for a decision")
        return found

    # Publication: approved versions whose effective date has come go into the index.
    def activate_due(
        self, today: date | None = None, progress: ProgressFactory | None = None
    ) -> list[DocumentVersion]:
        today = today or self.today()
        due: dict[str, DocumentVersion] = {}
        for v in self.registry.with_status("approved"):
            if v.effective_date <= today and (v.doc_id not in due or v.version > due[v.doc_id].version):
                due[v.doc_id] = v
        published = []
        for version in due.values():
            self._publish(version, progress)
            published.append(version)
        return published

    def republish(self) -> list[DocumentVersion]:
        """Index every document's published version again (a new or rebuilt vector store)."""
        live = self.registry.with_status("published")
        for version in live:
            self.ingestor.index_document(_loaded(version), version.content_hash)
        return live

    def keep_current(self, interval_s: float, stop: threading.Event) -> None:
        """For `serve`: publish versions as their effective dates arrive. With a ``publisher`` lease only
        its holder publishes, so replicas don't each embed the same version; the others search the
        same vector and keyword indexes, so they answer from it at their next query.
        Runs until ``stop`` is set."""
        while not stop.wait(interval_s):
            try:
                if self.publisher is None or self.publisher.acquire():
                    self.activate_due()
            except Exception:  # keep the loop alive through a database or index outage
                logger.exception("Keeping the knowledge base current failed; retrying")
        if self.publisher is not None:
            self.publisher.release()  # another replica takes over at its next round

    def _publish(self, version: DocumentVersion, progress: ProgressFactory | None) -> None:
        try:
            chunks = self.ingestor.index_document(_loaded(version), version.content_hash, progress)
        except DocumentError as exc:
            self.registry.audit(
                "system", "publish_failed", version.doc_id, version.version, {"error": str(exc)}
            )
            raise KnowledgeError(f"{version.doc_id} v{version.version} could not be indexed: {exc}") from exc
        self.registry.supersede_before(version.doc_id, version.version, "system")
        self.registry.set_status(
            version.doc_id,
            version.version,
            "published",
            "system",
            "publish",
            {"chunks": chunks},
            expected=("approved",),
        )


def _loaded(version: DocumentVersion) -> LoadedDocument:
    return LoadedDocument(
        meta=_meta(version),
        body_markdown=version.body_markdown,
        source_path=Path(f"registry/{version.doc_id}"),
    )


def _meta(version: DocumentVersion) -> DocumentMeta:
    return DocumentMeta(
        doc_id=version.doc_id,
        title=version.title,
        lang="zh" if version.lang == "zh" else "en",
        product=version.product,
        version=version.version,
        effective_date=version.effective_date,
        status="approved",
    )


class FileVersions:
    """The registry side of folder ingestion (`bank-assistant ingest`): every indexed or quarantined
    file is recorded as a numbered, audited version, like a change made in the knowledge admin.

    A file's version is recorded as ``indexing`` before its chunks go into the index, and takes the
    status its front matter gives only when they are all in: an ingest killed at any point leaves
    either a finished version or one the next run finds unfinished and indexes again."""

    def __init__(self, registry: DocumentRegistry) -> None:
        self.registry = registry

    def recorded(self, doc_id: str, content_hash: str) -> RecordedVersion | None:
        found = self.registry.recorded(doc_id, content_hash)
        if found is None:
            return None
        number, status = found
        return RecordedVersion(version=number, unfinished=status == "indexing")

    def begin(self, document: LoadedDocument, content_hash: str, raw: bytes) -> int:
        version = self._record(document, content_hash, raw, "indexing", [], "ingest", "ingested from")
        return version.version

    def finish(self, doc_id: str, version: int, front_matter_status: str) -> None:
        self.registry.finish_indexing(doc_id, version, _FROM_FRONT_MATTER[front_matter_status], FILE_ACTOR)

    def quarantine(self, document: LoadedDocument, content_hash: str, raw: bytes, scan: ScanReport) -> None:
        if self.registry.knows_hash(document.meta.doc_id, content_hash):
            return  # quarantined on an earlier run already
        findings = [f.model_dump() for f in scan.findings]
        self._record(
            document,
            content_hash,
            raw,
            "quarantined",
            findings,
            "quarantine",
            "quarantined at ingestion from",
        )

    def _record(
        self,
        document: LoadedDocument,
        content_hash: str,
        raw: bytes,
        status: VersionStatus,
        findings: list[dict[str, str]],
        action: str,
        note: str,
    ) -> DocumentVersion:
        meta = document.meta
        return self.registry.add_version(
            doc_id=meta.doc_id,
            status=status,
            title=meta.title,
            lang=meta.lang,
            product=meta.product,
            effective_date=meta.effective_date,
            body_markdown=document.body_markdown,
            filename=document.source_path.name,
            raw=raw,
            content_hash=content_hash,
            findings=findings,
            note=f"{note} {document.source_path}",
            actor=FILE_ACTOR,
            action=action,
            at_least=meta.version,
        )
