"""The dashboard's customer-insight section (客户洞察): complaint topics and how they move week by week,
their emotion mix, what customers ask about, what is rising, and the questions the assistant could
not answer, each one click from a knowledge-gap draft."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import gradio as gr
import pandas as pd

from assistant.errors import AssistantError
from assistant.insight.opinions import Insights, OpinionMiner, Topic
from assistant.knowledge.workflow import KnowledgeBase


def topic_table(topics: list[Topic]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "topic": t.id,
                "name": t.name["en"] if t.name["en"] == t.name["zh"] else f"{t.name['en']} / {t.name['zh']}",
                "messages": t.messages,
                "to a person": f"{t.handed_to_person:.0%}",
                "unanswered": f"{t.unanswered:.0%}",
                "emotions": ", ".join(f"{e} {n}" for e, n in t.emotions.items()),
                "intents": ", ".join(t.intents),
                "products": ", ".join(t.products),
                "example": t.examples[0] if t.examples else "",
            }
            for t in topics
        ],
        columns=["topic", "name", "messages", "to a person", "unanswered", "emotions", "intents", "products",
                 "example"],
    )  # fmt: skip


def insight_views(report: Insights) -> tuple[Any, ...]:
    summary = (
        f"**{report.since} – {report.until}** · {report.messages} customer messages · "
        f"{report.complaints} complaints or distressed messages · "
        f"{len(report.unanswered)} unanswered questions"
    )
    weekly = pd.DataFrame(
        [
            (week, f"{t.id} {t.name['en']}", t.weekly.get(week, 0))
            for t in report.complaint_topics
            for week in report.weeks
        ],
        columns=["week", "topic", "messages"],
    )
    emotions = pd.DataFrame(
        [(t.id, emotion, n) for t in report.complaint_topics for emotion, n in t.emotions.items()],
        columns=["topic", "emotion", "messages"],
    )
    rising = pd.DataFrame(
        [
            (r.topic_id, r.name["en"], r.name["zh"], r.last_7_days, r.weekly_before,
             "new" if r.growth is None else f"+{r.growth:.0%}")
            for r in report.rising
        ],
        columns=["topic", "name", "名称", "last 7 days", "per 7 days before", "rise"],
    )  # fmt: skip
    unanswered = pd.DataFrame(
        [(g.gap_key, g.question, g.lang, g.count, f"{g.last_seen:%Y-%m-%d}") for g in report.unanswered],
        columns=["gap key", "question", "lang", "times", "last asked"],
    )
    return (
        summary,
        topic_table(report.complaint_topics),
        weekly,
        emotions,
        topic_table(report.question_topics),
        rising,
        unanswered,
    )


def build_insight_section(opinions: OpinionMiner, knowledge: KnowledgeBase, signed_in: gr.State) -> None:
    with gr.Row():
        days = gr.Slider(7, 365, value=28, step=1, label="Days · 天数")
        refresh = gr.Button("Find topics · 分析", variant="primary")
    summary = gr.Markdown("_Choose a period and press the button: topics are found from the turn log._")
    complaints = gr.Dataframe(interactive=False, wrap=True, label="What customers complain about · 投诉主题")
    with gr.Row():
        weekly = gr.LinePlot(x="week", y="messages", color="topic", title="Complaint topics per week")
        emotions = gr.BarPlot(x="topic", y="messages", color="emotion", title="Emotion mix per topic")
    questions = gr.Dataframe(interactive=False, wrap=True, label="What customers ask about · 咨询主题")
    rising = gr.Dataframe(interactive=False, label="Rising topics · 上升最快 (last 7 days)")
    unanswered = gr.Dataframe(interactive=False, wrap=True, label="Questions not answered · 未能回答的问题")
    with gr.Row():
        gap_key = gr.Textbox(label="Gap key", scale=3)
        draft = gr.Button("Draft a document from this gap · 起草文档", scale=1)
    drafted = gr.Markdown()
    outputs = [summary, complaints, weekly, emotions, questions, rising, unanswered]

    def find(period: float) -> tuple[Any, ...]:
        since = (datetime.now(UTC) - timedelta(days=int(period) - 1)).date()
        return insight_views(opinions.insights(since))

    def draft_from_gap(actor: str | None, key: str) -> str:
        if not actor:
            return "Sign in first."
        try:
            created = knowledge.draft_from_gap(key.strip(), actor)
        except AssistantError as exc:
            return f"Not drafted: {exc}"
        return f"Draft `{created.doc_id}` v{created.version} created: review it in the Knowledge tab."

    refresh.click(find, [days], outputs)
    draft.click(draft_from_gap, [signed_in, gap_key], [drafted])
