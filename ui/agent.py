"""The agent console: the handoff queue, claiming, the handoff packet, talking live, handing back.

The handlers are plain functions of (state, inputs) so tests can drive them as Gradio does.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.access import sign_in
from assistant.config import Settings
from assistant.domain import PRIORITY_NAMES
from assistant.handoff.conversations import Message
from assistant.handoff.desk import DeskError, HandoffDesk, HandoffPacket, packet_json
from ui.login import login_box

QUEUE_HEADERS = ["ticket", "priority", "reason", "intent", "emotion", "lang", "waiting"]
SOURCE_LABELS = {"customer": "Customer", "assistant": "AI assistant", "agent": "You", "system": "Notice"}


def check_login(settings: Settings, username: str, password: str) -> str | None:
    """The agent's name when the credentials match a staff login with the agent role."""
    return sign_in(settings.staff, username, password, ("agent",))


def _waiting(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def queue_rows(desk: HandoffDesk) -> list[list[Any]]:
    return [
        [
            t.id,
            PRIORITY_NAMES[t.priority],
            t.reason,
            t.intent or "",
            f"{t.emotion} {t.emotion_intensity:.2f}" if t.emotion and t.emotion_intensity is not None else "",
            t.lang,
            _waiting(t.waiting_s()),
        ]
        for t in desk.waiting()
    ]


def transcript_messages(transcript: list[Message]) -> list[dict[str, Any]]:
    """The transcript as the agent sees it: the customer on the left, everyone else labelled."""
    shown = []
    for m in transcript:
        if m.source == "customer":
            via = f"_via {m.channel}_\n\n" if m.channel else ""
            shown.append({"role": "user", "content": via + m.text})
        elif m.source == "system":
            shown.append({"role": "assistant", "content": f"_{m.text}_"})
        else:
            label = m.author or SOURCE_LABELS[m.source]
            shown.append({"role": "assistant", "content": f"**{label}** ({m.source})\n\n{m.text}"})
    return shown


def packet_markdown(packet: HandoffPacket) -> str:
    t = packet.ticket
    curve = " → ".join(f"{p.label} {p.intensity:.1f}" for p in packet.emotion_curve) or "—"
    sources = "\n".join(f"- {s['title']} › {s['section']} (v{s['version']})" for s in packet.sources)
    complaint = (
        f"\n**Complaint** {packet.complaint.reference}, due {packet.complaint.due_at:%Y-%m-%d}"
        if packet.complaint
        else ""
    )
    customer = (
        "unknown (not signed in)"
        if packet.customer is None
        else ", ".join(f"{key}: {value}" for key, value in packet.customer.items())
    )
    return (
        f"### Ticket {t.id} · {PRIORITY_NAMES[t.priority]} · {packet.reason_text}\n"
        f"Waiting {_waiting(packet.waiting_s)} · intent **{t.intent or '—'}** · "
        f"emotion **{t.emotion or '—'}** · channel **{packet.channel}**{complaint}\n\n"
        f"**Summary** ({packet.summary_kind}): {packet.summary}\n\n"
        f"**Emotion curve:** {curve}\n\n**Customer:** {customer}\n\n**Labels:** {labels_text(packet)}\n\n"
        f"**Sources the assistant used:**\n{sources or '- none'}"
    )


def labels_text(packet: HandoffPacket) -> str:
    """Each label with its latest evidence; a protecting label first and marked: no offers, take care."""
    if not packet.labels:
        return "—"
    ordered = sorted(packet.labels, key=lambda label: label.use != "protect")
    return " · ".join(
        ("⚠ " if label.use == "protect" else "")
        + f"{label.name_en} / {label.name_zh} ({label.evidence[-1].detail if label.evidence else label.use})"
        for label in ordered
    )


def suggestion_text(packet: HandoffPacket) -> tuple[str, str]:
    reply = packet.suggested_reply
    if reply is None:
        return "", ""
    cited = "\n".join(f"[{c.number}] {c.title} › {c.section} (v{c.version})" for c in reply.citations)
    return reply.text, cited


def build_agent_tab(desk: HandoffDesk, settings: Settings) -> None:
    agent_state = gr.State(None)
    ticket_state = gr.State(None)

    login = login_box("Agent sign-in required · 坐席登录")

    with gr.Column(visible=False) as console:
        gr.Markdown("### Waiting customers (most urgent first)")
        queue_table = gr.Dataframe(headers=QUEUE_HEADERS, interactive=False, wrap=True)
        with gr.Row():
            ticket_number = gr.Number(label="Ticket", precision=0)
            claim_button = gr.Button("Claim ticket")
            claim_next = gr.Button("Claim next", variant="primary")
        status = gr.Markdown()
        with gr.Row():
            with gr.Column(scale=3):
                transcript = gr.Chatbot(label="Conversation", height=420, sanitize_html=True)
                reply = gr.Textbox(label="Your reply (the customer sees it as from a person)", lines=3)
                with gr.Row():
                    send = gr.Button("Send", variant="primary")
                    use_suggestion = gr.Button("Use suggested reply")
                    hand_back = gr.Button("Hand back to assistant")
                    resolve = gr.Button("Resolve")
            with gr.Column(scale=2):
                details = gr.Markdown()
                suggestion = gr.Textbox(label="Suggested reply (agent assist)", lines=5, interactive=True)
                suggestion_sources = gr.Textbox(label="Its sources", lines=3, interactive=False)
                with gr.Accordion("Handoff packet (JSON)", open=False):
                    packet_view = gr.Code(language="json")

    def do_login(user: str, secret: str) -> tuple[Any, ...]:
        agent = check_login(settings, user, secret)
        if agent is None:
            return None, gr.update(visible=True), gr.update(visible=False), "Wrong username or password.", ""
        return agent, gr.update(visible=False), gr.update(visible=True), "", ""

    login.button.click(
        do_login,
        [login.username, login.password],
        [agent_state, login.box, console, login.error, login.password],
    )

    def refresh_queue(agent: str | None) -> Any:
        return queue_rows(desk) if agent else gr.update()

    def open_ticket(agent: str | None, ticket_id: int | None, message: str) -> tuple[Any, ...]:
        if not agent or ticket_id is None:
            return (ticket_id, message, gr.update(), gr.update(), gr.update(), gr.update(), gr.update())
        packet = desk.packet(ticket_id)
        if packet is None:
            return (None, f"Ticket {ticket_id} does not exist.", [], "", "", "", "")
        text, cited = suggestion_text(packet)
        return (
            ticket_id,
            message,
            transcript_messages(packet.transcript),
            packet_markdown(packet),
            text,
            cited,
            packet_json(packet),
        )

    opened = [ticket_state, status, transcript, details, suggestion, suggestion_sources, packet_view]

    def claim(agent: str | None, number: float | None) -> tuple[Any, ...]:
        if not agent:
            return open_ticket(None, None, "Sign in first.")
        if number is None:
            return open_ticket(agent, None, "Enter a ticket number.")
        ticket = desk.claim(int(number), agent)
        if ticket is None:
            taken = f"Ticket {int(number)} is no longer waiting (another agent took it)."
            return open_ticket(agent, None, taken)
        return open_ticket(agent, ticket.id, f"You have ticket {ticket.id}.")

    def take_next(agent: str | None) -> tuple[Any, ...]:
        if not agent:
            return open_ticket(None, None, "Sign in first.")
        ticket = desk.claim_next(agent)
        if ticket is None:
            return open_ticket(agent, None, "Nobody is waiting.")
        return open_ticket(agent, ticket.id, f"You have ticket {ticket.id}.")

    claim_button.click(claim, [agent_state, ticket_number], opened)
    claim_next.click(take_next, [agent_state], opened)

    def send_reply(agent: str | None, ticket_id: int | None, text: str) -> tuple[Any, ...]:
        try:
            desk.send(ticket_id or 0, agent or "", text)
        except DeskError as exc:
            return text, str(exc), gr.update()
        return "", "", transcript_messages(desk.conversation(ticket_id or 0))

    send.click(send_reply, [agent_state, ticket_state, reply], [reply, status, transcript])
    reply.submit(send_reply, [agent_state, ticket_state, reply], [reply, status, transcript])
    use_suggestion.click(lambda text: text, [suggestion], [reply])

    def close(action: str) -> Any:
        def handler(agent: str | None, ticket_id: int | None) -> tuple[Any, ...]:
            try:
                (desk.hand_back if action == "hand back" else desk.resolve)(ticket_id or 0, agent or "")
            except DeskError as exc:
                return ticket_id, str(exc)
            done = "handed back to the assistant" if action == "hand back" else "resolved"
            return None, f"Ticket {ticket_id}: {done}."

        return handler

    hand_back.click(close("hand back"), [agent_state, ticket_state], [ticket_state, status])
    resolve.click(close("resolve"), [agent_state, ticket_state], [ticket_state, status])

    def live_transcript(ticket_id: int | None) -> Any:
        return transcript_messages(desk.conversation(ticket_id)) if ticket_id else gr.update()

    timer = gr.Timer(2.0)
    timer.tick(refresh_queue, [agent_state], [queue_table])
    timer.tick(live_transcript, [ticket_state], [transcript])
