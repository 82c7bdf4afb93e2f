"""Shared fixtures. Tests use real parts (Chroma, SQLite, the bundled embedder and LLM server) where
they run here, and scripted fakes only for an LLM's words."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.container import Services
from assistant.llm import chat_model

for key, value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
}.items():
    os.environ.setdefault(key, value)

KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge" / "docs"


@pytest.fixture(autouse=True)
def no_remote_llm(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Touching a remote LLM endpoint fails the test unless it is marked ``real_remote_llm``."""
    if request.node.get_closest_marker("real_remote_llm"):
        return
    original = chat_model.OpenAICompatibleChatModel.__init__

    def guarded(
        self: chat_model.OpenAICompatibleChatModel, base_url: str, *args: object, **kwargs: object
    ) -> None:
        host = urlparse(base_url).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            pytest.fail(f"test tried to use a remote LLM endpoint: {base_url}")
        original(self, base_url, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(chat_model.OpenAICompatibleChatModel, "__init__", guarded)


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test writes to the checkout's data directory or reads a developer's .env."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("BANK_ASSISTANT_DATA_DIR", str(data_dir))
    monkeypatch.delenv("BANK_ASSISTANT_LLM_BASE_URL", raising=False)
    return data_dir


@pytest.fixture(scope="session")
def kb_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the whole knowledge base indexed by the real bundled embedder (once)."""
    data_dir = tmp_path_factory.mktemp("kb-data")
    services = Services(Settings(data_dir=data_dir, _env_file=None))  # type: ignore[call-arg]
    report = services.ingestor.ingest([KNOWLEDGE_DIR])
    assert not report.skipped, report.skipped
    return data_dir


@pytest.fixture(scope="session")
def kb_services(kb_data_dir: Path) -> Services:
    """Real embedder, real Chroma and retrieval over the knowledge base; answers extractive unless a
    test passes its own chat model."""
    return Services(Settings(data_dir=kb_data_dir, answers="extractive", _env_file=None))  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def local_llm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real bundled model behind the real llama.cpp OpenAI-compatible server, on a test port."""
    from assistant.llm import bundled_model
    from assistant.llm.local_server import LocalLLMServer

    models_dir = PROJECT_ROOT / "data" / "models"
    model_path = bundled_model.verified_path(models_dir)
    server = LocalLLMServer(
        model_path,
        host="127.0.0.1",
        port=18765,
        context=4096,
        log_path=tmp_path_factory.mktemp("llm") / "server.log",
    )
    with server:
        yield server.base_url


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server (scripts/postgres.sh), started once; yields its admin URL."""
    import shutil
    import subprocess
    import tempfile

    from tests.servers import free_port

    script = PROJECT_ROOT / "scripts" / "postgres.sh"
    subprocess.run(["bash", str(script), "ensure-installed"], check=True)
    # Not pytest's tmp_path: as root the server runs as `postgres`, which cannot enter that folder.
    directory = tempfile.mkdtemp(prefix="ba-pg-", dir="/tmp")
    port = free_port()
    started = subprocess.run(
        ["bash", str(script), "start", directory, str(port)], check=True, capture_output=True, text=True
    )
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(["bash", str(script), "stop", directory], check=False)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty application database on each backend: the conformance suites run on both."""
    return new_database_url(request, request.param, tmp_path)


def new_database_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file, or a new database on the session's PostgreSQL server."""
    import uuid

    from sqlalchemy import create_engine, text

    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'assistant.db'}"
    admin_url = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"
