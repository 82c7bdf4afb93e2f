"""The knowledge admin tab, for product teams: documents and their versions, upload, edit in place,
approve / reject / retire, a retrieval test, curated answers, knowledge gaps and the audit log.

Every action runs as the signed-in user; the rules (roles, no self-approval, quarantine) live in
``KnowledgeBase``, so the UI and the `docs` CLI cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.access import Role, sign_in
from assistant.config import Settings
from assistant.domain import Lang
from assistant.errors import UserFacingError
from assistant.knowledge.registry import DocumentVersion
from assistant.knowledge.workflow import KnowledgeBase
from ui.login import login_box

DOCUMENT_HEADERS = [
    "doc_id",
    "title",
    "lang",
    "product",
    "latest",
    "status",
    "live",
    "effective",
    "last editor",
]
VERSION_HEADERS = ["version", "status", "effective", "by", "created", "decided by", "note", "findings"]
PROBE_HEADERS = ["rank", "to answer", "fused", "bm25", "dense", "doc_id", "v", "section", "chunk_id", "text"]
GAP_HEADERS = ["key", "kind", "times", "last seen", "question", "answer a person gave"]
CURATED_HEADERS = ["id", "current", "lang", "pattern", "answer", "sources"]
AUDIT_HEADERS = ["at", "actor", "action", "doc_id", "version", "detail"]
ADMIN_ROLES: tuple[Role, ...] = ("editor", "approver")


def check_login(settings: Settings, username: str, password: str) -> str | None:
    """The user's name when the credentials match a staff login allowed in the knowledge admin."""
    return sign_in(settings.staff, username, password, ADMIN_ROLES)


def document_rows(kb: KnowledgeBase) -> list[list[Any]]:
    return [
        [d.doc_id, d.title, d.lang, d.product, d.version, d.status, d.published_version or "-",
         str(d.effective_date), d.last_editor]
        for d in kb.registry.summaries()
    ]  # fmt: skip


def version_rows(versions: list[DocumentVersion]) -> list[list[Any]]:
    return [
        [
            v.version, v.status, str(v.effective_date), v.created_by, v.created_at.strftime("%Y-%m-%d %H:%M"),
            v.decided_by or "", v.note, "; ".join(f"{f['kind']}: {f['excerpt']}" for f in v.findings),
        ]
        for v in reversed(versions)
    ]  # fmt: skip


def curated_rows(kb: KnowledgeBase) -> list[list[Any]]:
    return [
        [
            a.id,
            kb.curated.is_current(a),
            a.lang,
            a.pattern,
            a.answer,
            ", ".join(s.chunk_id for s in a.sources),
        ]
        for a in kb.curated.all()
    ]


def gap_rows(kb: KnowledgeBase) -> list[list[Any]]:
    return [
        [g.key, g.kind, g.count, g.last_seen.strftime("%Y-%m-%d %H:%M"), g.question, g.answer or ""]
        for g in kb.gaps()
    ]


def audit_rows(kb: KnowledgeBase) -> list[list[Any]]:
    return [
        [
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            e.actor,
            e.action,
            e.doc_id or "",
            e.version or "",
            str(e.detail),
        ]
        for e in reversed(kb.registry.audit_trail(limit=200))
    ]


def version_markdown(version: DocumentVersion | None) -> str:
    if version is None:
        return "_No such version._"
    findings = "".join(
        f"\n- **{f['severity']}** {f['kind']} ({f['location']}): `{f['excerpt']}`" for f in version.findings
    )
    head = (
        f"**{version.doc_id} v{version.version}** · {version.status} · effective {version.effective_date} · "
        f"by {version.created_by}" + (f" · decided by {version.decided_by}" if version.decided_by else "")
    )
    warning = f"\n\n⚠️ **Content scanner findings**{findings}" if version.findings else ""
    return f"{head}{warning}\n\n---\n\n{version.body_markdown}"


def _run(action: Any) -> str:
    """Run an action; a refused one (missing role, own change, quarantine) shows why instead."""
    try:
        return f"✅ {action()}"
    except UserFacingError as exc:
        return f"⛔ {exc}"


