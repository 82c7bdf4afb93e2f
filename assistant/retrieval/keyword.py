"""The words keyword search and the checks compare: jieba segmentation for Chinese with a bank-terms
user dictionary, light stemming for English."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jieba

from assistant.lang import to_simplified

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


def segment_chinese(run: str) -> list[str]:
    """A run of Chinese characters as jieba words (precise mode, bank terms kept whole)."""
    return [w for w in _segmenter().lcut(run) if w.strip()]


def tokenize(text: str) -> list[str]:
    """Lower-cased words, numbers without thousands separators, and jieba words for Chinese runs."""
    text = to_simplified(text.lower())
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        piece = match.group()
        if "\u4e00" <= piece[0] <= "\u9fff":
            tokens += [w for w in _segmenter().cut_for_search(piece) if w.strip()]
        elif piece not in _STOPWORDS:  # before stemming: "this" and "does" would become "thi", "doe"
            tokens.append(_stem(piece))
    return [t for t in tokens if t not in _STOPWORDS]


def _stem(word: str) -> str:
    """A light plural/verb-suffix stemmer: enough for 'fees'/'fee' and 'transfers'/'transfer'."""
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word
