"""Questions asking for a kind of statement product documents don't make: forecasts and past returns."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.domain import Chunk, RetrievedChunk
from assistant.stages.answer_types import unanswerable_kind


def passages(*texts: str) -> list[RetrievedChunk]:
    return [
        RetrievedChunk(
            chunk=Chunk(
                chunk_id=f"c{i}",
                doc_id="doc-en",
                title="Rates",
                section="Rates",
                lang="en",
                version=1,
                effective_date=date(2026, 1, 1),
                status="approved",
                text=text,
            ),
            fused_score=1.0,
        )
        for i, text in enumerate(texts)
    ]


RATE_TABLE = passages("| Term | Rate |\n|---|---|\n| 1 year | 1.45% |\n| 3 years | 1.95% |")
FUND_SHEET = passages("Performance benchmark: 2.60%-3.20% a year. Past performance is no guide to the future")


@pytest.mark.parametrize(
    "question",
    [
        "Are your term deposit rates going up next month?",
        "Do you expect interest rates to fall later this year?",
        "What's your forecast for the dollar exchange rate?",
        "明年LPR会降到多少？",
        "定期存款利率下个月会不会下调",
        "黄金价格还会涨吗",
        "美元汇率走势怎么样",
    ],
)
def test_a_forecast_is_not_answered_from_todays_rates(question):
    assert unanswerable_kind(question, RATE_TABLE) == "asks for a forecast no document makes"


@pytest.mark.parametrize(
    "question",
    [
        "What did the Global Tech fund return last year?",
        "How much did the QDII fund make last year?",
        "What's the historical performance of Steady Income?",
        "全球科技QDII去年赚了多少？",
        "稳享180天上一期实际收益率是多少？",
    ],
)
def test_a_past_return_is_not_answered_from_a_benchmark(question):
    assert unanswerable_kind(question, FUND_SHEET) == "asks for a past return no document reports"


@pytest.mark.parametrize(
    "question",
    [
        "What's the 3-year term deposit rate?",
        "If the LPR falls, does my mortgage rate change at once?",
        "I'll deposit 1,000 more so I reach 50,000 - will the rate go up?",
        "智能储蓄里现在有49000，再存1000进去，利率会涨吗？",
        "LPR降了，我的房贷利率会马上降吗？",
        "以后能升级成白金卡吗",
        "信用卡以后会降额吗",
        "I lost my card last month, can I still get a replacement?",
        "How much interest will I earn on 100,000 over 3 years?",
        "What is the fund's performance benchmark?",
    ],
)
def test_questions_about_how_products_work_are_left_to_the_other_checks(question):
    assert unanswerable_kind(question, RATE_TABLE + FUND_SHEET) is None


def test_a_passage_that_makes_the_statement_lets_the_question_through():
    outlook = passages("Rates are expected to fall by 0.10% in the coming quarter.")
    history = passages("Last year the fund returned 8.2%, against a benchmark of 6%.")
    assert unanswerable_kind("Are deposit rates going down next quarter?", outlook) is None
    assert unanswerable_kind("What did the fund return last year?", history) is None


def test_a_follow_up_that_names_its_topic_is_answered_when_its_own_words_find_the_answer() -> None:
    """The joined text of a follow-up ("fee abroad? / And the cash advance fee?") can look unanswerable
    to a check that learnt from single messages; the follow-up's own search vouches for it."""
    from assistant.config import PROJECT_ROOT
    from assistant.prompts import PromptTemplate
    from assistant.retrieval.hybrid import RetrievalResult, RetrievalSignals
    from assistant.stages.answer import Answerer, AnswerRequest

    [fee] = passages("Cash advance fee: 1% of the amount withdrawn, minimum ¥10.")
    answerer = Answerer(None, PromptTemplate.load(PROJECT_ROOT / "prompts", "answer"), "Lanting", 200, 0.8)

    def ask(own_similarity: float | None) -> bool:
        joined = RetrievalResult(chunks=[fee], signals=RetrievalSignals(best_dense_similarity=0.7))
        own = None
        if own_similarity is not None:
            signals = RetrievalSignals(best_dense_similarity=own_similarity)
            own = RetrievalResult(chunks=[fee], signals=signals)
        request = AnswerRequest(
            question="And the cash advance fee on credit cards?",
            earlier="Is there a foreign transaction fee abroad?",
            lang="en",
            retrieval=joined,
            own_retrieval=own,
            use_llm=False,
        )
        return [event for event in answerer.run(request)][-1].answer.abstained  # type: ignore[union-attr]

    assert ask(own_similarity=None)  # the joined reading alone is below the floor
    assert not ask(own_similarity=0.9)
    assert ask(own_similarity=0.75)  # neither reading finds it
