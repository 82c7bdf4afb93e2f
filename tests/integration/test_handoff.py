"""Handoff end to end with the real classifiers, retrieval, queue and transcript (SQLite here; the
queue's own suite runs on PostgreSQL too). Only the LLM's words are scripted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.container import Services
from tests.fakes import ScriptedChatModel, unavailable

pytestmark = pytest.mark.slow


def services_for(  # type: ignore[no-untyped-def]
    kb_services: Services,
    kb_data_dir: Path,
    tmp_path: Path,
    chat_model=None,
    answers="extractive",
    database=None,
) -> Services:
    database = database or f"sqlite:///{tmp_path / 'app.db'}"
    settings = Settings(data_dir=kb_data_dir, answers=answers, database=database, _env_file=None)  # type: ignore[call-arg]
    return Services(settings, embedder=kb_services.embedder, chat_model=chat_model)


@pytest.fixture
def services(kb_services: Services, kb_data_dir: Path, tmp_path: Path) -> Services:
    return services_for(kb_services, kb_data_dir, tmp_path)


def run(services: Services, conversation: str, *turns: str):  # type: ignore[no-untyped-def]
    return [
        services.pipeline.ask(turn, conversation, use_llm=services.settings.answers == "llm")
        for turn in turns
    ]


@pytest.mark.parametrize(
    ("turns", "reason", "priority"),
    [
        (["What's the gold card annual fee?", "ok, let me speak to a human"], "explicit_request", 3),
        (["请问金卡年费多少？", "转人工"], "explicit_request", 3),
        (["There are two card payments in Berlin I didn't make"], "risk", 1),
        (["我的信用卡被盗刷了两笔"], "risk", 1),
        (["I want to make a formal complaint about how my dispute was handled"], "complaint", 2),
        (["我要投訴你們的網點服務"], "complaint", 2),
        (["This is outrageous!! You charged me twice and nobody answers the phone"], "emotion", 2),
        (["你们这什么破服务！！转账三天了还没到账"], "emotion", 2),
    ],
)
def test_each_trigger_hands_off_in_both_languages(services, turns, reason, priority):
    results = run(services, f"c-{reason}-{len(turns)}", *turns)
    *earlier, last = results
    assert not any(r.handoff.decision for r in earlier)
    assert (last.handoff.decision, last.handoff.reason, last.handoff.priority) == (True, reason, priority)
    assert last.ticket is not None and last.ticket.position == 1
    queued = services.queue.waiting()
    assert [t.reason for t in queued] == [reason]
    if reason == "risk":  # the immediate safety steps come while the customer waits
        assert "400-820-6688" in last.answer.text
    if reason == "complaint":
        complaint = services.queue.complaint(last.conversation_id)
        assert complaint is not None and last.ticket.complaint_reference == complaint.reference
        assert complaint.reference in last.answer.text and (complaint.due_at - complaint.opened_at).days == 15


@pytest.mark.parametrize(
    "turns",
    [
        ["hello", "What is the annual fee of the platinum credit card?", "thanks!", "bye"],
        ["你好", "白金卡年费多少？", "谢谢", "再见"],
        [
            "What should I do if my card is stolen?",
            "I don't quite get the difference between freezing and reporting, can you explain?",
        ],
        ["如果卡丢了怎么办？", "投诉流程一般要多久？"],
    ],
)
def test_ordinary_questions_small_talk_and_mild_confusion_never_hand_off(services, turns):
    results = run(services, "calm", *turns)
    assert not any(r.handoff.decision for r in results), [(r.question, r.handoff) for r in results]
    assert services.queue.count() == 0


def test_small_talk_gets_a_fixed_reply_without_searching(services):
    hello, thanks = run(services, "c1", "hi", "谢谢")
    assert hello.answer.kind == "conversational" and "help" in hello.answer.text and not hello.retrieved
    assert thanks.answer.text.startswith("不客气")


def test_two_unanswered_turns_hand_off_and_every_abstention_offers_a_person(
    kb_services, kb_data_dir, tmp_path
):
    model = ScriptedChatModel("NO_ANSWER", "NO_ANSWER")
    services = services_for(kb_services, kb_data_dir, tmp_path, chat_model=model, answers="llm")
    first, second = run(
        services,
        "c1",
        "Do you lend to restaurants for their kitchen equipment?",
        "What about NFTs as collateral for a mortgage?",
    )
    assert first.answer.abstained and not first.handoff.decision and first.handoff.offer_person
    assert "person" in first.answer.text or "colleague" in first.answer.text or "team" in first.answer.text
    assert second.answer.abstained and (second.handoff.decision, second.handoff.reason) == (
        True,
        "unanswered",
    )


def test_person_takes_over_talks_and_hands_back(kb_services, kb_data_dir, tmp_path, database_url):
    """On SQLite and on PostgreSQL."""
    services = services_for(kb_services, kb_data_dir, tmp_path, database=database_url)
    desk = services.desk
    _, request = run(
        services, "c1", "What is the annual fee of the platinum credit card?", "I'd like to talk to a person"
    )
    assert request.answer.kind == "conversational" and "queue" in request.answer.text
    ticket_id = request.ticket.ticket_id
    assert desk.claim(ticket_id, "alice") is not None
    assert desk.claim(ticket_id, "bob") is None

    # While a person has it, the assistant stays silent and the customer's words reach the agent.
    silent = services.pipeline.ask("My card number ends in 4321, can you waive it?", "c1", use_llm=False)
    assert silent.answer.kind == "to_agent" and silent.answer.text == "" and not silent.handoff.decision
    desk.send(ticket_id, "alice", "Hi, I'm Alice. I can waive this year's fee for you.")
    transcript = services.conversations.transcript("c1")
    assert [m.source for m in transcript] == [
        "customer",
        "assistant",
        "customer",
        "assistant",
        "system",
        "customer",
        "agent",
    ]
    assert transcript[-1].author == "alice"

    desk.hand_back(ticket_id, "alice")
    again = services.pipeline.ask("And the gold card's annual fee?", "c1", use_llm=False)
    assert again.answer.kind == "extractive" and again.answer.citations
    assert services.conversations.transcript("c1")[-1].source == "assistant"


def test_handoff_packet_has_what_the_agent_needs_and_is_json(services):
    run(
        services,
        "c1",
        "My card was charged ¥320 at a shop I've never been to, is that fraud?",
        "I froze it, I want someone to look at this now",
    )
    ticket = services.queue.waiting()[0]
    packet = services.desk.packet(ticket.id)
    assert packet is not None and packet.ticket.reason == "risk"
    assert packet.summary_kind == "extractive" and "¥320" in packet.summary and "fraud" in packet.summary
    assert [m.source for m in packet.transcript][:2] == ["customer", "assistant"]
    assert len(packet.emotion_curve) == 2 and packet.sources
    assert packet.suggested_reply is not None and packet.suggested_reply.citations
    as_json = json.loads(packet.model_dump_json())
    assert {
        "ticket",
        "summary",
        "transcript",
        "emotion_curve",
        "sources",
        "suggested_reply",
        "customer",
    } <= set(as_json)


def test_summary_uses_the_llm_when_available_and_falls_back_when_it_is_down(
    kb_services, kb_data_dir, tmp_path
):
    model = ScriptedChatModel("Customer asks for a person about a platinum fee waiver.", unavailable())
    services = services_for(kb_services, kb_data_dir, tmp_path, chat_model=model, answers="llm")
    run(services, "c1", "转人工")
    ticket_id = services.queue.waiting()[0].id
    llm = services.desk.packet(ticket_id, with_suggestion=False)
    fallback = services.desk.packet(ticket_id, with_suggestion=False)
    assert llm is not None and llm.summary_kind == "llm" and "platinum" in llm.summary
    assert fallback is not None and fallback.summary_kind == "extractive" and "转人工" in fallback.summary


def test_replay_contract_one_line_per_conversation_and_errors_in_place(kb_data_dir: Path, tmp_path: Path):
    lines = [
        json.dumps({"id": "x", "turns": ["hi", "I want to speak to a person"]}),
        "not json",
        json.dumps({"turns": ["我的卡被盗刷了"]}),
        json.dumps({"turns": []}),
    ]
    source = tmp_path / "conversations.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, "BANK_ASSISTANT_DATA_DIR": str(kb_data_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "replay", str(source), "--answers", "extractive"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == 4
    first = out[0]["turns"]
    assert len(first) == 2
    for turn in first:
        assert {
            "intent",
            "emotion",
            "emotion_intensity",
            "answer",
            "abstained",
            "citations",
            "handoff",
        } <= set(turn)
        assert {"decision", "reason", "priority"} <= set(turn["handoff"])
        assert turn["text_redacted"] and turn["guard"] == {"flagged": False, "category": None, "pii": []}
    assert first[0]["handoff"]["decision"] is False and first[1]["handoff"]["reason"] == "explicit_request"
    assert out[1]["line"] == 2 and "error" in out[1] and out[3]["line"] == 4
    assert out[2]["turns"][0]["handoff"] == out[2]["turns"][0]["handoff"] | {
        "decision": True,
        "reason": "risk",
        "priority": 1,
    }
