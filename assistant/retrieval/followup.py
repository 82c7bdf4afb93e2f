"""Follow-up questions: "and how long will it take?" means nothing to a search engine on its own.

A message that leans on the one before (opens with "and"/"what about"/那/还有, or points back with
"it"/"that"/这个, and says little itself) is searched together with the customer's earlier messages,
and the LLM sees them as context. Without an LLM to rewrite the question this keeps the topic; a
standalone question is left alone.
"""

from __future__ import annotations

import re

from assistant.retrieval.keyword import tokenize

_CONTINUES = re.compile(
    r"^\s*(?:and|also|so|but|then|what about|how about|what if|is that|does that|does it|is it|can it|"
    r"will it|do they|ok(?:ay)?,? (?:and|so|but|what|how)|那|那么|还有|另外|而且|如果|这个|那个|这样|它)",
    re.IGNORECASE,
)
_POINTS_BACK = re.compile(
    r"\b(?:it|that|this|those|these|they|them|there|one)\b|这|那|它|上述|刚才", re.IGNORECASE
)
_FEW_TERMS = 4


def is_follow_up(text: str) -> bool:
    terms = tokenize(text)
    if _CONTINUES.search(text):
        return True
    return len(terms) <= _FEW_TERMS and bool(_POINTS_BACK.search(text))
