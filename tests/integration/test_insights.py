"""Opinion mining and hot topics over a real turn log, the real bundled embedder and the real CLI:
complaints in two languages group by what they are about (not by language), topics are named in
both languages, weekly volumes and rises are counted, handoffs and unanswered questions show up, and
the period is respected."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import Settings
from assistant.container import Services
from assistant.retrieval.embedder import build_embedder
from assistant.storage.migrations import conversations, handoff_tickets, turns
from ui.insights import insight_views

pytestmark = pytest.mark.slow

APP_LOGIN = [
    ("en", "The app keeps crashing when I try to log in"),
    ("en", "Since the update your mobile app won't let me sign in, this is ridiculous"),
    ("en", "I can't log into the app, it freezes on the login screen"),
    ("en", "App login fails every time with an error message"),
    ("zh", "手机银行APP登录不了，一直闪退"),
    ("zh", "更新以后APP一直登录失败，太烦了"),
    ("zh", "手机银行登录页面卡住了，怎么回事"),
    ("zh", "app又闪退了，登不上去"),
]
ANNUAL_FEE = [
    ("en", "Why was I charged an annual fee on my credit card? I was told it was waived"),
    ("en", "You charged me the card annual fee again, I want it refunded"),
    ("en", "The annual fee on my gold card is outrageous"),
    ("zh", "信用卡年费为什么又扣了，说好免年费的"),
    ("zh", "莫名其妙扣了我的年费，要求退还"),
    ("zh", "金卡年费太贵了，凭什么收这么多"),
]
LATE_TRANSFER = [
    ("en", "My international transfer still hasn't arrived after five days"),
    ("en", "Where is my wire transfer to London? It's been a week"),
    ("en", "The overseas transfer is taking forever, my family needs the money"),
    ("zh", "境外汇款五天了还没到账"),
    ("zh", "跨境汇款一直不到账，太慢了"),
    ("zh", "国际汇款为什么这么久还没到"),
]
ORDINARY = [
    ("en", "What is the interest rate on a 3-year term deposit?"),
    ("en", "How do I open a savings account?"),
    ("zh", "定期存款三年利率是多少"),
    ("zh", "房贷需要什么材料"),
]
TODAY = datetime.now(UTC).date()


def _seed(services: Services) -> None:
    now = datetime.now(UTC)
    rows, tickets = [], []

    def turn(
        lang: str, text: str, days_ago: float, emotion: str, intent: str, abstained: bool = False
    ) -> str:
        conversation = f"conv-{len(rows)}"
        rows.append(
            {
                "conversation_id": conversation, "created_at": now - timedelta(days=days_ago), "lang": lang,
                "question": text, "answer": "…", "answer_kind": "abstained" if abstained else "extractive",
                "abstained": abstained, "grounded": not abstained, "fallback_reason": None,
                "citations": "[]", "retrieved_chunk_ids": "[]", "timings_ms": "{}", "total_ms": 5.0,
                "intent": intent, "intent_confidence": 0.9, "emotion": emotion, "emotion_intensity": 0.7,
            }
        )  # fmt: skip
        return conversation

    # The app complaints all come in the last six days: the rising topic.
    for n, (lang, text) in enumerate(APP_LOGIN * 2):
        turn(lang, text, n % 6 + 0.1, "angry" if n % 2 else "frustrated", "complaint")
    # Fee complaints spread over three weeks; a third of them went to a person.
    for n, (lang, text) in enumerate(ANNUAL_FEE * 2):
        conversation = turn(lang, text, 7 + n * 1.5, "angry", "complaint")
        if n % 3 == 0:
            tickets.append(conversation)
    for n, (lang, text) in enumerate(LATE_TRANSFER * 2):
        turn(lang, text, 3 + n * 2, "anxious", "transfer_not_received_by_recipient")
    for n, (lang, text) in enumerate(ORDINARY * 3):
        turn(lang, text, n * 2 + 0.2, "neutral", "getting_spare_card")
    turn("en", "Do you offer pet insurance for hamsters?", 2, "neutral", "out_of_scope", abstained=True)
    turn("en", "Do you offer pet insurance for hamsters?", 4, "neutral", "out_of_scope", abstained=True)
    turn("zh", "你们有宠物保险吗", 3, "neutral", "out_of_scope", abstained=True)
    # Outside the period asked about below: neither a topic nor an unanswered question.
    turn("en", "Can I pay my council tax at a branch?", 60, "neutral", "out_of_scope", abstained=True)
    turn("en", "Hello!", 1, "neutral", "greeting")
    with services.database.begin() as conn:
        conn.execute(turns.insert(), rows)
        for n, conversation in enumerate(tickets):
            at = now - timedelta(days=10)
            conn.execute(
                conversations.insert().values(
                    id=conversation, mode="human", lang="en", created_at=at, updated_at=at, channel="web"
                )
            )
            conn.execute(
                handoff_tickets.insert().values(
                    conversation_id=conversation, idempotency_key=f"k{n}", status="queued",
                    reason="complaint", also="[]", detail="", priority=2, lang="en", created_at=at,
                )
            )  # fmt: skip


@pytest.fixture(scope="module")
def embedder():
    return build_embedder("e5-multilingual")


@pytest.fixture(scope="module")
def mined(tmp_path_factory, embedder):
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("insight-data"), answers="extractive", _env_file=None
    )  # type: ignore[call-arg]
    services = Services(settings, embedder=embedder)
    _seed(services)
    return services, services.opinions.insights(TODAY - timedelta(days=30), TODAY)


def _theme(text: str) -> str:
    for name, theme in (("app", APP_LOGIN), ("fee", ANNUAL_FEE), ("transfer", LATE_TRANSFER)):
        if text in {t for _, t in theme}:
            return name
    return "other"


def test_complaints_group_by_what_they_are_about_in_either_language_and_are_named_in_both(mined):
    _, report = mined
    assert report.messages == 40 + 12 + 3  # small talk and the turn outside the period left out
    assert report.complaints == 40
    themes = {}
    for topic in report.complaint_topics:
        assert topic.messages == sum(topic.weekly.values())
        assert sum(topic.emotions.values()) == topic.messages
        shown = {_theme(e) for e in topic.examples}
        assert len(shown) == 1, topic.examples
        themes[shown.pop()] = topic
    assert set(themes) == {"app", "fee", "transfer"}
    assert [themes[t].messages for t in ("app", "fee", "transfer")] == [16, 12, 12]
    for topic in themes.values():
        assert topic.terms["en"] and topic.terms["zh"], topic.terms  # both languages in each topic
    assert "fee" in themes["fee"].terms["en"] and "年费" in themes["fee"].terms["zh"]
    assert "app" in themes["app"].terms["en"] and "登录" in themes["app"].terms["zh"]
    assert themes["fee"].handed_to_person == pytest.approx(4 / 12, abs=0.01)
    assert themes["app"].handed_to_person == 0
    assert themes["transfer"].emotions == {"anxious": 12}
    assert themes["transfer"].intents == {"transfer_not_received_by_recipient": 12}


def test_the_app_topic_is_rising_and_unanswered_questions_of_the_period_are_listed(mined):
    _, report = mined
    first = report.rising[0]
    assert "app" in first.name["en"] or "登录" in first.name["zh"]
    assert first.last_7_days == 16 and first.weekly_before == 0 and first.growth is None
    unanswered = {g.question: g.count for g in report.unanswered}
    assert unanswered == {"Do you offer pet insurance for hamsters?": 2, "你们有宠物保险吗": 1}
    assert report.weeks[0] == f"{(TODAY - timedelta(days=30)).isocalendar()[0]}-W" + (
        f"{(TODAY - timedelta(days=30)).isocalendar()[1]:02d}"
    )
    summary, complaints, weekly, emotions, _, _, gaps = insight_views(report)
    assert "40 complaints" in summary
    assert len(complaints) == 3 and len(gaps) == 2
    assert set(weekly["week"]) == set(report.weeks)
    assert emotions["messages"].sum() == 40


def test_insights_cli_contract_and_bad_periods(mined, monkeypatch):
    services, _ = mined
    monkeypatch.setenv("BANK_ASSISTANT_DATA_DIR", str(services.settings.data_dir))
    runner = CliRunner()
    since = (TODAY - timedelta(days=30)).isoformat()
    shown = runner.invoke(app, ["insights", "--since", since, "--json"])
    assert shown.exit_code == 0, shown.output
    payload = json.loads(shown.stdout)
    assert {"since", "until", "messages", "complaints", "weeks", "complaint_topics", "question_topics",
            "rising", "unanswered"} <= set(payload)  # fmt: skip
    topic = payload["complaint_topics"][0]
    assert {"id", "name", "terms", "messages", "conversations", "weekly", "emotions", "intents", "products",
            "handed_to_person", "unanswered", "examples"} <= set(topic)  # fmt: skip
    assert set(topic["name"]) == {"en", "zh"}
    assert payload["since"] == since and payload["until"] == TODAY.isoformat()

    narrow = runner.invoke(
        app, ["insights", "--since", TODAY.isoformat(), "--until", TODAY.isoformat(), "--json"]
    )
    assert narrow.exit_code == 0, narrow.output
    assert json.loads(narrow.stdout)["messages"] < payload["messages"]

    for args in (["--since", "last week"], ["--since", TODAY.isoformat(), "--until", "2000-01-01"]):
        refused = runner.invoke(app, ["insights", *args, "--json"])
        assert refused.exit_code == 2
        assert "error" in json.loads(refused.stdout)


def test_an_empty_period_gives_an_empty_report(tmp_path, embedder):
    settings = Settings(data_dir=tmp_path / "empty", _env_file=None)  # type: ignore[call-arg]
    report = Services(settings, embedder=embedder).opinions.insights(date(2026, 1, 1))
    assert (report.messages, report.complaint_topics, report.rising, report.unanswered) == (0, [], [], [])
