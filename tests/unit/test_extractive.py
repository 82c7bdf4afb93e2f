"""Extractive answers quote the unit that holds the asked figure, for the asked entity, and no other."""

from datetime import date

from assistant.domain import Chunk, RetrievedChunk
from assistant.stages.extractive import answer_units, extract_answer


def hit(text: str, title: str, section: str, doc_id: str = "doc-en") -> RetrievedChunk:
    chunk = Chunk(
        chunk_id=f"{doc_id}#{section}",
        doc_id=doc_id,
        title=title,
        section=section,
        text=text,
        lang="en",
        version=1,
        effective_date=date(2026, 1, 1),
        status="approved",
    )
    return RetrievedChunk(chunk=chunk, fused_score=0.1)


RATES = hit(
    "| Term | Interest rate |\n|---|---|\n| 3 months | 1.05% |\n| 1 year | 1.45% |\n| 3 years | 1.85% |",
    "Term Deposits",
    "Standard term deposit rates",
)


def test_the_asked_row_is_quoted_without_its_neighbours() -> None:
    answer, used = extract_answer("What rate do you pay on a 3 year deposit?", [RATES])
    assert "Term: 3 years; Interest rate: 1.85%" in answer
    assert "1.05%" not in answer and "1.45%" not in answer
    assert used == [1]


def test_a_worked_example_is_quoted_with_its_outcome_not_only_its_setup() -> None:
    transfers = hit(
        "Example: you send ¥80,000 to another bank at 18:15 on a Friday. Because it is over ¥50,000, "
        "it is processed on Monday from 8:30 and normally arrives by 10:30.\n\n"
        "I sent money to the wrong account. Call us at once.",
        "Domestic Transfers",
        "How long a domestic transfer takes",
    )
    answer, _ = extract_answer(
        "I sent 80,000 to another bank at 6:15pm on Friday. When will it arrive?", [transfers]
    )
    assert "10:30" in answer and "8:30" in answer


def test_a_term_every_unit_shares_through_the_heading_does_not_pick_the_unit() -> None:
    minimum = hit(
        "| Statement balance | Minimum payment |\n|---|---|\n| ¥8,000 | ¥800 |\n| ¥600 | ¥100 |\n\n"
        "Paying the minimum avoids the late payment fee, but revolving credit interest is still charged.",
        "Credit Card Terms",
        "Minimum payment",
    )
    answer, _ = extract_answer(
        "My credit card statement is only 600 yuan. What's the minimum I have to pay?", [minimum]
    )
    assert "Statement balance: ¥600; Minimum payment: ¥100" in answer
    assert "¥800" not in answer


def test_a_comparison_quotes_both_sides_from_their_own_passages() -> None:
    gold = hit(
        "Gold main cardholders get 2 free airport lounge visits per year.",
        "Gold Credit Card",
        "Travel",
        "gold-en",
    )
    platinum = hit(
        "Platinum main cardholders get 6 free airport lounge visits per year.",
        "Platinum Credit Card",
        "Travel",
        "plat-en",
    )
    answer, used = extract_answer("How many free lounge visits with Gold versus Platinum?", [gold, platinum])
    assert "2 free" in answer and "6 free" in answer and used == [1, 2]


def test_a_worked_example_paragraph_is_one_unit() -> None:
    units = answer_units("Example: you spend ¥4,000 a month. You earn 200 points a month, or 2,400 a year.")
    assert units == ["Example: you spend ¥4,000 a month. You earn 200 points a month, or 2,400 a year."]


DORMANCY = hit(
    "After 12 months with no customer-initiated transaction the account becomes dormant.\n\n"
    "A dormant account blocks card payments.\n\n"
    "Your current account statement is free in the app.",
    "Current Account",
    "Dormant accounts",
)


def test_the_unit_closest_in_meaning_is_quoted_when_the_customer_uses_other_words() -> None:
    """ "never touch" shares no word with "no customer-initiated transaction": the embedding similarity
    of each unit to the question (here given directly) picks the sentence with the answer."""
    question = "What happens to an account I never touch?"
    units = answer_units(DORMANCY.chunk.text)
    words_only, _ = extract_answer(question, [DORMANCY], max_units=1)
    assert "12 months" not in words_only  # every unit shares only "account"; the shortest one wins
    similarity = {unit: (0.91 if "12 months" in unit else 0.84) for unit in units}
    with_meaning, _ = extract_answer(question, [DORMANCY], max_units=1, unit_similarity=similarity)
    assert "12 months" in with_meaning


def test_the_customers_words_reach_the_documents_words() -> None:
    """ "换外汇" and "一年" share no word with "购汇" and "年度": the customer-terms vocabulary maps them."""
    quota = hit(
        "用人民币购汇后汇出的金额占用该额度。\n\n每位个人每个自然年度在所有银行合计可购汇等值50,000美元。\n\n"
        "您也可以使用账户中已有的外币余额汇款。",
        "境外汇款",
        "个人年度购汇额度",
        doc_id="international-transfers-zh",
    )
    answer, _ = extract_answer("给孩子汇学费，用人民币换外汇，一年最多能换多少？", [quota])
    assert "50,000美元" in answer


def test_every_document_term_in_the_customer_vocabulary_is_in_the_knowledge_base() -> None:
    """A mapping to a word no document uses would only add noise to the ranking."""
    from pathlib import Path

    from assistant.lang import to_simplified
    from assistant.retrieval.customer_terms import vocabulary

    docs = Path(__file__).parents[2] / "knowledge" / "docs"
    for lang, terms in vocabulary().items():
        text = to_simplified(
            " ".join(p.read_text(encoding="utf-8", errors="ignore") for p in (docs / lang).iterdir()).lower()
        )
        missing = [term for term in terms if term.lower() not in text]
        assert not missing, f"{lang}: {missing}"


def test_neighbouring_rows_stay_out_when_an_example_already_states_the_asked_rows_figure() -> None:
    """The 3-year row adds nothing once the worked example quotes 1.85%, but its neighbours' rates
    (another term's) must not take its place."""
    example = hit(
        "| Deposit | Term and rate | Interest at maturity |\n|---|---|---|\n"
        "| ¥100,000 standard term deposit | 3 years at 1.85% | ¥100,000 × 1.85% × 3 = ¥5,550 |",
        "Term Deposits",
        "Worked examples",
    )
    answer, _ = extract_answer("What rate do you pay on a 3 year term deposit?", [example, RATES])
    assert "1.85%" in answer
    assert "1.05%" not in answer and "1.45%" not in answer


def test_a_row_is_told_from_its_neighbours_by_its_own_words_not_its_tables_heading() -> None:
    """Every row carries the heading's words ("cut-off", "arrival"); the arrival row ("arrive" is
    "arrival" in the customer-terms vocabulary) answers the second part although the cut-off row,
    quoted first, has every word the heading gives it."""
    times = hit(
        "| Item | Detail |\n|---|---|\n| Daily cut-off | 15:30 on working days |\n"
        "| Usual arrival time | 1-3 working days |",
        "International transfers",
        "Cut-off time and arrival times",
    )
    answer, _ = extract_answer("What's the daily cut-off, and how long do they take to arrive?", [times])
    assert "15:30" in answer and "1-3 working days" in answer
