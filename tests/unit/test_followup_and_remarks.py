"""Follow-up questions, acknowledgements and remarks: what is searched and what counts as unanswered."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.handoff.phrases import asks_something
from assistant.handoff.policy import HandoffPolicy, HandoffSignals
from assistant.retrieval.followup import is_follow_up
from assistant.stages.extractive import answer_units
from assistant.stages.handoff import ACKNOWLEDGEMENT
from assistant.stages.own_data import asks_for_own_account_data


@pytest.mark.parametrize(
    "text",
    [
        "and how long will it take?",
        "what about the gold card?",
        "那到账要几天",
        "还有手续费吗",
        "is it free?",
    ],
)
def test_follow_ups_are_recognised(text: str) -> None:
    assert is_follow_up(text)


@pytest.mark.parametrize(
    "text",
    [
        "What is the annual fee on the Platinum credit card?",
        "白金卡年费多少",
        "How do I report a lost debit card while travelling abroad?",
    ],
)
def test_standalone_questions_are_not_follow_ups(text: str) -> None:
    assert not is_follow_up(text)


@pytest.mark.parametrize(
    "text", ["ok", "OK thanks!", "ah ok got it now", "never mind", "好的", "嗯嗯", "算了"]
)
def test_acknowledgements_need_no_search(text: str) -> None:
    assert ACKNOWLEDGEMENT.fullmatch(text.strip()) or "thanks" in text.lower()


@pytest.mark.parametrize("text", ["ok, and how long will it take?", "no I want a refund", "ok 转人工"])
def test_a_question_after_ok_is_not_an_acknowledgement(text: str) -> None:
    assert not ACKNOWLEDGEMENT.fullmatch(text)


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("hmm that's a bit steep tbh", False),
        ("有点贵啊", False),
        ("I have money in the account though, this is annoying", False),
        ("which tech stocks should I buy this month", True),
        ("那到账要几天", True),
        ("能开数字人民币钱包", True),
        ("Can I add my card to Apple Pay", True),
    ],
)
def test_questions_and_remarks_are_told_apart(text: str, asks: bool) -> None:
    assert asks_something(text) is asks


def test_a_remark_the_assistant_found_nothing_for_is_not_an_unanswered_question() -> None:
    policy = HandoffPolicy()
    remark = HandoffSignals(
        text="hmm that's a bit steep tbh", understanding=None, abstained=True, previous_abstentions=1
    )
    question = replace(remark, text="which tech stocks should I buy?")
    assert not policy.decide(remark).decision
    decision = policy.decide(question)
    assert decision.decision and decision.reason == "unanswered"


def test_an_faq_question_is_quoted_with_its_answer_and_a_lead_in_with_its_list() -> None:
    text = (
        "## FAQ\n\n**How much interest will I get on ¥100,000 for 1 year?**\n"
        "At 1.45% p.a., you receive ¥1,450.\n\n"
        "To apply you must:\n\n- be aged 18 to 65;\n- have a monthly income of at least ¥3,000;"
    )
    units = answer_units(text)
    assert any("?" in u and "¥1,450" in u for u in units)
    assert any(u.startswith("To apply you must:") and "18 to 65" in u and "¥3,000" in u for u in units)


@pytest.mark.parametrize(
    ("text", "own"),
    [
        ("What's my current account balance right now?", True),
        ("Did my salary arrive yet?", True),
        ("帮我查一下我这个月信用卡账单是多少", True),
        ("工资到账了吗", True),
        ("Do I pay a fee if my balance is below 10,000?", False),
        ("My statement is only 600 yuan. What's the minimum I have to pay?", False),
        ("跨行转账几天到账？", False),
        (
            "Platinum card annual fee - how much is it and how much do I have to spend to get it waived?",
            False,
        ),
    ],
)
def test_questions_about_the_customers_own_account_data_are_told_apart(text: str, own: bool) -> None:
    assert asks_for_own_account_data(text) is own
