"""Figures compared by value, whatever their format: '¥1,200' ~ '1200', '15万' ~ '150000'."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?\s*[万亿千]?")
_MULTIPLIERS = {"千": 1_000, "万": 10_000, "亿": 100_000_000}


def numeric_values(text: str) -> set[float]:
    """Every number in ``text`` by value: '¥1,200' -> 1200, '15万' -> 150000, '1.0%' -> 1.0."""
    values: set[float] = set()
    for match in _NUMBER.finditer(text):
        token = match.group().replace(",", "").strip()
        multiplier = _MULTIPLIERS.get(token[-1], 1)
        number = float(token.rstrip("千万亿").strip())
        values.add(round(number * multiplier, 6))
    return values
