"""The customer chat tab, driven through its handler as Gradio would call it."""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.container import Services
from ui.agent import check_login, packet_markdown, queue_rows, transcript_messages
from ui.app import build_app, build_server
from ui.chat import WELCOME, poll_staff_messages, respond

pytestmark = pytest.mark.slow


def test_app_builds_with_customer_chat_first(kb_services: Services) -> None:
    app = build_app(kb_services)
    config = app.get_config_file()
    labels = [c["props"].get("label") for c in config["components"] if c.get("type") == "tabitem"]
    assert labels[0].startswith("Customer chat") and labels[1].startswith("Agent console")
    assert "AI assistant" in WELCOME and "人工客服" in WELCOME


def test_one_server_serves_the_web_app_and_the_channel_api(kb_services: Services) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(build_server(kb_services))
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "/api/v1/conversations" in client.get("/api/v1/openapi.json").json()["paths"]
    assert client.post("/api/v1/conversations").status_code == 401


def test_chat_streams_an_answer_and_shows_expandable_sources(kb_services: Services) -> None:
    updates = list(respond(kb_services.pipeline, "白金信用卡年費多少？", [], "ui-test"))
    final = updates[-1]
    assert final[0] == {"role": "user", "content": "白金信用卡年費多少？"}
    assert "1,200" in final[1]["content"]
    sources = final[2:]
    assert sources and all(m["metadata"]["title"].startswith("📄 [") for m in sources)
    assert all(m["content"] for m in sources)


def test_agent_console_requires_a_configured_login() -> None:
    staff = {
        "alice": {"password": "s3cret", "roles": ["agent"]},
        "erin": {"password": "ed1tor", "roles": ["editor"]},
        "root": {"password": "r00t", "roles": ["admin"]},
    }
    settings = Settings(staff=staff, _env_file=None)  # type: ignore[call-arg, arg-type]
    assert check_login(settings, "alice", "s3cret") == "alice"
    assert check_login(settings, "root", "r00t") == "root", "admins may do everything"
    assert check_login(settings, "erin", "ed1tor") is None, "an editor is not an agent"
    assert check_login(settings, "alice", "wrong") is None
    assert check_login(settings, "mallory", "s3cret") is None
    assert check_login(settings, "", "") is None


def test_handoff_through_the_ui_customer_asks_agent_claims_they_talk_agent_hands_back(
    kb_services, kb_data_dir, tmp_path
):
    settings = Settings(
        data_dir=kb_data_dir, answers="extractive", database=f"sqlite:///{tmp_path / 'ui.db'}", _env_file=None
    )  # type: ignore[call-arg]
    services = Services(settings, embedder=kb_services.embedder)
    pipeline, desk, conversations = services.pipeline, services.desk, services.conversations

    history = list(respond(pipeline, "转人工", [], "web-1"))[-1]
    assert "排在第 1 位" in history[-1]["content"]
    rows = queue_rows(desk)
    assert [r[2] for r in rows] == ["explicit_request"] and rows[0][1] == "normal"

    ticket = desk.claim(rows[0][0], "alice")
    assert ticket is not None
    packet = desk.packet(ticket.id)
    assert packet is not None and "客户要求转人工" in packet_markdown(packet)

    # The customer's next message goes to the agent; the assistant adds no bubble.
    history, seen = poll_staff_messages(conversations, "web-1", history, 0)
    assert "alice" in history[-1]["content"]  # "alice has joined", as a notice
    history = list(respond(pipeline, "我的白金卡年费能减免吗？", history, "web-1"))[-1]
    assert history[-1] == {"role": "user", "content": "我的白金卡年费能减免吗？"}
    assert transcript_messages(desk.conversation(ticket.id))[-1]["content"] == "我的白金卡年费能减免吗？"

    desk.send(ticket.id, "alice", "您好，我来帮您查一下。")
    history, seen = poll_staff_messages(conversations, "web-1", history, seen)
    assert (
        history[-1]["content"].startswith("**👤 alice") and "您好，我来帮您查一下。" in history[-1]["content"]
    )
    assert poll_staff_messages(conversations, "web-1", history, seen) == (history, seen)

    desk.hand_back(ticket.id, "alice")
    history, seen = poll_staff_messages(conversations, "web-1", history, seen)
    history = list(respond(pipeline, "白金卡年费多少？", history, "web-1"))[-1]
    assert any("1,200" in m["content"] for m in history[-4:])


def test_a_customer_session_sees_only_its_own_conversation(kb_services, kb_data_dir, tmp_path):
    settings = Settings(
        data_dir=kb_data_dir,
        answers="extractive",
        database=f"sqlite:///{tmp_path / 'iso.db'}",
        _env_file=None,
    )  # type: ignore[call-arg]
    services = Services(settings, embedder=kb_services.embedder)
    list(respond(services.pipeline, "I want to speak to a person", [], "session-a"))
    list(respond(services.pipeline, "What is the gold card annual fee?", [], "session-b"))
    ticket = services.desk.claim_next("alice")
    assert ticket is not None and ticket.conversation_id == "session-a"
    services.desk.send(ticket.id, "alice", "Hello A, here is your private answer.")
    seen_by_b, _ = poll_staff_messages(services.conversations, "session-b", [], 0)
    seen_by_a, _ = poll_staff_messages(services.conversations, "session-a", [], 0)
    assert seen_by_b == [] and any("private answer" in m["content"] for m in seen_by_a)


def test_a_signed_in_customer_sees_an_offer_card_and_each_choice_is_recorded(
    kb_services, kb_data_dir, tmp_path
):
    import gradio as gr

    from ui.chat import turn_updates
    from ui.offers import OfferCard

    settings = Settings(
        data_dir=kb_data_dir, answers="extractive", database=f"sqlite:///{tmp_path / 'a.db'}", _env_file=None
    )  # type: ignore[call-arg]
    services = Services(settings, embedder=kb_services.embedder)
    with gr.Blocks():
        card = OfferCard(services.recommender)
    *_, (history, result) = turn_updates(
        services.pipeline,
        "Is there a foreign transaction fee when I pay by card abroad?",
        [],
        "ui-offer",
        "C004",
    )
    assert result is not None and result.recommendations
    visible, body, state = card.show(result.recommendations, result.recommendation_gate, result.lang)
    assert (
        visible["visible"] is True and "Suggested for you" in body and result.recommendations[0].name in body
    )
    assert result.recommendations[0].reason not in body  # the reason opens with "why this?"
    assert not any(result.recommendations[0].name in str(m["content"]) for m in history)  # beside, not in
    explained = card.explain(state, "C004", "ui-offer")
    assert result.recommendations[0].reason in explained
    hidden, cleared, notice = card.closer("dismissed")(state, "C004", "ui-offer")
    assert hidden["visible"] is False and cleared is None and "won't suggest" in notice
    events = [e["event"] for e in services.recommendation_events.events("C004")]
    assert events == ["shown", "clicked", "dismissed"]
    # An upset turn hides any card; a guest never gets one.
    assert card.show([], "customer_upset", "en")[0]["visible"] is False
    *_, (_, guest) = turn_updates(
        services.pipeline, "What is the foreign transaction fee abroad?", [], "ui-guest"
    )
    assert guest is not None and guest.recommendations == [] and guest.recommendation_gate is None
