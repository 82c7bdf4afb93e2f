"""Per-stage latency of whole turns (p50/p95), time to first token, and how answers were produced.

Usage: .venv/bin/python -m evals.bench_pipeline [--answers llm|extractive] [--limit N] [--json]
With --answers llm and no endpoint configured, the bundled model server is started for the run.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

from assistant.config import Settings
from assistant.container import Services, local_llm
from evals.bench_retrieval import load_questions, percentile


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", choices=["llm", "extractive"], default="extractive")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = Settings().model_copy(update={"answers": args.answers})
    services = Services(settings)
    services.ensure_knowledge_indexed()
    # Alternate languages so a limited run still covers both.
    questions = load_questions()
    english = [q for q in questions if q["lang"] == "en"]
    chinese = [q for q in questions if q["lang"] == "zh"]
    mixed = [q for pair in zip(english, chinese, strict=False) for q in pair][: args.limit]
    stages: dict[str, list[float]] = {}
    kinds: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    with local_llm(settings):
        services.pipeline.ask("warm up", use_llm=False)
        for q in mixed:
            result = services.pipeline.ask(q["question"], use_llm=args.answers == "llm")
            kinds[result.answer.kind] += 1
            if result.answer.fallback_reason:
                reasons[result.answer.fallback_reason.split(":")[0]] += 1
            for stage, ms in result.timings_ms.items():
                stages.setdefault(stage, []).append(ms)
    report = {
        "answers": args.answers,
        "turns": len(mixed),
        "answer_kinds": dict(kinds),
        "fallback_reasons": dict(reasons),
        "stage_ms": {
            stage: {"p50": round(percentile(v, 0.5), 1), "p95": round(percentile(v, 0.95), 1)}
            for stage, v in sorted(stages.items())
        },
    }
    print(json.dumps(report, ensure_ascii=False, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
