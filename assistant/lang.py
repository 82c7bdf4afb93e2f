"""Language and script detection, and Traditional/Simplified Chinese conversion."""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

from assistant.domain import Lang

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_lang(text: str) -> Lang:
    """Chinese when CJK characters carry the message, English otherwise.

    A Chinese sentence with an English product name ("我的Platinum卡年费") is still Chinese, so we
    compare CJK characters with Latin words rather than raw character counts.
    """
    cjk = len(_CJK.findall(text))
    latin_words = len(_LATIN_WORD.findall(text))
    return "zh" if cjk and cjk >= latin_words else "en"


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2tw")


def to_simplified(text: str) -> str:
    return str(_to_simplified().convert(text))


def to_traditional(text: str) -> str:
    return str(_to_traditional().convert(text))


def is_traditional(text: str) -> bool:
    """True when converting to Simplified changes the text: it was written in Traditional script."""
    return bool(_CJK.search(text)) and to_simplified(text) != text
