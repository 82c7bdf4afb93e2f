"""A customer and an agent, each in their own browser, using the app as they would."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from assistant.knowledge.gaps import gap_key

pytestmark = pytest.mark.slow

ASK = "Ask about accounts, cards, loans, transfers… · 请输入您的问题…"
CHAT_TAB = "Customer chat · 客户服务"
AGENT_TAB = "Agent console · 人工坐席"
TIMEOUT_MS = 30_000


def ask(page: Any, question: str) -> None:
    """Type the question and send it with the keyboard, as a customer would."""
    box = page.get_by_placeholder(ASK)
    box.fill(question)
    box.press("Enter")


def bot_messages(page: Any) -> Any:
    return page.locator("[data-testid='bot']")


def wait_for_bot_text(page: Any, text: str) -> Any:
    message = bot_messages(page).filter(has_text=text).last
    message.wait_for(timeout=TIMEOUT_MS)
    return message


def unlabelled_inputs(page: Any) -> list[str]:
    """Visible text inputs with neither a <label> nor an aria-label: a screen reader can't name them."""
    result: list[str] = page.evaluate(
        """() => [...document.querySelectorAll(
                'textarea, input[type=text], input[type=password], input:not([type])')]
            .filter(e => e.offsetParent !== null)
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                && !e.getAttribute('aria-labelledby'))
            .map(e => e.outerHTML.slice(0, 120))"""
    )
    return result


@pytest.mark.parametrize(
    ("script", "question", "figure", "title"),
    [
        ("english", "What is the annual fee of the platinum credit card?", "1,200", "Platinum Credit Card"),
        ("simplified", "白金信用卡年费多少？", "1,200", "白金信用卡"),
        ("traditional", "白金信用卡年費多少？", "1,200", "白金信用卡"),
    ],
)
def test_a_customer_gets_a_cited_answer_with_its_sources(
    browser, app_url, screenshot_dir: Path, script, question, figure, title
):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(app_url)
    assert "AI assistant" in bot_messages(page).first.inner_text()  # the disclosure comes first
    ask(page, question)
    answer = wait_for_bot_text(page, figure)
    text = answer.inner_text()
    if script == "traditional":
        assert "資料" in text  # answered in the script it was asked in
    # A screen reader reads a Chinese answer with a Chinese voice: its parts are marked lang="zh".
    marked = answer.evaluate("e => [e, ...e.querySelectorAll('*')].some(x => x.lang === 'zh')")
    assert marked == (script != "english")
    assert page.evaluate("document.documentElement.lang") == "en"
    # Each source is an expandable passage headed by title, section and version.
    header = page.get_by_text(re.compile(r"📄 \[1\] .+ › .+ \(v\d+\)")).last
    assert title in header.inner_text()
    header.click()
    page.get_by_text(re.compile(figure)).last.wait_for(timeout=TIMEOUT_MS)
    assert unlabelled_inputs(page) == []
    page.screenshot(path=str(screenshot_dir / f"chat-{script}.png"))


def test_a_customer_asks_for_a_person_and_an_agent_takes_over_then_hands_back(
    browser, app_url, screenshot_dir: Path
):
    customer = browser.new_context().new_page()
    customer.goto(app_url)
    ask(customer, "I want to speak to a real person please")
    wait_for_bot_text(customer, "member of our team")

    agent = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    agent.goto(app_url)
    agent.get_by_role("tab", name=AGENT_TAB).click()
    agent.get_by_label("Username").fill("agent")
    agent.get_by_label("Password").fill("wrong")
    agent.get_by_role("button", name="Sign in").click()
    agent.get_by_text("Wrong username or password.").wait_for(timeout=TIMEOUT_MS)
    agent.get_by_label("Password").fill("agent")
    agent.get_by_role("button", name="Sign in").click()
    # The queue table refreshes every 2 s; its cells are not individually visible elements.
    agent.wait_for_function("() => document.body.innerText.includes('explicit_request')", timeout=TIMEOUT_MS)
    assert unlabelled_inputs(agent) == []
    agent.get_by_role("button", name="Claim next").click()
    packet = agent.get_by_text(re.compile(r"Ticket \d+ · "))
    packet.wait_for(timeout=TIMEOUT_MS)
    panel = agent.locator("body").inner_text()
    assert "Summary" in panel and "Emotion curve" in panel and "channel web" in panel.replace("*", "")
    agent.screenshot(path=str(screenshot_dir / "agent-console.png"), full_page=True)

    reply_box = agent.get_by_label("Your reply (the customer sees it as from a person)")
    reply_box.fill("Hello, I'm Li. How can I help?")
    agent.get_by_role("button", name="Send", exact=True).click()
    reply = wait_for_bot_text(customer, "Hello, I'm Li. How can I help?")
    assert "Lanting Bank staff" in reply.inner_text()  # marked as from a person, not the AI
    customer.screenshot(path=str(screenshot_dir / "chat-with-a-person.png"), full_page=True)

    agent.get_by_role("button", name="Hand back to assistant").click()
    wait_for_bot_text(customer, "assistant")  # the hand-back notice
    ask(customer, "What is the annual fee of the platinum credit card?")
    wait_for_bot_text(customer, "1,200")


def test_the_chat_fits_a_phone_screen(browser, app_url, screenshot_dir: Path):
    page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    page.goto(app_url)
    # A long answer with a table row and sources: what overflows first on a narrow screen.
    ask(page, "What is the daily cut-off for international transfers?")
    wait_for_bot_text(page, "15:30")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px on a phone"
    page.screenshot(path=str(screenshot_dir / "chat-mobile.png"))


def test_an_unanswered_question_reaches_the_insight_tab_and_becomes_a_draft(
    browser, app_url, screenshot_dir: Path
):
    question = "Do you offer pet insurance for hamsters?"
    customer = browser.new_context().new_page()
    customer.goto(app_url)
    ask(customer, question)
    wait_for_bot_text(customer, "")

    staff = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    staff.goto(app_url)
    staff.get_by_role("tab", name="Dashboard · 数据看板").click()
    staff.get_by_label("Username").locator("visible=true").fill("editor")
    staff.get_by_label("Password").locator("visible=true").fill("editor")
    staff.get_by_role("button", name="Sign in").locator("visible=true").click()
    staff.get_by_role("tab", name="Customer insight · 客户洞察").click()
    staff.get_by_role("button", name="Find topics · 分析").click()
    staff.wait_for_function(f"() => document.body.innerText.includes({question!r})", timeout=TIMEOUT_MS)
    assert "unanswered questions" in staff.locator("body").inner_text()
    staff.get_by_label("Gap key").fill(gap_key("abstained", question))
    staff.get_by_role("button", name="Draft a document from this gap · 起草文档").click()
    staff.get_by_text(re.compile(r"Draft \S+ v\d+ created")).wait_for(timeout=TIMEOUT_MS)
    staff.screenshot(path=str(screenshot_dir / "dashboard-insight.png"), full_page=True)
