"""The customer chat tab: streamed answers, with their sources as expandable passages underneath."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import gradio as gr

from assistant.analytics import Ratings
from assistant.domain import Citation, TurnResult
from assistant.handoff.conversations import ConversationStore
from assistant.handoff.conversations import Message as StoredMessage
from assistant.insight.label_store import Labeler
from assistant.lang import detect_lang
from assistant.pipeline import Pipeline, TurnDelta, TurnDone, rate_limit_key
from assistant.recommend.stage import RecommendStage
from assistant.recommend.store import ProfileStore
from ui.offers import GUEST, TEXT, OfferCard, customer_choices, customer_id, labels_markdown

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


def turn_updates(
    pipeline: Pipeline,
    message: str,
    history: list[Message],
    conversation_id: str,
    customer_id: str | None = None,
    client: str | None = None,
) -> Iterator[tuple[list[Message], TurnResult | None]]:
    """Stream one turn into the chat history; the last update carries the turn's result.
    ``client``: who the rate limit counts against (see ``rate_limit_key``)."""
    message = (message or "").strip()
    if not message:
        yield history, None
        return
    history = [*history, {"role": "user", "content": message}, {"role": "assistant", "content": "…"}]
    yield history, None
    streamed = ""
    for event in pipeline.run(message, conversation_id, customer_id=customer_id, client=client):
        if isinstance(event, TurnDelta):
            streamed += event.text
            history[-1] = {"role": "assistant", "content": streamed}
            yield history, None
        elif isinstance(event, TurnDone):
            answer = event.result.answer
            if answer.kind == "to_agent":
                # A person has the conversation: their reply arrives through the poll, not from here.
                yield history[:-1], event.result
                return
            history[-1] = {"role": "assistant", "content": answer.text}
            history += [source_message(c) for c in answer.citations]
            yield history, event.result


def client_address(request: gr.Request | None, behind_proxy: bool) -> str:
    """The browser's address: the proxy's X-Real-IP when we run behind one (it overwrites any the
    client sent), else the connection's."""
    if request is None:
        return "unknown"
    if behind_proxy and (forwarded := request.headers.get("x-real-ip")):
        return forwarded.strip()
    return request.client.host if request.client else "unknown"


def respond(
    pipeline: Pipeline,
    message: str,
    history: list[Message],
    conversation_id: str,
    customer_id: str | None = None,
) -> Iterator[list[Message]]:
    """Stream one turn into the chat history."""
    for updated, _ in turn_updates(pipeline, message, history, conversation_id, customer_id):
        yield updated


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


def build_chat_tab(
    pipeline: Pipeline,
    conversations: ConversationStore,
    recommender: RecommendStage,
    profiles: ProfileStore,
    ratings: Ratings,
    labeler: Labeler,
    behind_proxy: bool = False,
) -> None:
    conversation_id = gr.State(lambda: uuid.uuid4().hex)
    last_staff_message = gr.State(0)
    with gr.Row():
        customer = gr.Dropdown(
            customer_choices(profiles),
            value=GUEST,
            label="Demo customer (signed in as) · 演示客户",
            scale=3,
        )
        suggestions = gr.Checkbox(value=True, label="Product suggestions · 产品推荐", scale=1)
    chatbot = gr.Chatbot(
        value=[{"role": "assistant", "content": WELCOME}],
        label="Lanting Bank assistant · 兰亭银行智能助手",
        height=520,
        sanitize_html=True,
    )
    offer = OfferCard(recommender)
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
        message: str, history: list[Message], conversation: str, selected: str, request: gr.Request
    ) -> Iterator[tuple[Any, ...]]:
        unchanged = (gr.update(), gr.update(), gr.update())
        signed_in = customer_id(selected)
        client = rate_limit_key(signed_in, client_address(request, behind_proxy))
        for updated, result in turn_updates(pipeline, message, history, conversation, signed_in, client):
            if result is None:
                yield "", updated, *unchanged
            else:
                yield (
                    "",
                    updated,
                    *offer.show(result.recommendations, result.recommendation_gate, result.lang),
                )

    with gr.Accordion("What we know about you · 您的客户标签", open=False):
        show_labels = gr.Button("Show my labels and why · 查看标签及依据")
        my_labels = gr.Markdown()

    def labels_for(selected: str) -> str:
        chosen = customer_id(selected)
        if chosen is None:
            return "Sign in to see what we hold about you · 请先登录。"
        return labels_markdown(labeler.labels(chosen))

    show_labels.click(labels_for, [customer], [my_labels])

    with gr.Accordion("Rate this chat · 评价本次服务", open=False):
        stars = gr.Radio([1, 2, 3, 4, 5], label="How satisfied are you? 1 = not at all, 5 = very · 满意度")
        comment = gr.Textbox(label="Comment (optional) · 意见（选填）", max_length=1000)
        send_rating = gr.Button("Send rating · 提交评价")
        thanks = gr.Markdown()

    def rate(score: int | None, remark: str, conversation: str, selected: str) -> str:
        if score is None:
            return "Please choose 1 to 5 · 请选择1至5分"
        # Comments are free text: personal data is masked before it is stored, as for chat messages.
        masked = pipeline.guard.redactor.redact(remark or "", detect_lang(remark or "")).text
        ratings.rate(conversation, int(score), masked, customer_id(selected))
        return "Thank you for your feedback · 感谢您的评价"

    send_rating.click(rate, [stars, comment, conversation_id, customer], [thanks])

    box.submit(
        handle,
        [box, chatbot, conversation_id, customer],
        [box, chatbot, offer.card, offer.body, offer.state],
    )
    offer.wire(customer, conversation_id)

    def switch_customer(selected: str) -> tuple[Any, ...]:
        """A new sign-in starts a new conversation, with that customer's suggestion setting."""
        profile = profiles.get(customer_id(selected) or "")
        on = profile is not None and profile.marketing_consent and not profile.recommendations_opt_out
        welcome = [{"role": "assistant", "content": WELCOME}]
        return (
            uuid.uuid4().hex,
            welcome,
            0,
            gr.update(value=on, interactive=profile is not None and profile.marketing_consent),
            gr.update(visible=False),
            None,
        )

    customer.change(
        switch_customer,
        [customer],
        [conversation_id, chatbot, last_staff_message, suggestions, offer.card, offer.state],
    )

    def toggle(on: bool, selected: str, conversation: str) -> str:
        """PIPL art. 24: automated marketing can be refused at any time, and turned back on."""
        chosen = customer_id(selected)
        if chosen is None:
            return ""
        recommender.feedback("opted_in" if on else "opted_out", chosen, conversation_id=conversation)
        return TEXT["en"]["opted_in" if on else "opted_out"]

    suggestions.input(toggle, [suggestions, customer, conversation_id], [offer.notice])

    def poll(conversation: str, history: list[Message], last_seen: int) -> tuple[Any, int]:
        updated, seen = poll_staff_messages(conversations, conversation, history, last_seen)
        return (updated if seen != last_seen else gr.update()), seen

    # A person's replies reach the customer within about a second.
    gr.Timer(1.0).tick(poll, [conversation_id, chatbot, last_staff_message], [chatbot, last_staff_message])
