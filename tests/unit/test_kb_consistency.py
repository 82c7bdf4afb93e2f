"""The knowledge base says the same thing in both languages, and the catalog says what the documents say.

Every English document ``x-en`` has a Chinese twin ``x-zh`` (paired by doc_id, whatever the file format)
with the same headings. Each states the same figures: fees, rates, limits, ages, days. Figures are
compared by value (``numeric_values``: '¥1,200' ~ '1200', '15万' ~ '150000'), document by document
and section by section. Numbers written in words are read too, by general rules rather than a list
per document:

- Chinese numerals before a measure word: 三年, 两个工作日, 十二个月, 后四位, 百分之五; 半年 is six
  months. 一 counts only as a duration (一年, 一天): elsewhere it is the article 'a' (一笔, 一张, 一个卡片
  年度), and 同一, 任一, 另一, 每一, 下一, 第一, 周一 and 前一天 (the day before) are no figures.
- English number words two to twelve; 'one' only before a unit of time, since it is also an article
  and a pronoun ('order one by post'); ordinals only where they number a period or a home (the
  second year, a second home), not 'a second card' or 'third parties'; 'half a year' is six months.
- Month names in dates ('10 April 2026' ~ '2026年4月10日'); round-the-clock notations (24/7,
  7×24小时, 24 hours a day, 7 days a week) all read as 24 hours.

Numbers that are no facts (section numbers, list ordinals, the same phone numbers and years) appear
on both sides and so compare equal by themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from assistant.config import PROJECT_ROOT
from assistant.ingest.loaders import SIDECAR_SUFFIX, load_document
from assistant.recommend.catalog import Catalog, Product
from assistant.stages.figures import numeric_values

DOCS = PROJECT_ROOT / "knowledge" / "docs"
CATALOG = Catalog.load(PROJECT_ROOT / "knowledge" / "catalog")
LANGS = ("en", "zh")
# Who may open an account: the age rule of every product whose own documents set none.
ACCOUNT_OPENING = "account-opening-kyc"


@dataclass(frozen=True)
class Document:
    doc_id: str
    lang: str
    product: str
    body: str
    path: str


def _load() -> dict[str, Document]:
    documents: dict[str, Document] = {}
    for path in sorted(DOCS.rglob("*")):
        if path.is_file() and not path.name.endswith(SIDECAR_SUFFIX):
            loaded = load_document(path, path.read_bytes())
            meta = loaded.meta
            documents[meta.doc_id] = Document(
                meta.doc_id, meta.lang, meta.product, loaded.body_markdown, str(path.relative_to(DOCS))
            )
    return documents


DOCUMENTS = _load()
TOPICS = sorted({doc_id.rsplit("-", 1)[0] for doc_id in DOCUMENTS})

# ------------------------------------------------------------------ numbers written in words

_ROUND_THE_CLOCK = re.compile(r"7\s*[×x]\s*24|24\s*/\s*7|(?<=24 hours a day), 7 days a week")

_EN_CARDINALS = {
    word: value
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve".split()
    )
    if value != 1
}
_EN_ORDINALS = {
    word: value
    for value, word in enumerate(
        "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split()
    )
    if value > 1
}
_EN_UNITS = r"(?:year|month|week|day|hour|minute|working day)s?\b"
_EN_WORDS = re.compile(
    r"\b(?P<half_year>half a year)\b"
    r"|\b(?P<half>half)\b"
    r"|\b(?P<cardinal>" + "|".join(_EN_CARDINALS) + r")\b"
    r"|\b(?P<one>one)(?= " + _EN_UNITS + r")"
    r"|\b(?P<ordinal>" + "|".join(_EN_ORDINALS) + r")(?= (?:" + _EN_UNITS + r"|homes?\b))",
    re.IGNORECASE,
)
_MONTHS = "January February March April May June July August September October November December".split()
# 'May' is also a verb ('may be deducted'): a month only next to a day or after 'in'.
_EN_MONTH = re.compile(
    r"\b(?P<month>"
    + "|".join(m for m in _MONTHS if m != "May")
    + r")\b|(?<=\d )(?P<may>May)\b|(?<=[Ii]n )(?P<in_may>May)\b"
)

_ZH_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_ZH_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_LARGE_UNITS = {"万": 10_000, "亿": 100_000_000}
_ZH_NUMERAL = (
    "(?<![\\d.,])[零〇一二两三四五六七八九十百千][零〇一二两三四五六七八九十百千万亿]*"  # not the 万 of 20万
)
_ZH_MEASURES = "个|年|天|日|月|周|小时|分钟|笔|次|位|张|份|倍|岁|类|期|种|名|家|档|级|步|条|套|元|块"
_ZH_WORDS = re.compile(
    r"(?P<half_year>半年)"
    r"|百分之(?P<percent>" + _ZH_NUMERAL + ")"
    # before a measure word, or before a range's second number and its measure word: 五至七个工作日
    r"|(?P<number>"
    + _ZH_NUMERAL
    + r"|半)(?=(?:[至到或~～-][零〇一二两三四五六七八九十百千万亿]+)?(?:"
    + _ZH_MEASURES
    + r"))(?!次性)"
)
# 一 as a duration, not in 同一 (same), 任一 (any), 另一 (another), 唯一, 统一, 每一 (every), 下一/上一
# (next/previous), 第一 (first: English 'first' is no figure either), 周一/星期一 or 前一天 (the day before).
_ZH_DURATION = re.compile("(?<![同任另唯统每下上第周期前后])一(?:年|个月|月|天|日|周|小时|分钟|个工作日)")


def _zh_number(text: str) -> float:
    """'十二' -> 12, '两' -> 2, '三百' -> 300, '十五万' -> 150000, '半' -> 0.5."""
    if text == "半":
        return 0.5
    total = section = digit = 0
    for char in text:
        if char in _ZH_DIGITS:
            digit = _ZH_DIGITS[char]
        elif char in _ZH_SMALL_UNITS:
            section += (digit or 1) * _ZH_SMALL_UNITS[char]
            digit = 0
        else:
            total += ((section + digit) or 1) * _ZH_LARGE_UNITS[char]
            section = digit = 0
    return total + section + digit


def _word_figures(text: str) -> Iterator[float]:
    for match in _EN_WORDS.finditer(text):
        if match["half_year"]:
            yield 6
        elif match["half"]:
            yield 0.5
        elif match["cardinal"]:
            yield _EN_CARDINALS[match["cardinal"].lower()]
        elif match["one"]:
            yield 1
        else:
            yield _EN_ORDINALS[match["ordinal"].lower()]
    for match in _EN_MONTH.finditer(text):
        yield _MONTHS.index(match["month"] or match["may"] or match["in_may"]) + 1
    for match in _ZH_WORDS.finditer(text):
        if match["half_year"]:
            yield 6
        elif match["percent"]:
            yield _zh_number(match["percent"])
        else:
            value = _zh_number(match["number"])
            if value != 1 or _ZH_DURATION.match(text, match.start()):
                yield value


def figures(text: str) -> set[float]:
    """Every figure ``text`` states, by value, whether written in digits or in words."""
    text = _ROUND_THE_CLOCK.sub(lambda m: "" if m.group().startswith(",") else "24", text)
    return numeric_values(text) | {round(float(v), 6) for v in _word_figures(text)}


def test_numbers_in_words_are_read_as_their_figures():
    chinese = "十二个月、三年、两个工作日、半年、后四位、百分之五、十五万元、五至七个工作日、20万元"
    assert figures(chinese) == {12, 3, 2, 6, 4, 5, 150_000, 7, 200_000}
    english = "two working days, one year, the fourth year, a second home, 10 April 2026"
    assert figures(english) == {2, 1, 4, 10, 2026}
    assert figures("24/7 and 7×24小时 and 24 hours a day, 7 days a week") == {24}
    # No figures: articles, 'another', 'the same', 'any', 'next', a weekday, 'the day before', 'may'.
    assert (
        figures("一笔交易、一张卡、另一名员工、同一天、任一网点、下一个工作日、周一、到期日前一天") == set()
    )
    assert figures("order one by post, a second card, third parties, fees may be deducted") == set()


# ------------------------------------------------------------------ the twins


def _twins(topic: str) -> tuple[Document, Document]:
    return DOCUMENTS[f"{topic}-en"], DOCUMENTS[f"{topic}-zh"]


def _sections(body: str) -> list[tuple[str, str]]:
    """(heading, text with the heading) for each heading, the text before the first one included."""
    parts = re.split(r"^(#{1,6}[ \t].*)$", body, flags=re.MULTILINE)
    return [("(before the first heading)", parts[0])] + [
        (parts[i].strip(), parts[i] + parts[i + 1]) for i in range(1, len(parts), 2)
    ]


def _where(value: float, text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if value in figures(line)]
    return " / ".join(line[:90] for line in lines[:2])


def _difference(en_text: str, zh_text: str) -> list[str]:
    en, zh = figures(en_text), figures(zh_text)
    return [f"{v:g} only in EN: {_where(v, en_text)}" for v in sorted(en - zh)] + [
        f"{v:g} only in ZH: {_where(v, zh_text)}" for v in sorted(zh - en)
    ]


def test_every_document_has_its_twin_in_the_other_language():
    for doc_id, document in DOCUMENTS.items():
        topic, lang = doc_id.rsplit("-", 1)
        assert lang == document.lang and lang in LANGS, (
            f"{document.path}: doc_id {doc_id}, lang {document.lang}"
        )
        twin = DOCUMENTS.get(f"{topic}-{'zh' if lang == 'en' else 'en'}")
        assert twin is not None, f"{doc_id} has no twin"
        assert twin.product == document.product, f"{doc_id} and {twin.doc_id} are about different products"
    assert len(TOPICS) * 2 == len(DOCUMENTS)


@pytest.mark.parametrize("topic", TOPICS)
def test_twins_state_the_same_figures(topic):
    en, zh = _twins(topic)
    difference = _difference(en.body, zh.body)
    assert not difference, f"{en.path} vs {zh.path}:\n  " + "\n  ".join(difference)


@pytest.mark.parametrize("topic", TOPICS)
def test_twins_have_the_same_sections_stating_the_same_figures(topic):
    en, zh = _twins(topic)
    en_sections, zh_sections = _sections(en.body), _sections(zh.body)
    en_outline = [heading.split(" ", 1)[0] for heading, _ in en_sections]
    zh_outline = [heading.split(" ", 1)[0] for heading, _ in zh_sections]
    assert en_outline == zh_outline, (
        f"{en.path} and {zh.path} have different headings: "
        f"{[h for h, _ in en_sections]} vs {[h for h, _ in zh_sections]}"
    )
    problems = [
        f"{en_heading} | {zh_heading}: {line}"
        for (en_heading, en_text), (zh_heading, zh_text) in zip(en_sections, zh_sections, strict=True)
        for line in _difference(en_text, zh_text)
    ]
    assert not problems, f"{en.path} vs {zh.path}:\n  " + "\n  ".join(problems)


# ------------------------------------------------------------------ the catalog against the documents

_EN_AGES = re.compile(
    r"\b(?:aged?|under)\s+(\d+)(?:\s*(?:-|to)\s*(\d+))?"
    r"|\b(\d+)\s+(?:or|and)\s+(?:over|older)\b|\b(\d+) years old\b",
    re.IGNORECASE,
)
_ZH_AGES = re.compile(r"(\d+)(?:\s*(?:-|至)\s*(\d+))?\s*周?岁")


def ages(text: str) -> set[int]:
    """The ages a document states ('aged 18 to 65', 'under 16', '60周岁及以上', '年龄22至60周岁')."""
    return {
        int(age)
        for regex in (_EN_AGES, _ZH_AGES)
        for match in regex.finditer(text)
        for age in match.groups()
        if age
    }


@pytest.mark.parametrize("product", CATALOG.products, ids=lambda p: p.id)
def test_catalog_ages_are_ages_the_documents_state(product: Product):
    """A minimum age is the product's own or, where its documents set none, account opening's; a
    maximum age is the product's own. A catalog age no document states refuses or offers the product
    to people the answers say otherwise about."""
    rules = product.eligibility
    for lang, doc_id in product.documents.items():
        own = ages(DOCUMENTS[doc_id].body)
        assert rules.min_age in own | ages(DOCUMENTS[f"{ACCOUNT_OPENING}-{lang}"].body), (
            f"{product.id}: minimum age {rules.min_age}, but {doc_id} states {sorted(own)} and "
            f"{ACCOUNT_OPENING}-{lang} {sorted(ages(DOCUMENTS[f'{ACCOUNT_OPENING}-{lang}'].body))}"
        )
        if rules.max_age is not None:
            assert rules.max_age in own, (
                f"{product.id}: maximum age {rules.max_age}, {doc_id} states {sorted(own)}"
            )


# A claim that a product costs nothing at all. In the Chinese documents 手续费 is the general word for
# a fee (the loans' early repayment: 收取手续费), so 无手续费 unqualified is such a claim too.
_NO_FEES_AT_ALL = {
    "en": re.compile(
        r"\bno (?:fees|charges)\b|\bfee-free\b|\bfree of charge\b|\bwithout (?:any )?(?:fees|charges)\b",
        re.IGNORECASE,
    ),
    "zh": re.compile(r"无(?:任何)?(?:费用|收费|手续费)|不收(?:取)?任何(?:费用|手续费)|免收一切|零费用"),
}
_FEE_WORD = {"en": re.compile(r"\b(?:fees?|costs?|charged?)\b", re.IGNORECASE), "zh": re.compile("费")}
_AMOUNT = re.compile(r"¥\s?(\d[\d,]*(?:\.\d+)?)|(\d[\d,]*(?:\.\d+)?)\s*(?:元|%)")


def _charged_fees(text: str, lang: str) -> list[str]:
    """Lines that state a fee above zero."""
    return [
        line.strip()[:90]
        for line in text.splitlines()
        if _FEE_WORD[lang].search(line)
        and any(float((m[1] or m[2]).replace(",", "")) > 0 for m in _AMOUNT.finditer(line))
    ]


@pytest.mark.parametrize("product", CATALOG.products, ids=lambda p: p.id)
def test_catalog_summaries_do_not_call_a_product_free_that_the_documents_charge_for(product: Product):
    for lang in LANGS:
        summary = product.summary(lang)
        claim = _NO_FEES_AT_ALL[lang].search(summary)
        charged = _charged_fees(DOCUMENTS[product.documents[lang]].body, lang)
        assert not (claim and charged), (
            f"{product.id} {lang} summary says '{claim[0] if claim else ''}', "
            f"{product.documents[lang]} charges: {charged[:2]}"
        )


@pytest.mark.parametrize("product", CATALOG.products, ids=lambda p: p.id)
def test_catalog_summaries_state_the_same_figures_in_both_languages(product: Product):
    difference = _difference(product.summary("en"), product.summary("zh"))
    assert not difference, f"{product.id}: " + "; ".join(difference)