def build_knowledge_tab(kb: KnowledgeBase, settings: Settings) -> None:
    user = gr.State(None)
    login = login_box("Editor or approver sign-in required · 知识库管理登录")

    with gr.Column(visible=False) as admin:
        signed_in = gr.Markdown()
        status = gr.Markdown()
        with gr.Tabs():
            with gr.Tab("Documents"):
                refresh = gr.Button("Refresh")
                documents = gr.Dataframe(headers=DOCUMENT_HEADERS, interactive=False, wrap=True)
                with gr.Row():
                    doc_id = gr.Textbox(label="doc_id", scale=2)
                    version = gr.Number(label="Version (empty = latest)", precision=0, scale=1)
                    show = gr.Button("Show versions", scale=1)
                versions = gr.Dataframe(headers=VERSION_HEADERS, interactive=False, wrap=True)
                viewer = gr.Markdown()
                with gr.Row():
                    override = gr.Checkbox(label="Override quarantine (I reviewed the findings)")
                    reason = gr.Textbox(label="Reason (reject / retire)")
                with gr.Row():
                    approve = gr.Button("Approve", variant="primary")
                    reject = gr.Button("Reject")
                    retire = gr.Button("Retire document", variant="stop")
            with gr.Tab("Upload"):
                upload = gr.File(label="Markdown, PDF, DOCX, HTML or TXT", type="filepath")
                with gr.Row():
                    up_doc_id = gr.Textbox(label="doc_id (default: from the file)")
                    up_title = gr.Textbox(label="Title (default: from the file)")
                    up_lang = gr.Dropdown(["", "en", "zh"], value="", label="Language")
                    up_product = gr.Textbox(label="Product")
                    up_effective = gr.Textbox(label="Effective date (YYYY-MM-DD, default today)")
                up_note = gr.Textbox(label="What changed and why")
                add = gr.Button("Upload as draft", variant="primary")
            with gr.Tab("Edit"):
                with gr.Row():
                    edit_doc = gr.Textbox(label="doc_id")
                    load = gr.Button("Load latest version")
                editor = gr.Code(label="Markdown", language="markdown", lines=24, interactive=True)
                with gr.Row():
                    edit_effective = gr.Textbox(label="Effective date (YYYY-MM-DD, default unchanged)")
                    edit_note = gr.Textbox(label="What changed and why")
                save = gr.Button("Save as new draft version", variant="primary")
            with gr.Tab("Retrieval test"):
                with gr.Row():
                    question = gr.Textbox(label="Question", scale=4)
                    test_lang = gr.Radio(["auto", "en", "zh"], value="auto", label="Language", scale=1)
                run_test = gr.Button("Search", variant="primary")
                probes = gr.Dataframe(headers=PROBE_HEADERS, interactive=False, wrap=True)
            with gr.Tab("Curated answers"):
                curated = gr.Dataframe(headers=CURATED_HEADERS, interactive=False, wrap=True)
                with gr.Row():
                    pattern = gr.Textbox(label="Question pattern (regular expression)")
                    pin_lang = gr.Radio(["en", "zh"], value="en", label="Language")
                pinned_answer = gr.Textbox(label="Answer (used verbatim)", lines=3)
                sources = gr.Textbox(label="Source chunk ids, comma-separated (from the retrieval test)")
                with gr.Row():
                    pin = gr.Button("Pin answer", variant="primary")
                    unpin_id = gr.Number(label="Curated answer id", precision=0)
                    unpin = gr.Button("Unpin")
            with gr.Tab("Knowledge gaps"):
                gaps = gr.Dataframe(headers=GAP_HEADERS, interactive=False, wrap=True)
                with gr.Row():
                    gap_key = gr.Textbox(label="Gap key")
                    draft_gap = gr.Button("Create draft document", variant="primary")
            with gr.Tab("Audit log"):
                audit = gr.Dataframe(headers=AUDIT_HEADERS, interactive=False, wrap=True)

    def tables() -> tuple[Any, ...]:
        return document_rows(kb), curated_rows(kb), gap_rows(kb), audit_rows(kb)

    table_outputs = [documents, curated, gaps, audit]

    def do_sign_in(name: str, secret: str) -> tuple[Any, ...]:
        who = check_login(settings, name, secret)
        if who is None:
            return (
                None,
                gr.update(),
                gr.update(),
                "Sign-in failed, or this login has no editor or approver role.",
                "",
                *([gr.update()] * 4),
            )
        return (
            who,
            gr.update(visible=False),
            gr.update(visible=True),
            "",
            f"Signed in as **{who}**",
            *tables(),
        )

    login.button.click(
        do_sign_in,
        [login.username, login.password],
        [user, login.box, admin, login.error, signed_in, *table_outputs],
    )
    refresh.click(lambda: tables(), None, table_outputs)

    def show_versions(doc: str, number: float | None) -> tuple[Any, str]:
        doc = (doc or "").strip()
        return version_rows(kb.registry.versions(doc)), version_markdown(
            kb.registry.get(doc, int(number) if number else None)
        )

    show.click(show_versions, [doc_id, version], [versions, viewer])

    def decide(kind: str) -> Any:
        def handler(
            who: str,
            doc: str,
            number: float | None,
            force: bool,
            why: str,
            progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio injects the progress bar here)
        ) -> tuple[Any, ...]:
            doc = (doc or "").strip()
            chosen = int(number) if number else None

            def report(total: int, label: str) -> Callable[[int], None]:
                done = 0

                def advance(count: int) -> None:
                    nonlocal done
                    done += count
                    progress((done, total), desc=label)

                return advance

            actions = {
                "approve": lambda: _described(
                    kb.approve(doc, who, chosen, override_quarantine=force, progress=report)
                ),
                "reject": lambda: _described(kb.reject(doc, who, chosen, why)),
                "retire": lambda: f"{doc} retired ({len(kb.retire(doc, who, why))} versions on record)",
            }
            message = _run(actions[kind])
            rows, view = show_versions(doc, number)
            return message, rows, view, *tables()

        return handler

    decision_inputs = [user, doc_id, version, override, reason]
    decision_outputs = [status, versions, viewer, *table_outputs]
    approve.click(decide("approve"), decision_inputs, decision_outputs)
    reject.click(decide("reject"), decision_inputs, decision_outputs)
    retire.click(decide("retire"), decision_inputs, decision_outputs)

    def do_add(
        who: str, path: str | None, doc: str, title: str, lang: str, product: str, effective: str, note: str
    ) -> tuple[Any, ...]:
        def action() -> str:
            if not path:
                raise UserFacingError("choose a file to upload")
            created = kb.add(
                Path(path).read_bytes(),
                Path(path).name,
                who,
                doc_id=doc.strip() or None,
                title=title.strip() or None,
                lang=lang or None,
                product=product.strip() or None,
                effective_date=_day(effective),
                note=note,
            )
            return _described(created)

        return _run(action), *tables()

    add.click(
        do_add,
        [user, upload, up_doc_id, up_title, up_lang, up_product, up_effective, up_note],
        [status, *table_outputs],
    )

    def do_load(doc: str) -> tuple[str, str]:
        latest = kb.registry.get((doc or "").strip())
        if latest is None:
            return "", f"⛔ no document {doc!r}"
        return latest.body_markdown, f"Loaded {latest.doc_id} v{latest.version} ({latest.status})"

    load.click(do_load, [edit_doc], [editor, status])

    def do_save(who: str, doc: str, markdown: str, effective: str, note: str) -> tuple[Any, ...]:
        message = _run(
            lambda: _described(
                kb.edit((doc or "").strip(), markdown or "", who, effective_date=_day(effective), note=note)
            )
        )
        return message, *tables()

    save.click(do_save, [user, edit_doc, editor, edit_effective, edit_note], [status, *table_outputs])

    def do_test(text: str, lang: str) -> list[list[Any]]:
        if not (text or "").strip():
            return []
        chosen: Lang | None = None if lang == "auto" else ("zh" if lang == "zh" else "en")
        rows = []
        for p in kb.retrieval_test(text, chosen):
            scores = [p.fused_score, p.bm25_score, p.dense_similarity]
            rows.append(
                [
                    p.rank,
                    "✔" if p.sent_to_answer else "",
                    *scores,
                    p.doc_id,
                    p.version,
                    p.section,
                    p.chunk_id,
                    p.text[:300],
                ]
            )
        return rows

    run_test.click(do_test, [question, test_lang], [probes])

    def do_pin(who: str, regex: str, lang: str, text: str, ids: str) -> tuple[Any, ...]:
        chunk_ids = [i.strip() for i in (ids or "").split(",") if i.strip()]
        chosen: Lang = "zh" if lang == "zh" else "en"
        message = _run(
            lambda: f"pinned curated answer {kb.pin(regex or '', chosen, text or '', chunk_ids, who).id}"
        )
        return message, *tables()

    pin.click(do_pin, [user, pattern, pin_lang, pinned_answer, sources], [status, *table_outputs])

    def do_unpin(who: str, number: float | None) -> tuple[Any, ...]:
        def action() -> str:
            kb.unpin(int(number or 0), who)
            return f"curated answer {int(number or 0)} unpinned"

        return _run(action), *tables()

    unpin.click(do_unpin, [user, unpin_id], [status, *table_outputs])

    def do_draft_gap(who: str, key: str) -> tuple[Any, ...]:
        return _run(lambda: _described(kb.draft_from_gap((key or "").strip(), who))), *tables()

    draft_gap.click(do_draft_gap, [user, gap_key], [status, *table_outputs])


def _described(version: DocumentVersion) -> str:
    return f"{version.doc_id} v{version.version} is {version.status}"


def _day(value: str | None) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise UserFacingError(f"not a date (YYYY-MM-DD): {value!r}") from exc
