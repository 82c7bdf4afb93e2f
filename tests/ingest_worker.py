"""A separate process that ingests a folder and can be killed with SIGKILL at a chosen step.

    python -m tests.ingest_worker DATA_DIR DOCS_DIR [KILL_AT]

Every step that writes (a version recorded, chunks added, chunks deleted, a version finished) is
counted; at step KILL_AT the process kills itself with SIGKILL, exactly like ``kill -9``: no cleanup,
no flush, no finally blocks. Without KILL_AT it runs to the end and prints the report as JSON.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.container import Services
from tests.fakes import HashingEmbedder


def killing_at(step: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    counter = {"steps": 0}

    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def counted(*args: Any, **kwargs: Any) -> Any:
            counter["steps"] += 1
            if counter["steps"] == step:
                os.kill(os.getpid(), signal.SIGKILL)
            return method(*args, **kwargs)

        return counted

    return wrap


def main() -> None:
    data_dir, docs_dir = Path(sys.argv[1]), Path(sys.argv[2])
    settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
    services = Services(settings, embedder=HashingEmbedder())
    ingestor = services.ingestor
    if len(sys.argv) > 3:
        wrap = killing_at(int(sys.argv[3]))
        index, registration = ingestor.index, ingestor.registration
        assert registration is not None
        index.add = wrap(index.add)  # type: ignore[method-assign]
        index.delete = wrap(index.delete)  # type: ignore[method-assign]
        registration.begin = wrap(registration.begin)  # type: ignore[method-assign]
        registration.finish = wrap(registration.finish)  # type: ignore[method-assign]
    print(ingestor.ingest([docs_dir]).model_dump_json(), flush=True)


if __name__ == "__main__":
    main()
