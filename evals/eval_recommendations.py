"""What the recommender does for every customer profile: who gets an offer, what is offered, and
why products are excluded. Offline, read-only (nothing is recorded), in a throwaway database.

For each customer it asks twice: with no message (profile and events only) and with each probe
message (a need stated in the conversation, or an upset or fraud message that must close the gate).

Usage: .venv/bin/python -m evals.eval_recommendations [--today YYYY-MM-DD] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import uuid
from collections import Counter
from datetime import date
from typing import Any

from assistant.config import Settings
from assistant.container import Services
from assistant.recommend.stage import RecommendRequest

PROBES = {
    "travel": "I'm travelling to Europe next month, which card is best abroad?",
    "saving": "我想存点钱，利息高一点的有什么？",
    "invest": "I have some spare money to invest",
    "upset": "This is ridiculous!!! You charged me twice and nobody helps",
    "fraud": "我的卡被盗刷了，不是我消费的",
}


def report(services: Services, today: date) -> dict[str, Any]:
    stage = services.recommender
    profiles = services.profiles.all()
    first_reasons: Counter[str] = Counter()
    all_reasons: Counter[str] = Counter()
    offered: Counter[str] = Counter()
    gates: Counter[str] = Counter()
    with_offer = 0
    probes: dict[str, dict[str, int]] = {name: {"with_offer": 0} for name in PROBES}
    for profile in profiles:
        outcome = stage.evaluate(RecommendRequest(customer_id=profile.id, today=today))
        with_offer += bool(outcome.recommendations)
        gates[outcome.gate.reason or "allowed"] += 1
        if outcome.recommendations:
            offered[outcome.recommendations[0].product_id] += 1
        for exclusion in outcome.excluded:
            first_reasons[exclusion.reason] += 1
            all_reasons.update(exclusion.reasons)
        for name, message in PROBES.items():
            understood = services.pipeline.understand.run(message, f"eval-{uuid.uuid4().hex}")
            probe = stage.evaluate(
                RecommendRequest(
                    customer_id=profile.id,
                    message=message,
                    understanding=understood.understanding,
                    lang=understood.lang,
                    today=today,
                )
            )
            probes[name]["with_offer"] += bool(probe.recommendations)
    return {
        "today": today.isoformat(),
        "customers": len(profiles),
        "with_at_least_one_offer": with_offer,
        "gate": dict(gates.most_common()),
        "top_offer": dict(offered.most_common()),
        "exclusions_by_first_reason": dict(first_reasons.most_common()),
        "exclusions_by_any_reason": dict(all_reasons.most_common()),
        "probes": probes,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        services = Services(Settings(answers="extractive", database=f"sqlite:///{scratch}/eval.db"))
        result = report(services, args.today)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
