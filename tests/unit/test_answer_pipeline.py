"""The answer stage's decisions, through the real pipeline with a scripted LLM and a fake embedder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.config import Settings
from assistant.container import Services
from assistant.lang import to_traditional
from assistant.pipeline import TurnDelta, TurnDone
from assistant.storage.migrations import turns
from tests.conftest import KNOWLEDGE_DIR
from tests.fakes import HashingEmbedder, ScriptedChatModel, unavailable

QUESTION = "What is the annual fee of the platinum credit card?"


@pytest.fixture
def make_services(tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("en/credit-card-platinum.md", "en/credit-card-gold.md", "zh/credit-card-platinum.md"):
        (docs / name.replace("/", "-")).write_bytes((KNOWLEDGE_DIR / name).read_bytes())

    def build(*responses: str | Exception, **overrides: object) -> tuple[Services, ScriptedChatModel]:
        llm = ScriptedChatModel(*responses)
        values = {"data_dir": tmp_path / "data", "min_dense_similarity": 0.1, **overrides}
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        services = Services(settings, embedder=HashingEmbedder(), chat_model=llm)
        services.ingestor.ingest([docs])
        return services, llm

    return build


def platinum_source_number(services: Services, question: str = QUESTION) -> int:
    chunks = services.retriever.retrieve(question, lang="en").chunks
    return next(i for i, h in enumerate(chunks, start=1) if "¥1,200" in h.chunk.text)


def test_grounded_llm_answer_is_streamed_and_cited(make_services):
    services, llm = make_services()
    n = platinum_source_number(services)
    llm.responses.append(f"The Platinum main card annual fee is ¥1,200 [{n}].")
    events = list(services.pipeline.run(QUESTION))
    streamed = "".join(e.text for e in events if isinstance(e, TurnDelta))
    result = events[-1].result
    assert isinstance(events[-1], TurnDone)
    assert streamed == result.answer.text == f"The Platinum main card annual fee is ¥1,200 [{n}]."
    assert result.answer.kind == "llm" and result.answer.grounded and not result.answer.abstained
    assert result.answer.citations[0].doc_id == "credit-card-platinum-en"
    assert {"understand", "retrieve", "answer", "record", "total", "first_token"} <= set(result.timings_ms)
    llm.assert_all_used()


def test_wrong_number_is_replaced_by_an_extractive_cited_answer(make_services):
    services, llm = make_services()
    n = platinum_source_number(services)
    llm.responses.append(f"The Platinum annual fee is ¥999 [{n}].")
    result = services.pipeline.ask(QUESTION)
    assert result.answer.kind == "extractive"
    assert "999" in (result.answer.fallback_reason or "")
    assert "¥1,200" in result.answer.text and "quoted directly" in result.answer.text
    assert any(c.doc_id == "credit-card-platinum-en" for c in result.answer.citations)


def test_llm_outage_degrades_to_extractive_answer_and_offers_a_person(make_services):
    services, _ = make_services(unavailable())
    result = services.pipeline.ask(QUESTION)
    assert result.answer.kind == "extractive"
    assert result.answer.fallback_reason == "language model unavailable"
    assert "¥1,200" in result.answer.text
    assert "member of our team" in result.answer.text


def test_no_answer_from_llm_abstains_and_offers_a_person(make_services):
    services, _ = make_services("NO_ANSWER")
    events = list(services.pipeline.run("What is the platinum card's lounge policy for pets?"))
    assert not [e for e in events if isinstance(e, TurnDelta)], "NO_ANSWER must never be streamed"
    answer = events[-1].result.answer
    assert answer.abstained and answer.kind == "abstained" and not answer.citations
    assert "connect you" in answer.text


def test_irrelevant_question_abstains_without_calling_the_llm(make_services):
    services, llm = make_services(min_dense_similarity=0.99)
    result = services.pipeline.ask("Who won the football match yesterday?")
    assert result.answer.abstained
    assert llm.calls == []


def test_a_forecast_is_declined_without_calling_the_llm(make_services):
    services, llm = make_services("The rate will fall to 0.04% a day next year [1].")
    result = services.pipeline.ask("Is the platinum card's interest rate going down next year?")
    assert result.answer.abstained
    assert result.answer.fallback_reason == "asks for a forecast no document makes"
    assert llm.calls == []


def test_extractive_mode_skips_the_llm(make_services):
    services, llm = make_services()
    result = services.pipeline.ask(QUESTION, use_llm=False)
    assert result.answer.kind == "extractive" and result.answer.fallback_reason is None
    assert "¥1,200" in result.answer.text
    assert llm.calls == []


def test_traditional_chinese_question_gets_a_traditional_chinese_answer(make_services):
    services, _ = make_services()
    result = services.pipeline.ask("白金信用卡年費多少？", use_llm=False)
    assert result.lang == "zh"
    assert to_traditional(result.answer.text) == result.answer.text
    assert "資料" in result.answer.text and "资料" not in result.answer.text
    assert result.answer.citations[0].doc_id == "credit-card-platinum-zh"


def test_every_turn_is_recorded_with_citations_and_timings(make_services):
    services, _ = make_services()
    result = services.pipeline.ask(QUESTION, conversation_id="conv-1", use_llm=False)
    with services.database.connect() as conn:
        row = conn.execute(select(turns).where(turns.c.conversation_id == "conv-1")).mappings().one()
    assert row["answer"] == result.answer.text and row["answer_kind"] == "extractive"
    assert json.loads(row["citations"])[0]["doc_id"] == "credit-card-platinum-en"
    assert json.loads(row["timings_ms"])["total"] > 0


def test_a_follow_up_reaches_the_llm_with_the_earlier_message_as_context(make_services):
    services, llm = make_services()
    n = platinum_source_number(services)
    llm.responses += [f"The Platinum main card annual fee is ¥1,200 [{n}].", f"It is ¥1,200 [{n}]."]
    list(services.pipeline.run(QUESTION, "conv-follow-up"))
    events = list(services.pipeline.run("and is it waived in the first year?", "conv-follow-up"))
    prompt = "\n".join(m.content for m in llm.calls[-1])
    assert "and is it waived in the first year?" in prompt
    assert f"Earlier messages from the customer, for context: {QUESTION}" in prompt
    assert events[-1].result.question == "and is it waived in the first year?"
