"""The dashboard tab: evaluation reports side by side with their plots, a drill-down into any failing
question (did retrieval or generation fail?), live analytics from the turn log, and customer insight
(complaint and question topics, what is rising, what went unanswered)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd
from sqlalchemy import Engine

from assistant.access import Role, sign_in
from assistant.analytics import live_analytics
from assistant.config import Settings
from assistant.insight.opinions import OpinionMiner
from assistant.knowledge.workflow import KnowledgeBase
from ui.insights import build_insight_section
from ui.login import login_box

DASHBOARD_ROLES: tuple[Role, ...] = ("editor", "approver")
KEY_METRICS = (
    "abstained_when_unanswerable",
    "abstained_when_answerable",
    "numeric_accuracy",
    "citation_validity",
    "reference_doc_retrieved",
    "context_recall_by_id",
    "context_precision_by_id",
    "context_recall_non_llm",
    "chrf",
    "bleu",
    "semantic_similarity",
)


def check_login(settings: Settings, username: str, password: str) -> str | None:
    return sign_in(settings.staff, username, password, DASHBOARD_ROLES)


def report_folders(root: Path) -> list[str]:
    """Report folders, newest first."""
    return sorted((p.parent.name for p in root.glob("*/report.json")), reverse=True)


def load_report(root: Path, name: str | None) -> dict[str, Any] | None:
    path = root / (name or "") / "report.json"
    return json.loads(path.read_text(encoding="utf-8")) if name and path.exists() else None


def comparison_table(latest: dict[str, Any] | None, previous: dict[str, Any] | None) -> pd.DataFrame:
    """Key metrics by language for our pipeline and the baseline, latest beside previous."""
    rows = []
    for metric in KEY_METRICS:
        row: dict[str, Any] = {"metric": metric}
        for label, report in (("latest", latest), ("previous", previous)):
            if report is None:
                continue
            for system in ("answer_quality", "baseline"):
                by_lang = report.get(system, {}).get("by_language", {})
                for lang in ("en", "zh"):
                    name = f"{label} {'ours' if system == 'answer_quality' else 'baseline'} {lang}"
                    row[name] = by_lang.get(lang, {}).get(metric)
        rows.append(row)
    return pd.DataFrame(rows)


def failing_cases(report: dict[str, Any] | None) -> list[tuple[str, str]]:
    cases = (report or {}).get("answer_quality", {}).get("cases", [])
    return [
        (f"{c['id']} · {c['failure']} · {c['question'][:60]}", c["id"]) for c in cases if c.get("failure")
    ]


def case_markdown(report: dict[str, Any] | None, case_id: str | None) -> str:
    cases = {c["id"]: c for c in (report or {}).get("answer_quality", {}).get("cases", [])}
    case = cases.get(case_id or "")
    if case is None:
        return "_Choose a failing question._"
    if not case["answerable"]:
        where = "**Generation**: the sources do not answer this, yet it answered instead of abstaining."
    elif not case["reference_retrieved"]:
        where = "**Retrieval failed**: no reference document among the retrieved passages."
    else:
        where = "**Generation failed**: the reference was retrieved, but the answer missed or abstained."
    retrieved = "\n".join(
        f"{n}. {'✅' if r['is_reference'] else '▫️'} `{r['doc_id']}` — {html.escape(r['text'][:300])}"
        for n, r in enumerate(case["retrieved"], start=1)
    )
    return (
        f"### {html.escape(case['question'])}\n\n{where}\n\n"
        f"**Why it failed:** {case['failure']} · kind {case['kind']} · {case['lang']}\n\n"
        f"**Answer ({case['answer_kind']}):** {html.escape(case['answer'])}\n\n"
        f"**Reference answer:** {html.escape(case['reference_answer'])} "
        f"(docs: {', '.join(case['reference_docs'])})\n\n"
        f"**Retrieved passages:**\n\n{retrieved or '_none_'}\n\n**Timings (ms):** {case['timings_ms']}"
    )


def report_html(root: Path, name: str | None) -> str:
    path = root / (name or "") / "report.html"
    if not name or not path.exists():
        return "<p>No HTML report in this folder.</p>"
    # The report is our own output; it is shown in a sandboxed frame so its styles stay inside.
    page = html.escape(path.read_text(encoding="utf-8"))
    return f'<iframe sandbox srcdoc="{page}" style="width:100%;height:900px;border:0"></iframe>'


def analytics_views(engine: Engine, days: int) -> tuple[Any, ...]:
    stats = live_analytics(engine, days)
    summary = pd.DataFrame(
        [
            ["conversations", stats.conversations],
            ["turns", stats.turns],
            ["handed to a person", stats.handed_off],
            ["containment (no person needed)", stats.containment],
            ["CSAT responses", stats.csat_responses],
            ["CSAT average (1-5)", stats.csat_average],
            ["CSAT satisfied (4-5)", stats.csat_satisfied],
        ],
        columns=["measure", "value"],
    )
    reasons = pd.DataFrame(list(stats.handoff_reasons.items()), columns=["reason", "handoffs"])
    intents = pd.DataFrame(
        [(day, intent, n) for day, counts in stats.intents_by_day.items() for intent, n in counts.items()],
        columns=["day", "intent", "turns"],
    )
    top = {intent for intent, _ in stats.top_intents[:6]}
    intents = intents[intents["intent"].isin(top)]
    emotions = pd.DataFrame(
        [(day, emotion, n) for day, counts in stats.emotions_by_day.items() for emotion, n in counts.items()],
        columns=["day", "emotion", "turns"],
    )
    funnel = pd.DataFrame(
        stats.funnel, columns=["product_id", "shown", "clicked", "accepted", "dismissed", "acceptance_rate"]
    )
    csat = pd.DataFrame(sorted(stats.csat_distribution.items()), columns=["rating", "responses"])
    return summary, reasons, intents, emotions, funnel, csat


def build_dashboard_tab(
    engine: Engine,
    settings: Settings,
    reports_root: Path,
    opinions: OpinionMiner,
    knowledge: KnowledgeBase,
) -> None:
    login = login_box("Staff sign-in required (editor or approver) · 数据看板登录")
    signed_in = gr.State(None)

    with gr.Column(visible=False) as board, gr.Tabs():
        with gr.Tab("Evaluation reports"):
            with gr.Row():
                latest = gr.Dropdown(label="Latest report", choices=[])
                previous = gr.Dropdown(label="Previous report", choices=[])
                reload = gr.Button("Reload")
            comparison = gr.Dataframe(interactive=False, wrap=True, label="Key metrics by language")
            with gr.Row():
                latest_html = gr.HTML()
                previous_html = gr.HTML()
            failing = gr.Dropdown(label="Failing question (latest report)", choices=[])
            detail = gr.Markdown()
        with gr.Tab("Live analytics"):
            with gr.Row():
                days = gr.Slider(1, 365, value=30, step=1, label="Days")
                refresh = gr.Button("Refresh")
            summary = gr.Dataframe(interactive=False)
            with gr.Row():
                reasons = gr.BarPlot(x="reason", y="handoffs", title="Handoff reasons")
                csat = gr.BarPlot(x="rating", y="responses", title="Customer ratings (CSAT)")
            intents = gr.LinePlot(x="day", y="turns", color="intent", title="Top intents per day")
            emotions = gr.LinePlot(x="day", y="turns", color="emotion", title="Emotions per day")
            funnel = gr.Dataframe(interactive=False, label="Recommendation funnel")
        with gr.Tab("Customer insight · 客户洞察"):
            build_insight_section(opinions, knowledge, signed_in)

    def reports() -> tuple[Any, ...]:
        folders = report_folders(reports_root)
        newest = folders[0] if folders else None
        older = folders[1] if len(folders) > 1 else None
        return gr.update(choices=folders, value=newest), gr.update(choices=folders, value=older)

    def compare(new: str | None, old: str | None) -> tuple[Any, ...]:
        latest_report, previous_report = load_report(reports_root, new), load_report(reports_root, old)
        return (
            comparison_table(latest_report, previous_report),
            report_html(reports_root, new),
            report_html(reports_root, old),
            gr.update(choices=failing_cases(latest_report), value=None),
        )

    live_outputs = [summary, reasons, intents, emotions, funnel, csat]

    def do_sign_in(name: str, secret: str, period: float) -> tuple[Any, ...]:
        user = check_login(settings, name, secret)
        if user is None:
            refused = "Sign-in failed, or this login may not see the dashboard."
            return (None, gr.update(), gr.update(), refused,
                    gr.update(), gr.update(), *([gr.update()] * len(live_outputs)))  # fmt: skip
        return (
            user,
            gr.update(visible=False),
            gr.update(visible=True),
            "",
            *reports(),
            *analytics_views(engine, int(period)),
        )

    login.button.click(
        do_sign_in,
        [login.username, login.password, days],
        [signed_in, login.box, board, login.error, latest, previous, *live_outputs],
    )
    reload.click(reports, None, [latest, previous])
    latest.change(compare, [latest, previous], [comparison, latest_html, previous_html, failing])
    previous.change(compare, [latest, previous], [comparison, latest_html, previous_html, failing])
    failing.change(
        lambda new, case: case_markdown(load_report(reports_root, new), case), [latest, failing], [detail]
    )
    refresh.click(lambda period: analytics_views(engine, int(period)), [days], live_outputs)
