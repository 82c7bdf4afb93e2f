"""The channel API over HTTP (FastAPI's test client, the real pipeline, database and queue; a fake
embedder): keys, one conversation across channels, handoffs through a helpdesk, and bad requests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from assistant.channels.api import MAX_BODY_BYTES
from assistant.config import Settings
from assistant.container import Services
from assistant.storage.migrations import channel_keys, messages
from tests.conftest import KNOWLEDGE_DIR
from tests.fakes import HashingEmbedder
from ui.app import channel_api

QUESTION = "What is the annual fee of the platinum credit card?"


def build_services(tmp_path: Path, **overrides: object) -> Services:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("en/credit-card-platinum.md", "en/credit-card-gold.md"):
        (docs / name.replace("/", "-")).write_bytes((KNOWLEDGE_DIR / name).read_bytes())
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path / "data",
        min_dense_similarity=0.1,
        answers="extractive",
        **overrides,
    )
    built = Services(settings, embedder=HashingEmbedder())
    built.ingestor.ingest([docs])
    return built


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return build_services(tmp_path)


@pytest.fixture
def client(services: Services) -> TestClient:
    return client_for(services)


def client_for(services: Services) -> TestClient:
    return TestClient(channel_api(services))


def key(services: Services, name: str, *roles: str) -> dict[str, str]:
    _, secret = services.channel_keys.create(name, list(roles or ["chat"]))  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {secret}"}


def stored_messages(services: Services) -> int:
    with services.database.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(messages)).scalar_one())


def test_a_channel_needs_a_live_key_with_the_right_role(services, client):
    assert client.post("/api/v1/conversations").status_code == 401
    forged = {"Authorization": "Bearer bak_nope"}
    assert client.post("/api/v1/conversations", headers=forged).status_code == 401
    app = key(services, "app")
    assert client.post("/api/v1/conversations", headers=app).status_code == 201
    assert client.get("/api/v1/handoffs", headers=app).status_code == 403
    services.channel_keys.revoke("app")
    assert client.post("/api/v1/conversations", headers=app).status_code == 401
    # Only the key's hash is stored.
    with services.database.connect() as conn:
        stored = conn.execute(select(channel_keys.c.key_hash)).scalar_one()
    assert stored not in app["Authorization"] and len(stored) == 64


def test_a_customer_continues_one_conversation_across_channels(services, client):
    app = {**key(services, "app"), "X-Customer-Id": "C001"}
    wechat = {**key(services, "wechat"), "X-Customer-Id": "C001"}
    conversation = client.post("/api/v1/conversations", headers=app).json()["conversation_id"]

    turn = client.post(f"/api/v1/conversations/{conversation}/messages", headers=app, json={"text": QUESTION})
    assert turn.status_code == 200
    body = turn.json()
    assert "1,200" in body["answer"] and body["citations"][0]["doc_id"] == "credit-card-platinum-en"
    assert not body["abstained"] and body["handoff"]["decision"] is False

    later = client.post(
        f"/api/v1/conversations/{conversation}/messages", headers=wechat, json={"text": "And the Gold card?"}
    )
    assert later.status_code == 200
    seen = client.get(f"/api/v1/conversations/{conversation}", headers=wechat).json()
    assert seen["channel"] == "wechat" and seen["customer_id"] == "C001"
    customer_channels = [m["channel"] for m in seen["messages"] if m["source"] == "customer"]
    assert customer_channels == ["app", "wechat"]


def test_another_customers_or_channels_conversation_is_refused_and_nothing_is_stored(services, client):
    mine = {**key(services, "app"), "X-Customer-Id": "C001"}
    conversation = client.post("/api/v1/conversations", headers=mine).json()["conversation_id"]
    guest = client.post("/api/v1/conversations", headers=key(services, "web2")).json()["conversation_id"]
    before = stored_messages(services)

    someone_else = {**mine, "X-Customer-Id": "C002"}
    other_channel_guest = key(services, "wechat")
    for headers, target in ((someone_else, conversation), (other_channel_guest, guest), (mine, "nope")):
        assert client.get(f"/api/v1/conversations/{target}", headers=headers).status_code == 404
        url = f"/api/v1/conversations/{target}/messages"
        assert client.post(url, headers=headers, json={"text": QUESTION}).status_code == 404
    assert stored_messages(services) == before


def test_malformed_or_oversized_requests_get_a_clear_4xx_and_store_nothing(services, client):
    app = {**key(services, "app"), "X-Customer-Id": "C001"}
    conversation = client.post("/api/v1/conversations", headers=app).json()["conversation_id"]
    url = f"/api/v1/conversations/{conversation}/messages"
    before = stored_messages(services)

    too_long = client.post(url, headers=app, json={"text": "x" * (services.settings.max_message_chars + 1)})
    assert too_long.status_code == 413 and "limit" in too_long.json()["detail"]
    huge = client.post(url, headers=app, content=b"{" + b" " * MAX_BODY_BYTES + b"}")
    assert huge.status_code == 413
    broken = client.post(url, headers={**app, "Content-Type": "application/json"}, content=b'{"text": ')
    assert broken.status_code == 422
    assert client.post(url, headers=app, json={"message": QUESTION}).status_code == 422
    assert client.post(url, headers=app, json={"text": "   "}).status_code == 422
    bad_customer = {**app, "X-Customer-Id": "C001; DROP TABLE"}
    assert client.post(url, headers=bad_customer, json={"text": QUESTION}).status_code == 400
    assert stored_messages(services) == before


def test_a_handoff_is_taken_by_a_helpdesk_and_the_reply_reaches_the_customers_channel(services, client):
    app = {**key(services, "app"), "X-Customer-Id": "C001"}
    wechat = {**key(services, "wechat"), "X-Customer-Id": "C001"}
    helpdesk = {**key(services, "helpdesk", "helpdesk"), "X-Agent-Id": "agent-7"}
    conversation = client.post("/api/v1/conversations", headers=app).json()["conversation_id"]
    asked = client.post(
        f"/api/v1/conversations/{conversation}/messages",
        headers=app,
        json={"text": "I want to speak to a real person please"},
    ).json()
    assert asked["handoff"]["decision"] and asked["handoff"]["reason"] == "explicit_request"
    ticket = asked["handoff"]["ticket_id"]

    waiting = client.get("/api/v1/handoffs", headers=helpdesk).json()
    assert [t["id"] for t in waiting] == [ticket]
    # The customer moves to WeChat while waiting; the agent sees where they are.
    client.post(
        f"/api/v1/conversations/{conversation}/messages", headers=wechat, json={"text": "still waiting"}
    )
    packet = client.get(f"/api/v1/handoffs/{ticket}", headers=helpdesk).json()
    assert packet["channel"] == "wechat" and packet["reason_text"]

    assert client.post(f"/api/v1/handoffs/{ticket}/claim", headers=helpdesk).status_code == 200
    assert client.post(f"/api/v1/handoffs/{ticket}/claim", headers=helpdesk).status_code == 409
    url = f"/api/v1/conversations/{conversation}"
    last_seen = max(m["id"] for m in client.get(url, headers=wechat).json()["messages"])
    reply = {"text": "Hello, I'm Li."}
    assert client.post(f"/api/v1/handoffs/{ticket}/messages", headers=helpdesk, json=reply).status_code == 201
    new = client.get(f"{url}/messages?after={last_seen}", headers=wechat).json()
    assert [(m["source"], m["author"], m["text"]) for m in new] == [("agent", "agent-7", "Hello, I'm Li.")]

    with_person = client.post(
        f"/api/v1/conversations/{conversation}/messages", headers=wechat, json={"text": QUESTION}
    ).json()
    assert with_person["with_person"] and with_person["citations"] == []
    assert client.post(f"/api/v1/handoffs/{ticket}/hand-back", headers=helpdesk).status_code == 204
    answered = client.post(
        f"/api/v1/conversations/{conversation}/messages", headers=wechat, json={"text": QUESTION}
    ).json()
    assert not answered["with_person"] and "1,200" in answered["answer"]
    someone_else = {**helpdesk, "X-Agent-Id": "agent-9"}
    assert client.post(f"/api/v1/handoffs/{ticket}/resolve", headers=someone_else).status_code == 409


def test_an_answer_streams_as_server_sent_events(services, client):
    app = key(services, "app")
    conversation = client.post("/api/v1/conversations", headers=app).json()["conversation_id"]
    with client.stream(
        "POST", f"/api/v1/conversations/{conversation}/messages/stream", headers=app, json={"text": QUESTION}
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [block for block in response.read().decode().split("\n\n") if block]
    names = [block.splitlines()[0] for block in events]
    assert names[-1] == "event: done"
    done = json.loads(events[-1].splitlines()[1].removeprefix("data: "))
    assert "1,200" in done["answer"] and done["conversation_id"] == conversation


def test_rating_and_closing_a_conversation(services, client):
    app = {**key(services, "app"), "X-Customer-Id": "C001"}
    conversation = client.post("/api/v1/conversations", headers=app).json()["conversation_id"]
    url = f"/api/v1/conversations/{conversation}"
    assert client.post(f"{url}/rating", headers=app, json={"score": 6}).status_code == 422
    assert client.post(f"{url}/rating", headers=app, json={"score": 5, "comment": "quick"}).status_code == 204
    assert client.post(f"{url}/close", headers=app).status_code == 204
    assert client.get(url, headers=app).json()["state"] == "closed"
    assert client.post(f"{url}/messages", headers=app, json={"text": QUESTION}).status_code == 409


def test_the_openapi_document_describes_the_api(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/conversations/{conversation_id}/messages/stream" in paths
    assert "/api/v1/handoffs/{ticket_id}/claim" in paths


def test_the_channels_command_shows_a_key_once_and_never_again(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from assistant.cli import app

    monkeypatch.setenv("BANK_ASSISTANT_DATA_DIR", str(tmp_path / "cli-data"))
    runner = CliRunner()
    made = runner.invoke(app, ["channels", "add", "helpdesk", "--role", "helpdesk", "--json"])
    assert made.exit_code == 0, made.output
    created = json.loads(made.output)
    assert created["key"].startswith("bak_") and created["roles"] == ["helpdesk"]
    listed = runner.invoke(app, ["channels", "list", "--json"])
    assert created["key"] not in listed.output
    assert [c["name"] for c in json.loads(listed.output)] == ["helpdesk"]
    again = runner.invoke(app, ["channels", "add", "helpdesk", "--json"])
    assert again.exit_code == 2 and "already exists" in json.loads(again.output)["error"]
    assert runner.invoke(app, ["channels", "add", "x", "--role", "root"]).exit_code == 2
    assert runner.invoke(app, ["channels", "revoke", "helpdesk"]).exit_code == 0
    assert json.loads(runner.invoke(app, ["channels", "list", "--json"]).output)[0]["revoked_at"]


def test_the_rate_limit_counts_a_customer_across_channels_and_conversations(tmp_path):
    services = build_services(tmp_path, rate_limit_messages=2)
    client = client_for(services)
    app = {**key(services, "app"), "X-Customer-Id": "C001"}
    wechat = {**key(services, "wechat"), "X-Customer-Id": "C001"}
    answers = []
    for headers in (app, wechat, wechat):
        conversation = client.post("/api/v1/conversations", headers=headers).json()["conversation_id"]
        url = f"/api/v1/conversations/{conversation}/messages"
        answers.append(client.post(url, headers=headers, json={"text": QUESTION}).json()["answer"])
    limited = services.replies.text("rate_limited", "en")
    assert [a == limited for a in answers] == [False, False, True]
    other = {**wechat, "X-Customer-Id": "C002"}
    conversation = client.post("/api/v1/conversations", headers=other).json()["conversation_id"]
    url = f"/api/v1/conversations/{conversation}/messages"
    assert client.post(url, headers=other, json={"text": QUESTION}).json()["answer"] != limited
