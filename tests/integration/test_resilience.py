"""Fault injection: the LLM endpoint down, slow, rate-limited, failing or malformed; the vector store
down. Customers always get a cited answer or an abstention with an offer of a person, in bounded time."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.container import Services
from assistant.handoff.outbox import HandoffOutbox, PendingHandoff
from assistant.retrieval.index import ChromaIndex
from evals.stub_llm import StubLLM
from tests.servers import chroma_server, free_port

pytestmark = pytest.mark.slow
QUESTION = "What is the annual fee of the platinum credit card?"


def services_for(
    kb_services: Services, kb_data_dir: Path, tmp_path: Path, base_url: str, **overrides
) -> Services:  # type: ignore[no-untyped-def]
    values = {"llm_first_token_timeout_s": 1.0, "llm_timeout_s": 2.0, **overrides}
    settings = Settings(
        data_dir=kb_data_dir,
        database=f"sqlite:///{tmp_path / 'r.db'}",
        llm_base_url=base_url,
        _env_file=None,
        **values,
    )  # type: ignore[call-arg]
    return Services(settings, embedder=kb_services.embedder)


@pytest.fixture
def stub():
    with StubLLM() as server:
        yield server


def test_a_healthy_endpoint_answers_with_the_llm(kb_services, kb_data_dir, tmp_path, stub):
    result = services_for(kb_services, kb_data_dir, tmp_path, stub.base_url).pipeline.ask(QUESTION)
    assert result.answer.kind == "llm" and "1,200" in result.answer.text and stub.requests == 1


@pytest.mark.parametrize("mode", ["error500", "error429"])
def test_5xx_and_429_are_retried_with_backoff_then_answered_extractively(
    kb_services, kb_data_dir, tmp_path, stub, mode
):
    stub.mode = mode
    result = services_for(kb_services, kb_data_dir, tmp_path, stub.base_url, llm_attempts=3).pipeline.ask(
        QUESTION
    )
    assert stub.requests == 3
    assert result.answer.kind == "extractive" and result.answer.citations and "1,200" in result.answer.text
    assert result.answer.fallback_reason == "language model unavailable"


def test_a_slow_endpoint_is_not_retried_and_the_answer_comes_within_3_s_of_the_timeout(
    kb_services, kb_data_dir, tmp_path, stub
):
    stub.mode, stub.slow_s = "slow", 10.0
    services = services_for(kb_services, kb_data_dir, tmp_path, stub.base_url)
    assert services.retriever  # built (and its keyword index caught up) before the clock starts
    started = time.monotonic()
    result = services.pipeline.ask(QUESTION)
    elapsed = time.monotonic() - started
    assert result.answer.kind == "extractive" and result.answer.citations
    assert stub.requests == 1 and elapsed < 1.0 + 3.0, elapsed


def test_malformed_output_falls_back_to_the_cited_extractive_answer(kb_services, kb_data_dir, tmp_path, stub):
    stub.mode = "malformed"
    result = services_for(kb_services, kb_data_dir, tmp_path, stub.base_url).pipeline.ask(QUESTION)
    assert result.answer.kind == "extractive" and result.answer.citations


def test_an_unreachable_endpoint_opens_the_circuit_so_later_turns_do_not_wait(
    kb_services, kb_data_dir, tmp_path
):
    with StubLLM() as stub:
        url = stub.base_url  # the port is closed once the block ends
    services = services_for(kb_services, kb_data_dir, tmp_path, url, llm_attempts=2, llm_breaker_failures=2)
    for _ in range(2):
        assert services.pipeline.ask(QUESTION).answer.kind == "extractive"
    assert services.chat_model.breaker.state == "open"  # type: ignore[attr-defined]

    def must_not_be_called(*args: object, **kwargs: object) -> None:
        raise AssertionError("an open circuit must not wait on the endpoint")

    services.chat_model.inner.stream = must_not_be_called  # type: ignore[attr-defined]
    result = services.pipeline.ask(QUESTION)
    assert result.answer.kind == "extractive" and result.answer.citations


def test_the_circuit_closes_again_when_the_endpoint_recovers(kb_services, kb_data_dir, tmp_path, stub):
    stub.mode = "error500"
    services = services_for(
        kb_services,
        kb_data_dir,
        tmp_path,
        stub.base_url,
        llm_attempts=1,
        llm_breaker_failures=1,
        llm_breaker_cooldown_s=0.2,
    )
    assert services.pipeline.ask(QUESTION).answer.kind == "extractive"
    stub.mode = "ok"
    time.sleep(0.3)
    assert services.pipeline.ask(QUESTION).answer.kind == "llm"
    assert services.chat_model.breaker.state == "closed"  # type: ignore[attr-defined]


def test_with_the_vector_store_down_answers_come_from_keyword_search_with_a_notice(kb_services, tmp_path):
    with chroma_server(tmp_path / "chroma") as (url, process):
        settings = Settings(data_dir=tmp_path / "data", chroma_url=url, answers="extractive", _env_file=None)  # type: ignore[call-arg]
        services = Services(settings, embedder=kb_services.embedder)
        docs = Path(__file__).parents[2] / "knowledge" / "docs" / "en"
        services.ingestor.ingest([docs / "credit-card-platinum.md", docs / "fee-schedule.md"])
        assert services.pipeline.ask(QUESTION).answer.citations
        process.terminate()
        process.wait(timeout=10)
        result = services.pipeline.ask(QUESTION)
    assert result.answer.kind == "extractive" and "1,200" in result.answer.text and result.answer.citations
    assert "reduced mode" in result.answer.text


def test_a_chroma_server_that_never_answers_fails_start_up_within_its_timeout():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # connections are accepted by the kernel and then never answered
    started = time.perf_counter()
    with listener, pytest.raises(ConnectionError, match="did not answer"):
        ChromaIndex.open("hung", server_url=f"http://127.0.0.1:{listener.getsockname()[1]}", timeout_s=1.0)
    assert time.perf_counter() - started < 5


def test_a_chroma_server_that_freezes_mid_ingestion_fails_the_batch_within_its_timeout(kb_services, tmp_path):
    with chroma_server(tmp_path / "chroma") as (url, process):
        index = ChromaIndex.open("frozen", server_url=url, timeout_s=2.0)
        chunk = kb_services.index.chunks()[0]
        vector = kb_services.embedder.embed_passages([chunk.text])
        index.add([chunk], vector)
        process.send_signal(signal.SIGSTOP)
        try:
            started = time.perf_counter()
            with pytest.raises(httpx.TimeoutException):
                index.add([chunk], vector)
            assert time.perf_counter() - started < 10
        finally:
            process.send_signal(signal.SIGCONT)


def test_with_the_queue_database_down_the_handoff_is_kept_and_filed_once_it_is_back(kb_services, kb_data_dir):
    script = ["bash", str(PROJECT_ROOT / "scripts" / "postgres.sh")]
    directory = tempfile.mkdtemp(prefix="ba-pg-down-", dir="/tmp")
    port = str(free_port())
    try:
        started = subprocess.run(
            [*script, "start", directory, port], check=True, capture_output=True, text=True
        )
        settings = Settings(
            data_dir=kb_data_dir,
            database=started.stdout.strip().splitlines()[-1],
            answers="extractive",
            _env_file=None,
        )  # type: ignore[call-arg]
        services = Services(settings, embedder=kb_services.embedder)
        services.__dict__["outbox"] = HandoffOutbox(Path(directory) / "outbox.jsonl", services.queue)
        services.pipeline.ask("hello", "c0")  # migrations run while the database is up
        subprocess.run([*script, "stop", directory], check=True)

        result = services.pipeline.ask("I want to talk to a real person", "c1")
        assert result.handoff.decision and result.ticket is None
        assert "contact you" in result.answer.text
        assert len(services.outbox.pending()) == 1
        assert services.outbox.flush() == 0, "still down: kept, not dropped"

        subprocess.run([*script, "start", directory, port], check=True, capture_output=True)
        assert services.outbox.flush() == 1 and services.outbox.pending() == []
        assert [t.conversation_id for t in services.queue.waiting()] == ["c1"]
        again = PendingHandoff(
            conversation_id="c1", decision=result.handoff, idempotency_key="c1:retry", lang="en"
        )
        services.outbox.put(again)
        services.outbox.flush()
        assert services.queue.count() == 1, "a handoff filed twice is still one ticket"
    finally:
        subprocess.run([*script, "stop", directory], check=False)
        shutil.rmtree(directory, ignore_errors=True)


def test_turns_queued_behind_a_busy_llm_answer_extractively_on_time_and_the_circuit_stays_closed(
    kb_services, kb_data_dir, tmp_path
):
    with StubLLM(tokens_per_s=4) as slow:  # each answer streams for several seconds
        services = services_for(
            kb_services,
            kb_data_dir,
            tmp_path,
            slow.base_url,
            llm_timeout_s=30.0,
            llm_max_in_flight=1,
            llm_queue_wait_s=0.5,
        )
        assert services.pipeline.ask(QUESTION, "warm-up").answer.kind == "llm"
        results: dict[int, tuple[str, float]] = {}

        def turn(n: int) -> None:
            started = time.monotonic()
            kind = services.pipeline.ask(QUESTION, f"c{n}").answer.kind
            results[n] = (kind, time.monotonic() - started)

        threads = [threading.Thread(target=turn, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    kinds = [kind for kind, _ in results.values()]
    assert kinds.count("llm") == 1 and kinds.count("extractive") == 3, results
    assert all(elapsed < 0.5 + 2.0 for kind, elapsed in results.values() if kind == "extractive"), results
    assert services.chat_model.breaker.state == "closed" and slow.requests == 2  # type: ignore[attr-defined]
