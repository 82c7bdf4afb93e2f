from datetime import date

from assistant.domain import Chunk, RetrievedChunk
from assistant.stages.citations import attribute_uncited, check_citations, cited_numbers
from assistant.stages.figures import numeric_values


def hit(
    text: str, title: str = "Platinum Credit Card", section: str = "Fees", doc_id: str = "cc-plat-en"
) -> RetrievedChunk:
    chunk = Chunk(
        chunk_id=f"{doc_id}#x#{abs(hash(text)) % 1000}",
        doc_id=doc_id,
        title=title,
        section=section,
        text=text,
        lang="en",
        version=2,
        effective_date=date(2026, 1, 1),
        status="approved",
    )
    return RetrievedChunk(chunk=chunk, fused_score=0.1)


PLATINUM = hit("| Card | Annual fee |\n|---|---|\n| Platinum main card | ¥1,200 |\n| Supplementary | ¥600 |")
GOLD = hit(
    "The Gold card annual fee is ¥300 for the main card.", title="Gold Credit Card", doc_id="cc-gold-en"
)
QUESTION = "What is the annual fee of the platinum credit card?"


def test_marker_forms_are_all_parsed():
    assert cited_numbers("a [1] b [2, 3] c 【4】 d [source 5] e [1][2]") == [1, 2, 3, 4, 5, 1, 2]


def test_numbers_are_compared_by_value():
    assert numeric_values("¥1,200 and 15万 and 1.0% and 18.25") == {1200.0, 150000.0, 1.0, 18.25}


def test_numbers_written_in_chinese_characters_are_figures_too():
    assert numeric_values("提供卡号后四位，两个工作日内到账，二十天内答复") == {4.0, 2.0, 20.0}
    # A bare 一 is mostly "a" or "once": not read as the figure 1.
    assert numeric_values("一天最多取一次") == set()


def test_grounded_answer_resolves_citations_to_documents():
    check = check_citations("The Platinum card annual fee is ¥1,200 [1].", [PLATINUM, GOLD], QUESTION)
    assert check.grounded
    assert [(c.number, c.doc_id, c.section, c.version) for c in check.citations] == [
        (1, "cc-plat-en", "Fees", 2)
    ]


def test_answer_without_citation_is_not_grounded():
    check = check_citations("The Platinum card annual fee is ¥1,200.", [PLATINUM], QUESTION)
    assert not check.grounded
    assert check.failure() == "no valid citation"


def test_out_of_range_marker_is_not_grounded():
    check = check_citations("The Platinum card annual fee is ¥1,200 [1] [7].", [PLATINUM], QUESTION)
    assert check.invalid_markers == [7]
    assert not check.grounded


def test_number_missing_from_cited_source_is_not_grounded():
    check = check_citations("The Platinum card annual fee is ¥1,500 [1].", [PLATINUM, GOLD], QUESTION)
    assert check.unsupported_numbers == ["1500"]
    assert not check.grounded


def test_a_figure_in_chinese_characters_is_checked_against_the_cited_source():
    delivery = hit("补卡后约7个工作日寄到，加急寄送2个工作日。", title="借记卡", doc_id="debit-card-zh")
    question = "加急补卡几天能到？"
    assert check_citations("加急寄送三个工作日可到 [1]。", [delivery], question).unsupported_numbers == ["3"]
    assert check_citations("加急寄送两个工作日可到 [1]。", [delivery], question).unsupported_numbers == []


def test_number_from_another_uncited_source_does_not_count():
    check = check_citations("The Platinum card annual fee is ¥300 [1].", [PLATINUM, GOLD], QUESTION)
    assert check.unsupported_numbers == ["300"]


def test_entity_swap_is_caught_even_when_the_number_is_in_the_cited_source():
    # The Gold passage contains 300, but it says nothing about the Platinum card.
    check = check_citations("The Platinum card annual fee is ¥300 [2].", [PLATINUM, GOLD], QUESTION)
    assert check.unsupported_sentences
    assert not check.grounded


def test_uncited_but_supported_sentence_gets_its_source_attributed_and_checked():
    text = attribute_uncited("The annual fee of the Platinum card is ¥1,200.", [GOLD, PLATINUM], QUESTION)
    assert text == "The annual fee of the Platinum card is ¥1,200 [2]."
    assert check_citations(text, [GOLD, PLATINUM], QUESTION).grounded


def test_a_decimal_point_is_not_a_sentence_end_when_attributing():
    rate = hit(
        "The rate on the whole balance is 0.35% p.a. in the ¥50,000 tier.",
        title="Smart Saver",
        doc_id="ss-en",
    )
    question = "What rate does the Smart Saver pay?"
    assert attribute_uncited("The Smart Saver rate is 0.35%.", [rate], question) == (
        "The Smart Saver rate is 0.35% [1]."
    )
    assert attribute_uncited("Smart Saver 利率为0.35%。", [rate], question).startswith(
        "Smart Saver 利率为0.35%"
    )


