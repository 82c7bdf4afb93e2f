"""The customer chat tab: streamed answers, with their sources as expandable passages underneath."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import gradio as gr

from assistant.domain import Citation
from assistant.handoff.conversations import ConversationStore
from assistant.handoff.conversations import Message as StoredMessage
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
            if answer.kind == "to_agent":
                # A person has the conversation: their reply arrives through the poll, not from here.
                yield history[:-1]
                return
            history[-1] = {"role": "assistant", "content": answer.text}
            history += [source_message(c) for c in answer.citations]
            yield history


def person_message(message: StoredMessage) -> Message:
    """A message from a member of staff, or a notice about the handoff, marked as not from the AI."""
    if message.source == "agent":
        name = message.author or "Bank staff"
        header = f"**👤 {name} · Lanting Bank staff · 人工客服**"
        return {"role": "assistant", "content": f"{header}\n\n{message.text}"}
    return {"role": "assistant", "content": f"_{message.text}_"}


def poll_staff_messages(
    conversations: ConversationStore, conversation_id: str, history: list[Message], last_seen: int
) -> tuple[list[Message], int]:
    """Messages from a person (and handoff notices) since ``last_seen``, appended to the chat."""
    new = conversations.transcript(conversation_id, after_id=last_seen, sources=("agent", "system"))
    if not new:
        return history, last_seen
    return [*history, *(person_message(m) for m in new)], new[-1].id


def build_chat_tab(pipeline: Pipeline, conversations: ConversationStore) -> None:
    conversation_id = gr.State(lambda: uuid.uuid4().hex)
    last_staff_message = gr.State(0)
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

    def poll(conversation: str, history: list[Message], last_seen: int) -> tuple[Any, int]:
        updated, seen = poll_staff_messages(conversations, conversation, history, last_seen)
        return (updated if seen != last_seen else gr.update()), seen

    # A person's replies reach the customer within about a second.
    gr.Timer(1.0).tick(poll, [conversation_id, chatbot, last_staff_message], [chatbot, last_staff_message])
