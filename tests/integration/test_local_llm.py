"""End to end with the real bundled model behind the real llama.cpp server."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.container import Services
from assistant.pipeline import TurnDelta

pytestmark = [pytest.mark.slow, pytest.mark.local_llm]


@pytest.mark.parametrize(
    ("question", "doc_prefix"),
    [
        ("What is the annual fee of the platinum credit card?", "credit-card-platinum"),
        ("白金信用卡年費多少？", "credit-card-platinum"),
    ],
)
def test_answer_with_the_real_local_model(
    kb_data_dir: Path, local_llm_url: str, question: str, doc_prefix: str
) -> None:
    settings = Settings(data_dir=kb_data_dir, llm_base_url=local_llm_url, llm_model="local", _env_file=None)  # type: ignore[call-arg]
    services = Services(settings)
    events = list(services.pipeline.run(question))
    result = events[-1].result  # type: ignore[union-attr]
    # The small model either answers with a checked citation, or its answer fails a check and the
    # customer gets the extractive one: either way the right fee, from the right document.
    assert result.answer.kind in ("llm", "extractive")
    assert "1,200" in result.answer.text
    assert any(c.doc_id.startswith(doc_prefix) for c in result.answer.citations)
    assert result.timings_ms["first_token"] > 0
    if result.answer.kind == "llm":
        assert any(isinstance(e, TurnDelta) for e in events), "an LLM answer is streamed"
