"""Quick runs that still measure the whole mix."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def spread(items: list[T], limit: int | None) -> list[T]:
    """``limit`` items spread evenly over the set (every language, kind and label keeps its share),
    so a quick run, like CI's, measures the same mix as the full one."""
    if limit is None or limit >= len(items):
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]
