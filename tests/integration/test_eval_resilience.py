"""`bank-assistant eval` survives the LLM failing mid-run: refused, hanging, or killed after a few
answers. The rows it hit are degraded and say why, every section is measured, the report is written."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.container import Services
from assistant.evaluation.answers import write_report
from assistant.evaluation.run import run_evaluation
from evals.stub_llm import StubLLM
from tests.servers import free_port


@contextmanager
def hanging_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


@pytest.mark.parametrize("failure", ["refused", "hangs", "killed mid-run"])
def test_an_evaluation_survives_the_llm_failing_and_writes_its_report(
    kb_data_dir: Path, tmp_path: Path, failure: str
) -> None:
    stub = StubLLM()
    answered = {"pipeline": 0}

    def advance(part: str) -> None:
        answered[part] = answered.get(part, 0) + 1
        if failure == "killed mid-run" and part == "pipeline" and answered[part] == 1:
            stub.__exit__()  # the server goes away after the first answer

    with hanging_server() as hanging, stub:
        url = {"refused": f"http://127.0.0.1:{free_port()}/v1", "hangs": hanging}.get(failure, stub.base_url)
        settings = Settings(  # type: ignore[call-arg]
            data_dir=kb_data_dir,
            answers="llm",
            llm_base_url=url,
            llm_timeout_s=0.5,
            llm_first_token_timeout_s=0.5,
            llm_attempts=1,
            handoff_summary="extractive",
            _env_file=None,
        )
        report = run_evaluation(Services(settings), settings, limit=2, advance=advance)
    baseline = report["baseline"]
    assert baseline["degraded_rows"], "the baseline's LLM rows say they were degraded"
    assert all("LLM failed" in row["reason"] for row in baseline["degraded_rows"])
    assert baseline["overall"]["context_recall_by_id"] is not None, "degraded rows are still measured"
    for section in ("answer_quality", "answer_quality_heldout"):
        assert report[section]["overall"]["citation_validity"] is not None
    assert "all" in report["handoff"] and "failed" not in report["handoff"]
    assert write_report(report, tmp_path / "report").exists()
