"""BM25 keyword search with jieba segmentation for Chinese and a bank-terms user dictionary."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jieba
from rank_bm25 import BM25Okapi

from assistant.domain import Chunk
from assistant.lang import to_simplified
from assistant.retrieval.index import SearchFilter

_BANK_TERMS = Path(__file__).with_name("bank_terms_zh.txt")
_TOKEN = re.compile(r"[\u4e00-\u9fff]+|[a-z]+(?:'[a-z]+)?|\d+(?:\.\d+)?%?")
_STOPWORDS = frozenset(
    "a an and are as at be but by can do does for from how i if in is it me my of on or our so that the "
    "their there this to was what when where which who why will with you your yours we us am have has".split()
    + "的 了 吗 呢 吧 啊 是 我 我们 你 你们 在 和 与 及 或 就 都 也 要 会 能 可以".split()
    + "请问 一下 什么 怎么 多少 哪些 如何".split()
)


@lru_cache(maxsize=1)
def _segmenter() -> jieba.Tokenizer:
    segmenter = jieba.Tokenizer()
    segmenter.load_userdict(str(_BANK_TERMS))
    return segmenter


def tokenize(text: str) -> list[str]:
    """Lower-cased words, numbers without thousands separators, and jieba words for Chinese runs."""
    text = to_simplified(text.lower())
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        piece = match.group()
        if "\u4e00" <= piece[0] <= "\u9fff":
            tokens += [w for w in _segmenter().cut_for_search(piece) if w.strip()]
        else:
            tokens.append(_stem(piece))
    return [t for t in tokens if t not in _STOPWORDS]


def _stem(word: str) -> str:
    """A light plural/verb-suffix stemmer: enough for 'fees'/'fee' and 'transfers'/'transfer'."""
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


class KeywordIndex:
    """Per-language BM25 over every indexed chunk; filters applied at query time."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self._by_lang: dict[str, tuple[list[Chunk], BM25Okapi]] = {}
        self._terms: dict[str, frozenset[str]] = {}
        self._rarest: dict[str, float] = {}
        for lang in sorted({c.lang for c in chunks}):
            members = [c for c in chunks if c.lang == lang]
            corpus = [tokenize(c.contextual_text()) or ["_"] for c in members]
            self._by_lang[lang] = (members, BM25Okapi(corpus))
            self._rarest[lang] = max(self._by_lang[lang][1].idf.values(), default=1.0)
            self._terms.update(
                {c.chunk_id: frozenset(words) for c, words in zip(members, corpus, strict=True)}
            )

    def coverage(self, query: str, chunk_ids: list[str], lang: str) -> float:
        """Share of the query's terms, weighted by rarity (BM25 idf), found in any of the chunks."""
        if lang not in self._by_lang:
            return 0.0
        idf = self._by_lang[lang][1].idf
        unseen = self._rarest[lang]  # a term no passage has weighs as much as the rarest one
        weights = {t: max(idf.get(t, unseen), 0.0) for t in set(tokenize(query))}
        total = sum(weights.values())
        if not total:
            return 0.0
        found: set[str] = set().union(*(self._terms.get(cid, frozenset()) for cid in chunk_ids))
        return sum(w for t, w in weights.items() if t in found) / total

    def search(self, query: str, limit: int, where: SearchFilter) -> list[tuple[Chunk, float]]:
        terms = tokenize(query)
        if not terms:
            return []
        hits: list[tuple[Chunk, float]] = []
        for lang, (members, bm25) in self._by_lang.items():
            if where.lang and lang != where.lang:
                continue
            scores = bm25.get_scores(terms)
            hits += [
                (chunk, float(score))
                for chunk, score in zip(members, scores, strict=True)
                if score > 0 and chunk.status == "approved" and chunk.effective_date <= where.today
            ]
        hits.sort(key=lambda hit: hit[1], reverse=True)
        return hits[:limit]
