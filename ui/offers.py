"""The recommendation card beside the chat: one suitable product, why it was suggested, and the
customer's choices (why this? / interested / not for me / stop suggestions), each recorded; and the
labels the bank holds about the customer, each with why."""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.domain import Recommendation
from assistant.insight.labels import CustomerLabel
from assistant.recommend.stage import RecommendStage
from assistant.recommend.store import FunnelEvent, ProfileStore

GUEST = "guest"
TEXT = {
    "en": {
        "title": "Suggested for you",
        "note": "A suggestion, not advice: nothing is bought or applied for unless you choose to.",
        "accepted": "Thank you. You can apply in Lanting Mobile or at any branch.",
        "dismissed": "Understood: we won't suggest it again for a while.",
        "opted_out": "Product suggestions are off. You can turn them back on at any time.",
        "opted_in": "Product suggestions are on.",
    },
    "zh": {
        "title": "为您推荐",
        "note": "仅为产品建议，不构成投资建议；未经您确认不会办理任何业务。",
        "accepted": "感谢关注。您可以通过兰亭银行手机银行或任一网点办理。",
        "dismissed": "好的，近期不会再向您推荐该产品。",
        "opted_out": "已关闭产品推荐，您可以随时重新开启。",
        "opted_in": "已开启产品推荐。",
    },
}


def customer_choices(profiles: ProfileStore) -> list[tuple[str, str]]:
    """The demo sign-in list: a bank's deployment takes the customer from its own login instead."""
    return [("Guest (not signed in) · 访客", GUEST)] + [
        (f"{p.id} · {p.name} · {p.risk_tolerance or '—'}", p.id) for p in profiles.all()
    ]


def customer_id(selected: str | None) -> str | None:
    return None if selected in (None, "", GUEST) else selected


def card_markdown(offer: Recommendation, lang: str, with_reason: bool = False) -> str:
    text = TEXT["zh" if lang == "zh" else "en"]
    lines = [f"**💡 {text['title']}: {offer.name}**"]
    # The reason sentence ends with the summary, so it replaces it rather than repeating it.
    lines.append(offer.reason if with_reason else offer.summary[:1].upper() + offer.summary[1:])
    if offer.disclosure:
        lines.append(f"_{offer.disclosure}_")
    lines.append(f"<sub>{text['note']}</sub>")
    return "\n\n".join(lines)


class OfferCard:
    """Build inside a Blocks context; ``wire`` once the customer selector and conversation exist."""

    def __init__(self, recommender: RecommendStage) -> None:
        self.recommender = recommender
        self.state = gr.State(None)  # {"offer": Recommendation as dict, "lang": "en" | "zh"}
        with gr.Group(visible=False) as self.card:
            self.body = gr.Markdown()
            with gr.Row():
                self.why = gr.Button("Why this? · 为什么推荐", size="sm")
                self.accept = gr.Button("Interested · 感兴趣", size="sm", variant="primary")
                self.dismiss = gr.Button("Not for me · 不需要", size="sm")
                self.stop = gr.Button("Stop suggestions · 不再推荐", size="sm")
        self.notice = gr.Markdown()

    def wire(self, selector: gr.Dropdown, conversation: gr.State) -> None:
        given = [self.state, selector, conversation]
        self.why.click(self.explain, given, [self.body])
        closed = [self.card, self.state, self.notice]
        self.accept.click(self.closer("accepted"), given, closed)
        self.dismiss.click(self.closer("dismissed"), given, closed)
        self.stop.click(self.closer("opted_out"), given, closed)

    def show(self, offers: list[Recommendation], gate: str | None, lang: str) -> tuple[Any, Any, Any]:
        """Card visibility, text and state after a turn: a new offer replaces the card; a turn where
        offering would be wrong (upset, complaint, a person) hides it; a merely-too-soon turn keeps it."""
        if offers:
            offer = offers[0]
            return (
                gr.update(visible=True),
                card_markdown(offer, lang),
                {"offer": offer.model_dump(), "lang": lang},
            )
        if gate in (None, "too_soon"):
            return gr.update(), gr.update(), gr.update()
        return gr.update(visible=False), "", None

    def _record(
        self, event: FunnelEvent, state: dict[str, Any] | None, selected: str, conversation: str
    ) -> None:
        customer = customer_id(selected)
        if state is None or customer is None:
            return
        product = None if event == "opted_out" else state["offer"]["product_id"]
        self.recommender.feedback(event, customer, product, conversation)

    def explain(self, state: dict[str, Any] | None, selected: str, conversation: str) -> Any:
        if state is None:
            return gr.update()
        self._record("clicked", state, selected, conversation)
        return card_markdown(Recommendation(**state["offer"]), state["lang"], with_reason=True)

    def closer(self, event: FunnelEvent) -> Any:
        def close(state: dict[str, Any] | None, selected: str, conversation: str) -> tuple[Any, Any, str]:
            self._record(event, state, selected, conversation)
            lang = state["lang"] if state else "en"
            return gr.update(visible=False), None, TEXT[lang][event]

        return close


_USE = {
    "marketing": "shapes the product suggestions you see · 用于为您推荐产品",
    "service": "helps us serve you · 用于改进服务",
    "protect": "we make no offers and take extra care · 暂停推荐，优先保障您的权益",
}


def labels_markdown(labels: list[CustomerLabel]) -> str:
    """What the bank has inferred about the customer and why, in the customer's own view."""
    if not labels:
        return "We hold no labels about you · 我们没有为您设置任何标签。"
    lines = []
    for label in labels:
        why = "; ".join(dict.fromkeys(e.detail for e in label.evidence[-3:])) or "—"
        until = f" · until {label.expires:%Y-%m-%d}" if label.expires else ""
        lines.append(
            f"- **{label.name_en} · {label.name_zh}**: {_USE[label.use]}{until}  \n  why · 依据: {why}"
        )
    return "\n".join(lines)
