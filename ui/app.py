"""The Gradio app: one tab per kind of user. The customer chat comes first; later tabs add the agent
console, knowledge admin and dashboards beside it."""

from __future__ import annotations

import os

import gradio as gr

from assistant.config import PROJECT_ROOT
from assistant.container import Services
from ui.agent import build_agent_tab
from ui.chat import build_chat_tab
from ui.dashboard import build_dashboard_tab
from ui.knowledge import build_knowledge_tab


def build_app(services: Services) -> gr.Blocks:
    with gr.Blocks(title="Lanting Bank assistant") as app, gr.Tabs():
        with gr.Tab("Customer chat · 客户服务"):
            build_chat_tab(
                services.pipeline,
                services.conversations,
                services.recommender,
                services.profiles,
                services.ratings,
            )
        with gr.Tab("Agent console · 人工坐席"):
            build_agent_tab(services.desk, services.settings)
        with gr.Tab("Knowledge admin · 知识库管理"):
            build_knowledge_tab(services.knowledge, services.settings)
        with gr.Tab("Dashboard · 数据看板"):
            build_dashboard_tab(services.database, services.settings, PROJECT_ROOT / "evals" / "reports")
    return app


def launch(services: Services) -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    settings = services.settings
    app = build_app(services)
    app.queue(default_concurrency_limit=settings.ui_concurrency)
    app.launch(server_name=settings.host, server_port=settings.port, share=False, show_error=False)
