"""The customer chat tab, driven through its handler as Gradio would call it."""

from __future__ import annotations

import pytest

from assistant.container import Services
from ui.app import build_app
from ui.chat import WELCOME, respond

pytestmark = pytest.mark.slow


def test_app_builds_with_customer_chat_first(kb_services: Services) -> None:
    app = build_app(kb_services)
    config = app.get_config_file()
    labels = [c["props"].get("label") for c in config["components"] if c.get("type") == "tabitem"]
    assert labels[0].startswith("Customer chat")
    assert "AI assistant" in WELCOME and "人工客服" in WELCOME


def test_chat_streams_an_answer_and_shows_expandable_sources(kb_services: Services) -> None:
    updates = list(respond(kb_services.pipeline, "白金信用卡年費多少？", [], "ui-test"))
    final = updates[-1]
    assert final[0] == {"role": "user", "content": "白金信用卡年費多少？"}
    assert "1,200" in final[1]["content"]
    sources = final[2:]
    assert sources and all(m["metadata"]["title"].startswith("📄 [") for m in sources)
    assert all(m["content"] for m in sources)
