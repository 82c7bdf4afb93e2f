"""ragas imports and scores offline with the pinned dependencies.

ragas 0.4.3 imports ``langchain_community.chat_models.vertexai`` at import time (ragas/llms/base.py),
a module that langchain-community 0.4.2 removed (upstream ragas issues #2741, #2745, #2753, #2995).
requirements.lock therefore pins langchain-community==0.4.1, the last release that still ships it.
If a dependency bump breaks this again, ``test_ragas_imports_offline`` fails first.
"""

from __future__ import annotations

import math
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")  # ragas reads it lazily (lru_cache) on first event

ROWS = [
    {
        "user_input": "What is the daily ATM withdrawal limit?",
        "response": "The daily ATM withdrawal limit is 20000 yuan.",
        "reference": "The daily ATM withdrawal limit is 20000 yuan.",
        "retrieved_context_ids": ["atm-1", "card-3"],
        "reference_context_ids": ["atm-1"],
    },
    {
        "user_input": "信用卡丢了怎么办？",
        "response": "请立即拨打客服热线挂失信用卡。",  # 15 characters
        "reference": "请立即拨打客服热线挂失您的信用卡。",  # 17 characters: "您的" added
        "retrieved_context_ids": ["card-1"],
        "reference_context_ids": ["card-1", "card-2"],
    },
]

# BLEU of the Chinese pair with character tokens (sacrebleu tokenize="zh"): the hypothesis's 15
# 1-grams all match; the 2-, 3- and 4-grams spanning "失信" (1, 2 and 3 of them) do not; brevity
# penalty exp(1 - 17/15).
ZH_BLEU = math.exp(1 - 17 / 15) * (1 * 13 / 14 * 11 / 13 * 9 / 12) ** 0.25


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[object]]:
    """Any DNS lookup or socket connect is refused and recorded (ragas swallows tracking errors)."""
    # ragas's log formatter writes an anonymous id to $XDG_DATA_HOME/ragas/uuid.json: keep it in tmp.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield attempts
    assert attempts == [], f"ragas tried to reach the network: {attempts}"


def test_ragas_imports_offline(no_network: list[object]) -> None:
    import ragas
    from ragas import EvaluationDataset, SingleTurnSample, evaluate  # noqa: F401
    from ragas.metrics import IDBasedContextRecall, NonLLMStringSimilarity  # noqa: F401

    assert ragas.__version__ == "0.4.3"


def test_non_llm_metrics_score_english_and_chinese(no_network: list[object]) -> None:
    from ragas import EvaluationDataset, evaluate
    from ragas.metrics import DistanceMeasure, IDBasedContextRecall, NonLLMStringSimilarity

    result = evaluate(
        EvaluationDataset.from_list(ROWS),
        metrics=[
            IDBasedContextRecall(),
            NonLLMStringSimilarity(distance_measure=DistanceMeasure.LEVENSHTEIN),
        ],
        show_progress=False,
        raise_exceptions=True,
        allow_nest_asyncio=False,
    )
    scores = result.to_pandas()
    assert scores["id_based_context_recall"].tolist() == [1.0, 0.5]  # card-2 was not retrieved
    en, zh = scores["non_llm_string_similarity"].tolist()
    assert en == pytest.approx(1.0)
    assert zh == pytest.approx(1 - 2 / 17)  # two inserted characters out of 17
    assert result["id_based_context_recall"] == [1.0, 0.5]


def test_bleu_needs_the_zh_tokenizer_for_chinese(no_network: list[object]) -> None:
    from ragas import SingleTurnSample
    from ragas.metrics import BleuScore

    en = SingleTurnSample(response=ROWS[0]["response"], reference=ROWS[0]["reference"])
    zh = SingleTurnSample(response=ROWS[1]["response"], reference=ROWS[1]["reference"])
    bleu_zh = BleuScore(kwargs={"tokenize": "zh"})
    assert bleu_zh.single_turn_score(en) == pytest.approx(1.0)
    assert bleu_zh.single_turn_score(zh) == pytest.approx(ZH_BLEU)
    # Default 13a tokenization sees a Chinese sentence as one token: no n-gram matches.
    assert BleuScore().single_turn_score(zh) == 0.0
