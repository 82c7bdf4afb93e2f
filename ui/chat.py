"""The customer chat tab: streamed answers, with their sources as expandable passages underneath."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import gradio as gr

from assistant.domain import Citation
from assistant.pipeline import Pipeline, TurnDelta, TurnDone

WELCOME = (
    "Hello! I'm Lanting Bank's **AI assistant** (an automated system, not a person). I answer from the "
    "bank's published documents and show my sources. You can ask for a member of our team at any time.\n\n"
    "您好！我是兰亭银行的**AI智能助手**（自动化系统，并非真人），回答均来自本行公开资料并注明出处。"
    "您可以随时要求转接人工客服。"
)

Message = dict[str, Any]


def source_message(citation: Citation) -> Message:
    """One collapsible message per cited source: title and section as the header, the passage inside."""
    return {
        "role": "assistant",
        "content": citation.passage,
        "metadata": {
            "title": f"📄 [{citation.number}] {citation.title} › {citation.section} (v{citation.version})",
            "status": "done",
        },
    }


def respond(
    pipeline: Pipeline, message: str, history: list[Message], conversation_id: str
) -> Iterator[list[Message]]:
    """Stream one turn into the chat history."""
    message = (message or "").strip()
    if not message:
        yield history
        return
    history = [*history, {"role": "user", "content": message}, {"role": "assistant", "content": "…"}]
    yield history
    streamed = ""
    for event in pipeline.run(message, conversation_id):
        if isinstance(event, TurnDelta):
            streamed += event.text
            history[-1] = {"role": "assistant", "content": streamed}
            yield history
        elif isinstance(event, TurnDone):
            answer = event.result.answer
            history[-1] = {"role": "assistant", "content": answer.text}
            history += [source_message(c) for c in answer.citations]
            yield history


def build_chat_tab(pipeline: Pipeline) -> None:
    conversation_id = gr.State(lambda: uuid.uuid4().hex)
    chatbot = gr.Chatbot(
        value=[{"role": "assistant", "content": WELCOME}],
        label="Lanting Bank assistant · 兰亭银行智能助手",
        height=560,
        sanitize_html=True,
    )
    box = gr.Textbox(
        placeholder="Ask about accounts, cards, loans, transfers… · 请输入您的问题…",
        show_label=False,
        autofocus=True,
        submit_btn=True,
    )
    gr.Examples(
        [
            "What is the annual fee of the platinum credit card?",
            "白金信用卡年費多少？",
            "How long does an international transfer take?",
        ],
        inputs=box,
    )

    def handle(
        message: str, history: list[Message], conversation: str
    ) -> Iterator[tuple[str, list[Message]]]:
        for updated in respond(pipeline, message, history, conversation):
            yield "", updated

    box.submit(handle, [box, chatbot, conversation_id], [box, chatbot])
