"""Figures compared by value, whatever their format: '¥1,200' ~ '1200', '15万' ~ '150000', '四位' ~ '4位'."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?\s*[万亿千]?")
_MULTIPLIERS = {"千": 1_000, "万": 10_000, "亿": 100_000_000}
# A number written in Chinese characters before a counter ("两个工作日", "后四位", "十五天"). A bare 一
# is left out: it is mostly "a" or "once" ("一天最多", "一次性"), and reading it as 1 would fail true
# LLM answers on a figure no one stated.
_CHINESE_DIGITS = dict(zip("零一二两兩三四五六七八九", (0, 1, 2, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_CHINESE_NUMBER = re.compile(
    r"(?<![零一二两兩三四五六七八九十百])([一二两兩三四五六七八九]?十[一二三四五六七八九]?|[二两兩三四五六七八九])"
    r"(?=个|個|位|天|日|年|月|周|週|星期|次|笔|筆|张|張|岁|歲|小时|小時|分钟|分鐘|工作日|倍|期)"
)


def _chinese_value(token: str) -> int:
    if "十" not in token:
        return _CHINESE_DIGITS[token]
    tens, _, units = token.partition("十")
    return (_CHINESE_DIGITS[tens] if tens else 1) * 10 + (_CHINESE_DIGITS[units] if units else 0)


def numeric_values(text: str) -> set[float]:
    """Every number in ``text`` by value: '¥1,200' -> 1200, '15万' -> 150000, '1.0%' -> 1.0, '四位' -> 4."""
    values: set[float] = set()
    for match in _NUMBER.finditer(text):
        token = match.group().replace(",", "").strip()
        multiplier = _MULTIPLIERS.get(token[-1], 1)
        number = float(token.rstrip("千万亿").strip())
        values.add(round(number * multiplier, 6))
    values.update(float(_chinese_value(m.group(1))) for m in _CHINESE_NUMBER.finditer(text))
    return values
