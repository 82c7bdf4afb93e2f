"""The understand stage's plumbing: trend, turn-log history, and the classify CLI's error handling."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from assistant.cli import MAX_CLASSIFY_CHARS, _classify_line
from assistant.domain import (
    Answer,
    EmotionPrediction,
    EmotionTrend,
    IntentPrediction,
    TurnResult,
    Understanding,
)
from assistant.stages.understand import UnderstandStage
from assistant.storage.database import open_database
from assistant.storage.migrations import migrate
from assistant.storage.turn_log import TurnLog
from tests.fakes import HashingEmbedder


def emotion(label: str, intensity: float) -> EmotionPrediction:
    return EmotionPrediction(label=label, intensity=intensity, confidence=0.9)


def understanding(label: str, intensity: float) -> Understanding:
    return Understanding(
        intent=IntentPrediction(label="card_arrival", confidence=0.9), emotion=emotion(label, intensity)
    )


class ScriptedClassifier:
    """Returns queued understandings in order, like a classifier would for successive messages."""

    def __init__(self, *results: Understanding) -> None:
        self.results = list(results)
        self.seen: list[tuple[str, str, int]] = []

    def understand(self, text: str, lang: str, vector: np.ndarray) -> Understanding:
        self.seen.append((text, lang, vector.shape[0]))
        return self.results.pop(0)


def test_rising_frustration_needs_three_upset_turns_of_non_decreasing_intensity() -> None:
    assert EmotionTrend(
        recent=[emotion("frustrated", 0.4), emotion("frustrated", 0.6), emotion("angry", 0.8)]
    ).rising()
    assert not EmotionTrend(
        recent=[emotion("frustrated", 0.8), emotion("frustrated", 0.5), emotion("angry", 0.6)]
    ).rising()
    assert not EmotionTrend(
        recent=[emotion("neutral", 0.0), emotion("frustrated", 0.5), emotion("angry", 0.9)]
    ).rising()
    assert not EmotionTrend(recent=[emotion("angry", 0.9)]).rising()


def test_stage_reads_the_conversation_emotion_history_from_the_turn_log(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'log.db'}")
    migrate(engine)
    log = TurnLog(engine)
    classifier = ScriptedClassifier(
        understanding("frustrated", 0.4), understanding("frustrated", 0.6), understanding("angry", 0.9)
    )
    stage = UnderstandStage(HashingEmbedder(), classifier, log)  # type: ignore[arg-type]
    for text in ("where is my card", "still nothing?", "this is ridiculous"):
        understood = stage.run(text, "conv-1")
        assert understood.understanding is not None
        log.record(
            TurnResult(
                conversation_id="conv-1",
                question=text,
                lang=understood.lang,
                understanding=understood.understanding,
                answer=Answer(text="…", kind="abstained", abstained=True, grounded=False),
            )
        )
    assert understood.understanding.trend is not None
    assert [e.label for e in understood.understanding.trend.recent] == ["frustrated", "frustrated", "angry"]
    assert understood.understanding.trend.rising()
    assert classifier.seen[0] == ("where is my card", "en", 256)  # classified from the shared embedding
    assert classifier.results == []  # one classification per message, no more


def test_classify_line_turns_bad_input_into_error_objects() -> None:
    def ok(text: str) -> dict:
        return {"text": text, "intent": "card_arrival"}

    assert _classify_line(b'{"text": "where is my card", "id": 7}', ok) == {
        "text": "where is my card",
        "intent": "card_arrival",
    }
    assert _classify_line(b"", ok)["error"] == "empty line"
    assert _classify_line(b'{"text": "   "}', ok)["error"] == "empty text"
    assert (
        "too long"
        in _classify_line(json.dumps({"text": "x" * (MAX_CLASSIFY_CHARS + 1)}).encode(), ok)["error"]
    )
    assert "UTF-8" in _classify_line(b"\xff\xfe\x00binary", ok)["error"]
    assert "control characters" in _classify_line(json.dumps({"text": "a\x00b"}).encode(), ok)["error"]
    assert "JSON" in _classify_line(b"not json", ok)["error"]
    assert "string" in _classify_line(b'{"message": "hi"}', ok)["error"]


def test_intent_networks_compute_what_torch_trained() -> None:
    import torch
    from torch import nn

    from assistant.understand.local import IntentNetworks

    torch.manual_seed(0)
    members = [(nn.Linear(8, 16), nn.Linear(16, 5)) for _ in range(3)]
    stacked = {
        f"intent_{name}": np.stack([getattr(layer, part).detach().numpy() for layer in layers])
        for name, layers, part in (
            ("w1", [m[0] for m in members], "weight"),
            ("b1", [m[0] for m in members], "bias"),
            ("w2", [m[1] for m in members], "weight"),
            ("b2", [m[1] for m in members], "bias"),
        )
    }
    vector = np.random.default_rng(0).normal(size=8).astype(np.float32)
    with torch.no_grad():
        expected = torch.stack(
            [
                torch.softmax(second(nn.GELU(approximate="tanh")(first(torch.tensor(vector) * 10))), -1)
                for first, second in members
            ]
        ).mean(0)
    assert np.allclose(IntentNetworks(stacked, input_scale=10.0)(vector), expected.numpy(), atol=1e-5)


@given(
    heads=hnp.arrays(np.float64, 6, elements=st.floats(0.0, 1.0)),
    weight=st.floats(0.05, 0.95),
)
def test_when_minilm_cannot_change_the_intent_not_even_its_worst_output_does(
    heads: np.ndarray, weight: float
) -> None:
    from assistant.understand.local import LocalUnderstander

    assume(heads.sum() > 0)
    heads = heads / heads.sum()
    # The output that could most change the winner: all of MiniLM's mass on the heads' runner-up.
    worst = np.zeros_like(heads)
    worst[np.argsort(heads)[-2]] = 1.0
    understander = LocalUnderstander(heads=None, minilm=None, minilm_weight=weight)  # type: ignore[arg-type]
    if not understander.minilm_can_change_intent(heads):
        assert np.argmax(weight * worst + (1 - weight) * heads) == np.argmax(heads)
