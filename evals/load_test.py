"""Load: concurrent conversations through the whole pipeline against a stub LLM streaming at a fixed rate.

Reports p50/p95 per stage and overall, errors, and checks isolation: every conversation's transcript
holds only its own messages (each customer mentions a marker no other conversation uses).

Usage: .venv/bin/python -m evals.load_test [--conversations 32] [--turns 3] [--tokens-per-s 50]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.container import Services
from evals.stub_llm import StubLLM

QUESTIONS = [
    "What is the annual fee of the platinum credit card? My reference is {marker}.",
    "白金信用卡年费多少？我的编号是{marker}。",
    "How long does an international transfer take? Ref {marker}",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=32)
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--tokens-per-s", type=float, default=50.0)
    args = parser.parse_args()

    with StubLLM(tokens_per_s=args.tokens_per_s) as stub, tempfile.TemporaryDirectory() as scratch:
        settings = Settings(
            llm_base_url=stub.base_url,
            database=f"sqlite:///{Path(scratch) / 'load.db'}",
            rate_limit_messages=1000,
        )
        services = Services(settings)
        services.ensure_knowledge_indexed()
        pipeline = services.pipeline
        pipeline.ask("warm-up", "warm-up")

        def conversation(i: int) -> tuple[list[dict[str, float]], list[str]]:
            marker = f"ZX{i:04d}Q"
            timings, errors = [], []
            for turn in range(args.turns):
                try:
                    result = pipeline.ask(QUESTIONS[turn % len(QUESTIONS)].format(marker=marker), f"load-{i}")
                    timings.append(result.timings_ms)
                except Exception as exc:  # a load test counts failures instead of stopping
                    errors.append(f"{type(exc).__name__}: {exc}")
            transcript = services.conversations.transcript(f"load-{i}")
            leaked = [m.text for m in transcript if "ZX" in m.text and marker not in m.text]
            errors += [f"conversation {i} saw another's message: {t[:60]}" for t in leaked]
            return timings, errors

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.conversations) as pool:
            outcomes = list(pool.map(conversation, range(args.conversations)))
        wall = time.perf_counter() - started

    timings = [t for ts, _ in outcomes for t in ts]
    errors = [e for _, es in outcomes for e in es]
    stages = sorted({k for t in timings for k in t})
    report = {
        "conversations": args.conversations,
        "turns": len(timings),
        "wall_s": round(wall, 1),
        "errors": errors,
        "stages_ms": {
            stage: {
                "p50": round(float(np.percentile([t[stage] for t in timings if stage in t], 50)), 1),
                "p95": round(float(np.percentile([t[stage] for t in timings if stage in t], 95)), 1),
            }
            for stage in stages
        },
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
