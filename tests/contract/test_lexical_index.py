"""One conformance suite for the keyword index on every database backend: SQLite and PostgreSQL.

The scores must be rank_bm25's BM25Okapi over each language's chunks (the answerability check was
trained on them), writes replace and remove cleanly, and a second process sees them at once.
"""

from __future__ import annotations

import random
from datetime import date

import pytest
from rank_bm25 import BM25Okapi

from assistant.domain import Chunk
from assistant.retrieval.index import SearchFilter
from assistant.retrieval.keyword import tokenize
from assistant.retrieval.lexical import LexicalIndex
from assistant.storage.database import open_database
from assistant.storage.migrations import migrate

TODAY = date(2026, 12, 7)
EN_WORDS = "fee annual card gold platinum transfer limit daily rate deposit loan waiver branch".split()
ZH_WORDS = ["年费", "金卡", "白金卡", "转账", "限额", "利率", "定期", "贷款", "网点", "减免"]


def chunk(
    n: int, text: str, lang: str = "en", status: str = "approved", day: date = date(2026, 1, 1)
) -> Chunk:
    return Chunk(
        chunk_id=f"doc{n % 7}-{lang}#h#{n:03d}",
        doc_id=f"doc{n % 7}-{lang}",
        title=f"Doc {n % 7}",
        section="Fees",
        text=text,
        lang=lang,  # type: ignore[arg-type]
        version=1,
        effective_date=day,
        status=status,  # type: ignore[arg-type]
    )


def corpus(seed: int = 7) -> list[Chunk]:
    rng = random.Random(seed)
    chunks = []
    for n in range(60):
        # "fee" is in every English chunk: its idf is negative and must be raised like rank_bm25's.
        words = ["fee", *rng.choices(EN_WORDS, k=rng.randint(3, 12)), *(["overdraft"] if n == 5 else [])]
        chunks.append(chunk(n, " ".join(words)))
        chunks.append(chunk(n, "".join(rng.choices(ZH_WORDS, k=rng.randint(2, 8))), lang="zh"))
    return chunks


@pytest.fixture
def keywords(database_url: str) -> LexicalIndex:
    engine = open_database(database_url)
    migrate(engine)
    return LexicalIndex(engine)


def reference(chunks: list[Chunk], query: str, lang: str, limit: int) -> list[tuple[str, float]]:
    members = [c for c in chunks if c.lang == lang]
    bm25 = BM25Okapi([tokenize(c.contextual_text()) or ["_"] for c in members])
    scores = bm25.get_scores(tokenize(query))
    ranked = sorted(
        ((c.chunk_id, float(s)) for c, s in zip(members, scores, strict=True) if s > 0),
        key=lambda hit: (-hit[1], hit[0]),
    )
    return ranked[:limit]


QUERIES = [
    ("gold card annual fee", "en"),
    ("daily transfer limit", "en"),
    ("fee", "en"),
    ("fee fee waiver", "en"),
    ("金卡年费减免", "zh"),
    ("转账限额多少", "zh"),
]


def test_scores_are_rank_bm25s_per_language(keywords: LexicalIndex) -> None:
    chunks = corpus()
    keywords.add(chunks)
    for query, lang in QUERIES:
        got = keywords.search(query, 10, SearchFilter(today=TODAY, lang=lang))  # type: ignore[arg-type]
        expected = reference(chunks, query, lang, 10)
        assert [c.chunk_id for c, _ in got] == [cid for cid, _ in expected], query
        assert [s for _, s in got] == pytest.approx([s for _, s in expected], rel=1e-9), query


def test_coverage_weighs_the_query_terms_found_by_their_idf(keywords: LexicalIndex) -> None:
    chunks = corpus()
    keywords.add(chunks)
    members = [c for c in chunks if c.lang == "en"]
    bm25 = BM25Okapi([tokenize(c.contextual_text()) or ["_"] for c in members])
    kept = members[:3]
    found = set().union(*(tokenize(c.contextual_text()) for c in kept))
    # "abroad" is in no chunk: it weighs as the rarest term (one in a single chunk, like "overdraft").
    query = "platinum card annual fee abroad"
    weights = {t: max(bm25.idf.get(t, max(bm25.idf.values())), 0.0) for t in set(tokenize(query))}
    expected = sum(w for t, w in weights.items() if t in found) / sum(weights.values())
    assert keywords.coverage(query, [c.chunk_id for c in kept], "en") == pytest.approx(expected)


def test_only_approved_chunks_in_effect_are_found_and_the_language_filter_holds(
    keywords: LexicalIndex,
) -> None:
    keywords.add(corpus())  # BM25 needs a corpus: a word in every chunk scores nothing
    keywords.add(
        [
            chunk(101, "cashback abroad"),
            chunk(102, "cashback abroad", status="draft"),
            chunk(103, "cashback abroad", day=date(2027, 1, 1)),
            chunk(104, "cashback abroad", lang="zh"),
        ]
    )
    en = keywords.search("cashback", 10, SearchFilter(today=TODAY, lang="en"))
    assert [c.chunk_id for c, _ in en] == ["doc3-en#h#101"]
    anywhere = keywords.search("cashback", 10, SearchFilter(today=TODAY))
    assert {c.chunk_id for c, _ in anywhere} == {"doc3-en#h#101", "doc6-zh#h#104"}
    assert en[0][0] == chunk(101, "cashback abroad")  # the whole chunk comes back


def test_adding_again_replaces_and_deleting_removes_with_the_statistics(keywords: LexicalIndex) -> None:
    chunks = corpus()
    keywords.add(chunks)
    edited = [chunk(n, "gold card fee waiver") for n in range(5)]
    keywords.add(edited)  # same ids: replaced, not duplicated
    assert keywords.count() == len(chunks)
    current = {c.chunk_id: c for c in chunks} | {c.chunk_id: c for c in edited}
    gone = [c.chunk_id for c in chunks if c.lang == "en"][10:20]
    keywords.delete(gone)
    left = [c for cid, c in current.items() if cid not in gone]
    assert keywords.count() == len(left)
    got = keywords.search("gold fee waiver", 10, SearchFilter(today=TODAY, lang="en"))
    expected = reference(left, "gold fee waiver", "en", 10)
    assert [(c.chunk_id, pytest.approx(s)) for c, s in got] == expected


def test_another_process_sees_every_write_at_its_next_query(database_url: str) -> None:
    engine = open_database(database_url)
    migrate(engine)
    writer, reader = LexicalIndex(engine), LexicalIndex(open_database(database_url))
    where = SearchFilter(today=TODAY, lang="en")
    writer.add(corpus())
    assert reader.search("cashback", 5, where) == []
    writer.add([chunk(101, "cashback abroad")])
    assert [c.chunk_id for c, _ in reader.search("cashback", 5, where)] == ["doc3-en#h#101"]
    writer.delete(["doc3-en#h#101"])
    assert reader.search("cashback", 5, where) == []
