"""How long `insights` takes on a busy turn log: N real customer queries (Banking77, CC BY 4.0, read
from ../shared/data at benchmark time) spread over eight weeks in a throwaway SQLite database, a
third of them marked as complaints; the first run embeds every message, a second run reuses them.

    python -m evals.bench_insights [--messages 5000]
"""

from __future__ import annotations

import csv
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from assistant.config import PROJECT_ROOT, Settings
from assistant.container import Services
from assistant.storage.migrations import turns

BANKING77 = PROJECT_ROOT.parent / "shared" / "data" / "banking77" / "train.csv"


def main(messages: Annotated[int, typer.Option(help="Turns in the log.")] = 5000) -> None:
    with BANKING77.open(encoding="utf-8") as f:
        queries = [(row["text"], row["category"]) for row in csv.DictReader(f)]
    random.Random(7).shuffle(queries)
    now = datetime.now(UTC)
    rows = [
        {
            "conversation_id": f"c{n}",
            "created_at": now - timedelta(minutes=n * 56 * 24 * 60 / messages),
            "lang": "en",
            "question": text,
            "answer": "",
            "answer_kind": "extractive",
            "abstained": n % 20 == 0,
            "grounded": True,
            "citations": "[]",
            "retrieved_chunk_ids": "[]",
            "timings_ms": "{}",
            "total_ms": 1.0,
            "intent": intent,
            "intent_confidence": 0.9,
            "emotion": "frustrated" if n % 3 == 0 else "neutral",
            "emotion_intensity": 0.5,
        }
        for n, (text, intent) in enumerate(queries[:messages])
    ]
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), _env_file=None)  # type: ignore[call-arg]
        services = Services(settings)
        with services.database.begin() as conn:
            conn.execute(turns.insert(), rows)
        since = date.today() - timedelta(days=60)
        for run in ("first (embeds every message)", "again (embeddings kept)"):
            started = time.perf_counter()
            report = services.opinions.insights(since)
            seconds = time.perf_counter() - started
            typer.echo(
                f"{run}: {seconds:.1f} s for {report.messages} messages "
                f"({len(report.complaint_topics)} complaint topics, "
                f"{len(report.question_topics)} question topics)"
            )


if __name__ == "__main__":
    typer.run(main)
