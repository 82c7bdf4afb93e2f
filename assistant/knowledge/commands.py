"""`bank-assistant docs ...`: every knowledge-admin action from the command line, so a product team's
own pipeline can publish documents. The acting user is always given (`--actor`) and must have the
role the action needs. `--json` outputs are contracts: keep names and fields stable.

Refused actions (a missing role, self-approval, a quarantined version without the override, a bad
file) print {"error": ...} with --json, a message otherwise, and exit 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.config import Settings
from assistant.container import Services
from assistant.domain import Lang
from assistant.errors import UserFacingError
from assistant.knowledge.registry import DocumentVersion

docs = typer.Typer(
    help="Knowledge documents: versions, approval, curated answers, gaps.", no_args_is_help=True
)

Actor = Annotated[str, typer.Option("--actor", help="The staff user doing this (needs the right role).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _services() -> Services:
    services = Services(Settings())
    services.ensure_knowledge_indexed()
    return services


def _emit(payload: Any, as_json: bool, text: Callable[[], str]) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, default=str) if as_json else text())


@contextmanager
def _refusals(as_json: bool) -> Iterator[None]:
    try:
        yield
    except UserFacingError as exc:
        if as_json:
            typer.echo(json.dumps({"error": str(exc)}, ensure_ascii=False))
        else:
            typer.echo(f"Refused: {exc}", err=True)
        raise typer.Exit(code=2) from exc


def version_json(v: DocumentVersion, with_body: bool = False) -> dict[str, Any]:
    exclude = set() if with_body else {"body_markdown"}
    return v.model_dump(mode="json", exclude=exclude)


def _line(v: DocumentVersion) -> str:
    return f"{v.doc_id} v{v.version} {v.status} ({v.lang}, effective {v.effective_date}, by {v.created_by})"


@docs.command("list")
def list_documents(as_json: AsJson = False) -> None:
    """Every document: its latest version and status, and the version customers get now."""
    rows = [summary.model_dump(mode="json") for summary in _services().registry.summaries()]

    def text() -> str:
        return "\n".join(
            f"{r['doc_id']:<32} v{r['version']} {r['status']:<11} "
            f"live v{r['published_version'] or '-'} {r['title']}"
            for r in rows
        )

    _emit(rows, as_json, text)


@docs.command()
def show(
    doc_id: str,
    version: Annotated[int | None, typer.Option(help="A version number (default: the latest).")] = None,
    as_json: AsJson = False,
) -> None:
    """One version in full, as it was written: what an answer citing it was based on."""
    found = _services().registry.get(doc_id, version)
    if found is None:
        _emit(
            {"error": f"no document {doc_id!r} version {version or 'latest'}"}, as_json, lambda: "Not found."
        )
        raise typer.Exit(code=2)
    _emit(version_json(found, with_body=True), as_json, lambda: f"{_line(found)}\n\n{found.body_markdown}")


@docs.command()
def history(doc_id: str, as_json: AsJson = False) -> None:
    """Every version of a document and every action taken on it."""
    registry = _services().registry
    versions = [version_json(v) for v in registry.versions(doc_id)]
    audit = [e.model_dump(mode="json") for e in registry.audit_trail(doc_id)]
    _emit({"doc_id": doc_id, "versions": versions, "audit": audit}, as_json, lambda: "\n".join(
        f"{e['at']} {e['actor']:<12} {e['action']:<20} v{e['version']}" for e in audit
    ))  # fmt: skip


@docs.command()
def add(
    file: Annotated[Path, typer.Argument(help="Markdown, PDF, DOCX, HTML or TXT.")],
    actor: Actor,
    doc_id: Annotated[str | None, typer.Option(help="Default: the file's front matter or name.")] = None,
    title: Annotated[str | None, typer.Option()] = None,
    lang: Annotated[str | None, typer.Option(help="en or zh (default: detected).")] = None,
    product: Annotated[str | None, typer.Option()] = None,
    effective_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: today).")] = None,
    note: Annotated[str, typer.Option(help="What changed and why.")] = "",
    as_json: AsJson = False,
) -> None:
    """Upload a document as a draft (quarantined instead when the content scanner flags it)."""
    with _refusals(as_json):
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise UserFacingError(f"cannot read {file}: {exc.strerror or exc}") from exc
        created = _services().knowledge.add(
            raw, file.name, actor, doc_id=doc_id, title=title, lang=lang, product=product,
            effective_date=_day(effective_date), note=note,
        )  # fmt: skip
    _emit(version_json(created), as_json, lambda: _line(created))


@docs.command()
def edit(
    doc_id: str,
    file: Annotated[Path, typer.Argument(help="The new Markdown ('-' = stdin).")],
    actor: Actor,
    effective_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: unchanged).")] = None,
    note: Annotated[str, typer.Option(help="What changed and why.")] = "",
    as_json: AsJson = False,
) -> None:
    """Save new Markdown for a document as a draft version."""
    with _refusals(as_json):
        markdown = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        created = _services().knowledge.edit(
            doc_id, markdown, actor, effective_date=_day(effective_date), note=note
        )
    _emit(version_json(created), as_json, lambda: _line(created))


@docs.command()
def approve(
    doc_id: str,
    actor: Actor,
    version: Annotated[int | None, typer.Option(help="Default: the latest pending version.")] = None,
    override_quarantine: Annotated[
        bool, typer.Option("--override-quarantine", help="Approve a quarantined version after review.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Approve a pending version (not your own); it is indexed now if its effective date has come."""
    with _refusals(as_json):
        decided = _services().knowledge.approve(
            doc_id, actor, version, override_quarantine=override_quarantine
        )
    _emit(version_json(decided), as_json, lambda: _line(decided))


