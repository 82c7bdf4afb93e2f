"""The Gradio app: one tab per kind of user. The customer chat comes first; later tabs add the agent
console, knowledge admin and dashboards beside it."""

from __future__ import annotations

import os

import gradio as gr
import uvicorn
from fastapi import FastAPI

from assistant.channels.api import build_api
from assistant.config import PROJECT_ROOT
from assistant.container import Services
from ui.agent import build_agent_tab
from ui.chat import build_chat_tab
from ui.dashboard import build_dashboard_tab
from ui.knowledge import build_knowledge_tab

# The page is English with Chinese parts: answers, transcripts, documents. WCAG 3.1.2 asks each part to
# carry its language so a screen reader switches to a Chinese voice; Gradio renders the messages in the
# browser, so the browser marks them, as they appear or stream in.
MARK_CHINESE_PARTS = """<script>
(() => {
  const HAN = /[\u3400-\u9fff\uf900-\ufaff]/g, LATIN = /[A-Za-z]/g;
  const PARTS = "p, li, td, th, h1, h2, h3, h4, summary, label, .message-content, .md";
  const mark = () => document.querySelectorAll(PARTS).forEach((part) => {
    const text = part.textContent || "";
    const han = (text.match(HAN) || []).length, latin = (text.match(LATIN) || []).length;
    const chinese = han > 0 && han >= latin;
    if (chinese && part.getAttribute("lang") !== "zh") part.setAttribute("lang", "zh");
    if (!chinese && part.getAttribute("lang") === "zh") part.removeAttribute("lang");
  });
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; mark(); });
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true });
})();
</script>"""


def build_app(services: Services) -> gr.Blocks:
    with gr.Blocks(title="Lanting Bank assistant") as app, gr.Tabs():
        with gr.Tab("Customer chat · 客户服务"):
            build_chat_tab(
                services.pipeline,
                services.conversations,
                services.recommender,
                services.profiles,
                services.ratings,
                services.labeler,
                behind_proxy=services.settings.behind_proxy,
            )
        with gr.Tab("Agent console · 人工坐席"):
            build_agent_tab(services.desk, services.settings)
        with gr.Tab("Knowledge admin · 知识库管理"):
            build_knowledge_tab(services.knowledge, services.settings)
        with gr.Tab("Dashboard · 数据看板"):
            build_dashboard_tab(
                services.database,
                services.settings,
                PROJECT_ROOT / "evals" / "reports",
                services.opinions,
                services.knowledge,
            )
    return app


def channel_api(services: Services) -> FastAPI:
    settings = services.settings
    return build_api(
        services.channel_keys,
        services.pipeline,
        services.conversations,
        services.desk,
        services.ratings.rate,
        settings.max_message_chars,
        use_llm=settings.answers == "llm",
    )


def build_server(services: Services) -> FastAPI:
    """The channel API under /api/v1 and the web app at /, in one server."""
    settings = services.settings
    api = channel_api(services)
    blocks = build_app(services)
    blocks.queue(default_concurrency_limit=settings.ui_concurrency)
    return gr.mount_gradio_app(api, blocks, path="/", show_error=False, head=MARK_CHINESE_PARTS)


def launch(services: Services) -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    settings = services.settings
    # Browsers keep the chat's event streams open: on SIGTERM wait at most 5 s for them, then stop.
    uvicorn.run(
        build_server(services),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