def test_unsupported_or_trivial_sentences_are_not_attributed():
    assert attribute_uncited("No.", [PLATINUM], QUESTION) == "No."
    assert attribute_uncited("The Platinum card annual fee is ¥999.", [PLATINUM], QUESTION).endswith("¥999.")


FEE_TABLE_ZH = hit(
    "| 卡种 | 年费 |\n|---|---|\n| 经典卡 | ¥0 |\n| 金卡主卡 | ¥300 |\n"
    "| 白金卡主卡 | ¥1,200 |\n| 白金卡附属卡 | ¥600 |",
    title="个人客户服务收费标准",
    section="信用卡年费",
    doc_id="fee-schedule-zh",
)


def test_a_number_from_the_wrong_row_of_the_cited_table_fails():
    question = "白金信用卡年费多少？"
    wrong = check_citations("信用卡年费为300元 [1]。", [FEE_TABLE_ZH], question)
    assert wrong.misplaced_numbers == ["300"] and "wrong row" in (wrong.failure() or "")
    right = check_citations("白金卡主卡年费为1,200元 [1]。", [FEE_TABLE_ZH], question)
    assert right.failure() is None


def test_an_faq_answer_is_placed_under_the_question_it_answers():
    faq = hit(
        "What is the annual fee of the Platinum card? ¥1,200 for the main card.\n"
        "What does the Gold card cost? ¥300 a year.",
        section="FAQ",
    )
    question = "What is the annual fee of the platinum credit card?"
    assert check_citations("The Platinum card annual fee is ¥1,200 [1].", [faq], question).failure() is None
    wrong = check_citations("The Platinum card annual fee is ¥300 [1].", [faq], question)
    assert wrong.misplaced_numbers == ["300"]


def test_a_true_sentence_beside_the_point_is_not_an_answer():
    gold = hit(
        "The ¥300 annual fee is waived for the next year after 6 purchases in the card year.\n"
        "Your card year starts on the day you activate the card.",
        title="Gold Credit Card",
        doc_id="cc-gold-en",
    )
    question = "How do I get the Gold card fee waived?"
    beside = check_citations(
        "Your Gold card year starts on the day you activate the card [1].", [gold], question
    )
    assert beside.off_topic and "does not take up" in (beside.failure() or "")
    on_point = "The Gold card fee is waived after 6 purchases in the card year [1]."
    assert check_citations(on_point, [gold], question).failure() is None


def test_the_question_or_a_heading_said_back_is_no_answer():
    """The bundled model once answered the Platinum fee question with its source's heading path."""
    echo = check_citations("[1] Platinum Credit Card > Fees [1].", [PLATINUM], QUESTION)
    assert echo.off_topic
    wrong_but_an_answer = check_citations(
        "No, the Platinum card has no annual fee [1].", [PLATINUM], QUESTION
    )
    assert not wrong_but_an_answer.off_topic and wrong_but_an_answer.unsupported_claims


def test_a_figure_takes_up_a_question_asking_for_an_amount():
    assert not check_citations("白金卡主卡年费为¥1,200 [1]。", [FEE_TABLE_ZH], "白金卡年费多少钱？").off_topic
    assert check_citations("年费按卡片年度收取 [1]。", [FEE_TABLE_ZH], "白金卡年费多少钱？").off_topic


STATEMENTS_ZH = hit(
    "电子对账单免费，纸质对账单每份收费¥5。\n\n信用卡还款不收取手续费。",
    title="活期结算账户",
    section="费用",
    doc_id="current-account-zh",
)


def test_a_negative_claim_assembled_from_scattered_words_fails():
    """The bundled model's "信用卡纸质账单不收费 [1]": every term is somewhere in the passage, but no
    sentence of it says credit card paper statements are free."""
    check = check_citations("信用卡纸质账单不收费 [1]。", [STATEMENTS_ZH], "信用卡纸质账单要收费吗？")
    assert check.unsupported_sentences == []  # the passage-wide term check alone lets it through
    assert check.unsupported_claims and "yes/no or negative" in (check.failure() or "")


def test_a_yes_no_answer_needs_a_unit_with_the_same_polarity():
    abroad = hit(
        "Yes, you can use the Classic card abroad; a 1.5% foreign transaction fee applies.",
        title="Classic Credit Card",
        doc_id="cc-classic-en",
    )
    question = "Can I use the Classic card abroad?"
    assert check_citations(
        "No, you can't use the Classic card abroad [1].", [abroad], question
    ).unsupported_claims
    assert (
        check_citations("Yes, you can use the Classic card abroad [1].", [abroad], question).failure() is None
    )


def test_a_negative_claim_that_a_cited_sentence_makes_passes():
    exemption = hit(
        "Customers aged 60 or over are exempt from the ¥10 monthly management fee.",
        title="Current Account",
        doc_id="current-account-en",
    )
    answer = "Customers aged 60 or over are exempt from the ¥10 monthly management fee [1]."
    check = check_citations(answer, [exemption], "I'm 61, do I pay the monthly fee?")
    assert check.unsupported_claims == [] and check.failure() is None
