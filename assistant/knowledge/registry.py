"""The document registry: every version of every knowledge document, and the append-only audit log.

The registry is the record of what was written, by whom, and what was approved; the vector index only
holds the version in force. A version's status moves: draft (or quarantined) -> approved -> published
(in the index) -> superseded by a later one, or retired; a draft can be rejected instead. A file
ingested from a folder is recorded as ``indexing`` before its chunks go in and gets its final status
only once they are all in, so an ingest killed half-way is finished by the next one.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, func, select, update

from assistant.storage.migrations import audit_log, document_versions

VersionStatus = Literal[
    "indexing", "draft", "quarantined", "approved", "published", "superseded", "rejected", "retired"
]
# Statuses a decision (approve, reject) may still be taken on.
PENDING: tuple[VersionStatus, ...] = ("draft", "quarantined")


class DocumentSummary(BaseModel):
    """One line of the document list: the latest version, and the version customers get now."""

    doc_id: str
    title: str
    lang: str
    product: str
    version: int
    status: VersionStatus
    published_version: int | None
    effective_date: date
    last_editor: str
    updated_at: datetime


class DocumentVersion(BaseModel):
    id: int
    doc_id: str
    version: int
    status: VersionStatus
    title: str
    lang: str
    product: str
    effective_date: date
    body_markdown: str
    filename: str
    content_hash: str
    findings: list[dict[str, Any]]
    note: str
    created_by: str
    created_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    doc_id: str | None
    version: int | None
    detail: dict[str, Any]


def _version(row: Any) -> DocumentVersion:
    data = dict(row)
    data.pop("raw", None)
    data["findings"] = json.loads(data["findings"] or "[]")
    return DocumentVersion.model_validate(data)


class DocumentRegistry:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_version(
        self,
        *,
        doc_id: str,
        status: VersionStatus,
        title: str,
        lang: str,
        product: str,
        effective_date: date,
        body_markdown: str,
        filename: str,
        raw: bytes | None,
        content_hash: str,
        findings: list[dict[str, Any]],
        note: str,
        actor: str,
        action: str,
        at_least: int = 1,
    ) -> DocumentVersion:
        """A new version numbered after the document's last one (and at least ``at_least``, the number
        a file declares), and its audit entry, in one transaction."""
        with self.engine.begin() as conn:
            last = conn.execute(
                select(func.max(document_versions.c.version)).where(document_versions.c.doc_id == doc_id)
            ).scalar()
            number = max((last or 0) + 1, at_least)
            key = conn.execute(
                document_versions.insert().values(
                    doc_id=doc_id,
                    version=number,
                    status=status,
                    title=title,
                    lang=lang,
                    product=product,
                    effective_date=effective_date,
                    body_markdown=body_markdown,
                    filename=filename,
                    raw=raw,
                    content_hash=content_hash,
                    findings=json.dumps(findings, ensure_ascii=False),
                    note=note,
                    created_by=actor,
                    created_at=datetime.now(UTC),
                )
            ).inserted_primary_key
            assert key is not None
            _audit(
                conn,
                actor,
                action,
                doc_id,
                number,
                {"status": status, "note": note, "findings": len(findings)},
            )
        found = self.get(doc_id, number)
        assert found is not None
        return found

    def set_status(
        self,
        doc_id: str,
        version: int,
        status: VersionStatus,
        actor: str,
        action: str,
        detail: dict[str, Any] | None = None,
        expected: tuple[VersionStatus, ...] | None = None,
    ) -> bool:
        """Move a version to ``status`` (only from ``expected`` when given) and audit it; False when the
        version was not in an expected status (someone else decided first)."""
        with self.engine.begin() as conn:
            return _move(conn, doc_id, version, status, actor, action, detail, expected)

    def finish_indexing(self, doc_id: str, version: int, status: VersionStatus, actor: str) -> None:
        """An ``indexing`` version's chunks are all in: give it ``status`` and, when that puts it in
        force, supersede the older versions, in one transaction (a crash leaves all or none of it)."""
        with self.engine.begin() as conn:
            if status == "published":
                older = conn.execute(
                    select(document_versions.c.version).where(
                        document_versions.c.doc_id == doc_id,
                        document_versions.c.version < version,
                        document_versions.c.status.in_(("published", "approved")),
                    )
                ).scalars()
                for number in list(older):
                    _move(conn, doc_id, number, "superseded", actor, "supersede")
            _move(conn, doc_id, version, status, actor, "indexed", expected=("indexing",))

    def supersede_before(self, doc_id: str, version: int, actor: str) -> None:
        """Versions older than ``version`` that were in force, or waiting to be, are superseded."""
        for older in self.versions(doc_id):
            if older.version < version and older.status in ("published", "approved"):
                self.set_status(doc_id, older.version, "superseded", actor, "supersede")

    def audit(
        self, actor: str, action: str, doc_id: str | None, version: int | None, detail: dict[str, Any]
    ) -> None:
        with self.engine.begin() as conn:
            _audit(conn, actor, action, doc_id, version, detail)

    def get(self, doc_id: str, version: int | None = None) -> DocumentVersion | None:
        """One version, or the document's latest when ``version`` is None."""
        query = select(document_versions).where(document_versions.c.doc_id == doc_id)
        if version is not None:
            query = query.where(document_versions.c.version == version)
        with self.engine.connect() as conn:
            row = conn.execute(query.order_by(document_versions.c.version.desc()).limit(1)).mappings().first()
        return _version(row) if row else None

    def raw(self, doc_id: str, version: int) -> bytes | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(document_versions.c.raw).where(
                    document_versions.c.doc_id == doc_id, document_versions.c.version == version
                )
            ).scalar()

    def versions(self, doc_id: str) -> list[DocumentVersion]:
        query = (
            select(document_versions)
            .where(document_versions.c.doc_id == doc_id)
            .order_by(document_versions.c.version)
        )
        with self.engine.connect() as conn:
            return [_version(row) for row in conn.execute(query).mappings()]

    def latest_per_document(self) -> list[DocumentVersion]:
        latest = (
            select(document_versions.c.doc_id, func.max(document_versions.c.version).label("version"))
            .group_by(document_versions.c.doc_id)
            .subquery()
        )
        query = (
            select(document_versions)
            .join(
                latest,
                (document_versions.c.doc_id == latest.c.doc_id)
                & (document_versions.c.version == latest.c.version),
            )
            .order_by(document_versions.c.doc_id)
        )
        with self.engine.connect() as conn:
            return [_version(row) for row in conn.execute(query).mappings()]

    def summaries(self) -> list[DocumentSummary]:
        """Every document in two queries, however many there are."""
        published = {v.doc_id: v for v in self.with_status("published")}
        return [
            DocumentSummary(
                doc_id=latest.doc_id,
                title=latest.title,
                lang=latest.lang,
                product=latest.product,
                version=latest.version,
                status=latest.status,
                published_version=published[latest.doc_id].version if latest.doc_id in published else None,
                effective_date=published.get(latest.doc_id, latest).effective_date,
                last_editor=latest.created_by,
                updated_at=latest.created_at,
            )
            for latest in self.latest_per_document()
        ]

    def with_status(self, *statuses: VersionStatus) -> list[DocumentVersion]:
        query = (
            select(document_versions)
            .where(document_versions.c.status.in_(statuses))
            .order_by(document_versions.c.doc_id, document_versions.c.version)
        )
        with self.engine.connect() as conn:
            return [_version(row) for row in conn.execute(query).mappings()]

    def knows_hash(self, doc_id: str, content_hash: str) -> bool:
        return self.recorded(doc_id, content_hash) is not None

    def recorded(self, doc_id: str, content_hash: str) -> tuple[int, VersionStatus] | None:
        """The version number and status this exact content was recorded under, if it was."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(document_versions.c.version, document_versions.c.status)
                .where(document_versions.c.doc_id == doc_id, document_versions.c.content_hash == content_hash)
                .order_by(document_versions.c.version.desc())
                .limit(1)
            ).first()
        return (int(row.version), row.status) if row else None

    def audit_trail(self, doc_id: str | None = None, limit: int = 500) -> list[AuditEntry]:
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if doc_id is not None:
            query = query.where(audit_log.c.doc_id == doc_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            AuditEntry.model_validate({**row, "detail": json.loads(row["detail"])}) for row in reversed(rows)
        ]


def _move(
    conn: Connection,
    doc_id: str,
    version: int,
    status: VersionStatus,
    actor: str,
    action: str,
    detail: dict[str, Any] | None = None,
    expected: tuple[VersionStatus, ...] | None = None,
) -> bool:
    """Within ``conn``'s transaction: a version to ``status`` (only from ``expected``), audited."""
    query = update(document_versions).where(
        document_versions.c.doc_id == doc_id, document_versions.c.version == version
    )
    if expected:
        query = query.where(document_versions.c.status.in_(expected))
    values: dict[str, Any] = {"status": status}
    if action in ("approve", "reject", "override_quarantine"):
        values |= {"decided_by": actor, "decided_at": datetime.now(UTC)}
    changed = conn.execute(query.values(**values)).rowcount
    if changed:
        _audit(conn, actor, action, doc_id, version, {"status": status, **(detail or {})})
    return bool(changed)


def _audit(
    conn: Connection, actor: str, action: str, doc_id: str | None, version: int | None, detail: dict[str, Any]
) -> None:
    conn.execute(
        audit_log.insert().values(
            at=datetime.now(UTC),
            actor=actor,
            action=action,
            doc_id=doc_id,
            version=version,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        )
    )
