"""One conformance suite for the document registry and its audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import DBAPIError

from assistant.knowledge.registry import DocumentRegistry
from assistant.storage.database import open_database
from assistant.storage.migrations import audit_log, migrate


@pytest.fixture
def registry(database_url: str) -> DocumentRegistry:
    engine: Engine = open_database(database_url)
    migrate(engine)
    return DocumentRegistry(engine)


def add(registry: DocumentRegistry, doc_id: str = "fees-en", body: str = "# Fees\n\nFee ¥10.", **kw):  # type: ignore[no-untyped-def]
    fields = {
        "doc_id": doc_id,
        "status": "draft",
        "title": "Fees",
        "lang": "en",
        "product": "fees",
        "effective_date": date(2026, 1, 1),
        "body_markdown": body,
        "filename": "fees.md",
        "raw": body.encode(),
        "content_hash": str(hash(body)),
        "findings": [],
        "note": "",
        "actor": "editor",
        "action": "add",
    }
    return registry.add_version(**{**fields, **kw})


def test_versions_are_numbered_per_document_and_kept(registry):
    first, second = add(registry), add(registry, body="# Fees\n\nFee ¥12.")
    other = add(registry, doc_id="loans-en")
    declared = add(registry, doc_id="cards-en", at_least=4)
    assert (first.version, second.version, other.version, declared.version) == (1, 2, 1, 4)
    assert [v.body_markdown for v in registry.versions("fees-en")] == [
        "# Fees\n\nFee ¥10.",
        "# Fees\n\nFee ¥12.",
    ]
    assert registry.raw("fees-en", 1) == b"# Fees\n\nFee \xc2\xa510."
    assert {v.doc_id: v.version for v in registry.latest_per_document()} == {
        "cards-en": 4,
        "fees-en": 2,
        "loans-en": 1,
    }
    assert registry.knows_hash("fees-en", first.content_hash) and not registry.knows_hash("fees-en", "nope")


def test_a_decision_is_taken_once(registry):
    add(registry)
    assert registry.set_status("fees-en", 1, "approved", "ann", "approve", expected=("draft", "quarantined"))
    assert not registry.set_status(
        "fees-en", 1, "rejected", "bob", "reject", expected=("draft", "quarantined")
    )
    version = registry.get("fees-en", 1)
    assert version is not None and (version.status, version.decided_by) == ("approved", "ann")


def test_the_audit_log_records_every_change_and_refuses_edits(registry):
    add(registry)
    registry.set_status("fees-en", 1, "approved", "ann", "approve")
    trail = registry.audit_trail("fees-en")
    assert [(e.actor, e.action, e.version) for e in trail] == [("editor", "add", 1), ("ann", "approve", 1)]
    for statement in (update(audit_log).values(actor="mallory"), delete(audit_log)):
        with pytest.raises(DBAPIError), registry.engine.begin() as conn:
            conn.execute(statement)
    assert len(registry.audit_trail()) == 2
