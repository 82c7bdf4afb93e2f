"""The label sets: Banking77's 77 intents (Casanueva et al., 2020, CC BY 4.0), named exactly as
published, plus conversational intents; and the emotions the handoff and recommendation stages read."""

from __future__ import annotations

import json
from pathlib import Path

BANKING77_INTENTS: tuple[str, ...] = tuple(
    json.loads(Path(__file__).with_name("banking77_intents.json").read_text(encoding="utf-8"))
)
CONVERSATIONAL_INTENTS: tuple[str, ...] = (
    "greeting",
    "goodbye",
    "thanks",
    "human_agent",
    "complaint",
    "product_recommendation",
    "out_of_scope",
)
INTENTS: tuple[str, ...] = BANKING77_INTENTS + CONVERSATIONAL_INTENTS

EMOTIONS: tuple[str, ...] = ("neutral", "satisfied", "confused", "anxious", "frustrated", "angry")