@docs.command()
def reject(
    doc_id: str,
    actor: Actor,
    version: Annotated[int | None, typer.Option(help="Default: the latest pending version.")] = None,
    reason: Annotated[str, typer.Option()] = "",
    as_json: AsJson = False,
) -> None:
    """Reject a pending version."""
    with _refusals(as_json):
        decided = _services().knowledge.reject(doc_id, actor, version, reason)
    _emit(version_json(decided), as_json, lambda: _line(decided))


@docs.command()
def retire(
    doc_id: str, actor: Actor, reason: Annotated[str, typer.Option()] = "", as_json: AsJson = False
) -> None:
    """Take a document out of service (its versions stay on record)."""
    with _refusals(as_json):
        versions = _services().knowledge.retire(doc_id, actor, reason)
    _emit([version_json(v) for v in versions], as_json, lambda: "\n".join(_line(v) for v in versions))


@docs.command()
def activate(
    today: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: today).")] = None,
    as_json: AsJson = False,
) -> None:
    """Publish approved versions whose effective date has come (`serve` does this every minute)."""
    published = _services().knowledge.activate_due(_day(today))
    _emit([version_json(v) for v in published], as_json, lambda: f"Published {len(published)} version(s).")


@docs.command()
def audit(
    doc_id: Annotated[str | None, typer.Option("--doc", help="One document only.")] = None,
    as_json: AsJson = False,
) -> None:
    """The append-only audit log: who did what, when, to which version."""
    entries = [e.model_dump(mode="json") for e in _services().registry.audit_trail(doc_id)]

    def text() -> str:
        return "\n".join(
            f"{e['at']} {e['actor']:<12} {e['action']:<20} {e['doc_id'] or '-'} v{e['version'] or '-'}"
            for e in entries
        )

    _emit(entries, as_json, text)


@docs.command("test")
def retrieval_test(
    question: str,
    lang: Annotated[str | None, typer.Option(help="en or zh (default: detected).")] = None,
    candidates: Annotated[int, typer.Option(help="How many ranked chunks to show.")] = 10,
    as_json: AsJson = False,
) -> None:
    """Retrieval test: the ranked chunks with BM25, dense and fused scores, and which reach the answer."""
    chosen: Lang | None = "zh" if lang == "zh" else "en" if lang == "en" else None
    probes = _services().knowledge.retrieval_test(question, chosen, candidates)
    _emit([p.model_dump() for p in probes], as_json, lambda: "\n".join(
        f"{p.rank:>2}{'*' if p.sent_to_answer else ' '} {p.fused_score:.4f} bm25={p.bm25_score} "
        f"dense={p.dense_similarity}  {p.doc_id} v{p.version} › {p.section}"
        for p in probes
    ))  # fmt: skip


@docs.command()
def pin(
    actor: Actor,
    pattern: Annotated[str, typer.Option(help="Regular expression over the question (case-insensitive).")],
    answer: Annotated[str, typer.Option(help="The answer, used verbatim.")],
    source: Annotated[list[str], typer.Option(help="Chunk id of a published passage (repeatable).")],
    lang: Annotated[str, typer.Option(help="en or zh.")] = "en",
    as_json: AsJson = False,
) -> None:
    """Pin a curated answer, resting on published passages, to a question pattern."""
    with _refusals(as_json):
        pinned = _services().knowledge.pin(pattern, "zh" if lang == "zh" else "en", answer, source, actor)
    _emit(pinned.model_dump(mode="json"), as_json, lambda: f"Pinned curated answer {pinned.id}.")


@docs.command()
def unpin(answer_id: int, actor: Actor, as_json: AsJson = False) -> None:
    """Stop using a curated answer."""
    with _refusals(as_json):
        _services().knowledge.unpin(answer_id, actor)
    _emit({"id": answer_id, "active": False}, as_json, lambda: f"Curated answer {answer_id} unpinned.")


@docs.command()
def curated(as_json: AsJson = False) -> None:
    """The active curated answers, and whether each is current (its sources still published)."""
    store = _services().curated
    rows = [{**a.model_dump(mode="json"), "current": store.is_current(a)} for a in store.all()]

    def text() -> str:
        return "\n".join(
            f"{r['id']:>3} {'current' if r['current'] else 'STALE  '} /{r['pattern']}/ ({r['lang']})"
            for r in rows
        )

    _emit(rows, as_json, text)


@docs.command()
def gaps(as_json: AsJson = False) -> None:
    """Knowledge gaps: abstained questions and agents' answers, as candidate new entries."""
    found = _services().knowledge.gaps()
    _emit([g.model_dump(mode="json") for g in found], as_json, lambda: "\n".join(
        f"{g.key} {g.kind:<13} x{g.count}  {g.question[:80]}" for g in found
    ))  # fmt: skip


@docs.command("draft-gap")
def draft_gap(key: str, actor: Actor, as_json: AsJson = False) -> None:
    """Turn a knowledge gap into a draft document."""
    with _refusals(as_json):
        created = _services().knowledge.draft_from_gap(key, actor)
    _emit(version_json(created), as_json, lambda: _line(created))


def _day(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise UserFacingError(f"not a date (YYYY-MM-DD): {value!r}") from exc
