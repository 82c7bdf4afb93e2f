"""Two `serve` processes on one PostgreSQL and one Chroma server, as two replicas behind a load
balancer: a ticket filed through one is claimed through the other, a document published while they
run is answered from by both, and only one of them holds the publishing lease."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select, text

from assistant.channels.keys import ChannelKeys
from assistant.config import Settings
from assistant.container import Services
from assistant.storage.migrations import leases
from tests.conftest import KNOWLEDGE_DIR
from tests.servers import chroma_server, free_port

pytestmark = pytest.mark.slow

ZORBEX = "# Zorbex Saver\n\n## Rate\n\nThe Zorbex Saver pays 9.99% a year on every balance, paid monthly.\n"


@pytest.fixture
def shared_stores(tmp_path: Path, postgres_server: str) -> Iterator[dict[str, str]]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    knowledge = tmp_path / "knowledge"
    (knowledge / "en").mkdir(parents=True)
    for doc in ("credit-card-platinum.md", "credit-card-gold.md"):
        shutil.copy(KNOWLEDGE_DIR / "en" / doc, knowledge / "en" / doc)
    with chroma_server(tmp_path / "chroma") as (chroma_url, _):
        yield {
            "BANK_ASSISTANT_DATABASE": postgres_server.rsplit("/", 1)[0] + f"/{name}",
            "BANK_ASSISTANT_CHROMA_URL": chroma_url,
            "BANK_ASSISTANT_KNOWLEDGE_DIR": str(knowledge),
            "BANK_ASSISTANT_ANSWERS": "extractive",
            "BANK_ASSISTANT_KNOWLEDGE_SYNC_S": "1",
        }


@pytest.fixture
def two_serves(tmp_path: Path, shared_stores: dict[str, str]) -> Iterator[list[tuple[str, int]]]:
    executable = str(Path(sys.executable).with_name("bank-assistant"))
    started: list[tuple[str, subprocess.Popen[bytes]]] = []
    for replica in ("a", "b"):
        port = free_port()
        env = {**os.environ, **shared_stores, "BANK_ASSISTANT_DATA_DIR": str(tmp_path / replica)}
        log = (tmp_path / f"{replica}.log").open("wb")
        process = subprocess.Popen(
            [executable, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        started.append((f"http://127.0.0.1:{port}", process))
    try:
        for url, process in started:
            _wait_until_up(url, process, tmp_path)
        yield [(url, process.pid) for url, process in started]
    finally:
        for _, process in started:
            process.terminate()
        for _, process in started:
            process.wait(timeout=30)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], logs: Path) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited: {[p.read_text()[-2000:] for p in logs.glob('*.log')]}")
        try:
            if httpx.get(f"{url}/api/v1/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"serve at {url} did not start")


def test_two_serves_share_tickets_documents_and_one_publisher(two_serves, shared_stores, tmp_path):
    (a, a_pid), (b, b_pid) = two_serves
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path / "admin",
        database=shared_stores["BANK_ASSISTANT_DATABASE"],
        chroma_url=shared_stores["BANK_ASSISTANT_CHROMA_URL"],
        knowledge_dir=Path(shared_stores["BANK_ASSISTANT_KNOWLEDGE_DIR"]),
    )
    admin = Services(settings)
    keys = ChannelKeys(admin.database)
    app = {"Authorization": f"Bearer {keys.create('app', ['chat'])[1]}", "X-Customer-Id": "C001"}
    helpdesk = {"Authorization": f"Bearer {keys.create('desk', ['helpdesk'])[1]}", "X-Agent-Id": "li"}

    # A ticket filed through one replica is claimed and answered through the other.
    conversation = httpx.post(f"{a}/api/v1/conversations", headers=app).json()["conversation_id"]
    asked = httpx.post(
        f"{a}/api/v1/conversations/{conversation}/messages",
        headers=app,
        json={"text": "Please put me through to a real person"},
        timeout=60,
    ).json()
    ticket = asked["handoff"]["ticket_id"]
    assert ticket is not None
    assert httpx.post(f"{b}/api/v1/handoffs/{ticket}/claim", headers=helpdesk, timeout=30).status_code == 200
    reply = httpx.post(
        f"{b}/api/v1/handoffs/{ticket}/messages", headers=helpdesk, json={"text": "Li here."}, timeout=30
    )
    assert reply.status_code == 201
    seen = httpx.get(f"{a}/api/v1/conversations/{conversation}/messages", headers=app).json()
    assert ("agent", "Li here.") in [(m["source"], m["text"]) for m in seen]
    assert httpx.post(f"{b}/api/v1/handoffs/{ticket}/resolve", headers=helpdesk).status_code == 204

    # A document published while both run (by the product team's tool, on the shared stores) is
    # answered from by each of them at its next question.
    draft = admin.knowledge.add(ZORBEX.encode(), "zorbex.md", "editor", doc_id="zorbex-saver-en", lang="en")
    admin.knowledge.approve("zorbex-saver-en", "approver", draft.version)
    for replica in (a, b):
        started = httpx.post(f"{replica}/api/v1/conversations", headers=app).json()["conversation_id"]
        answer = httpx.post(
            f"{replica}/api/v1/conversations/{started}/messages",
            headers=app,
            json={"text": "What rate does the Zorbex Saver pay?"},
            timeout=60,
        ).json()
        assert "9.99%" in answer["answer"], answer
        assert answer["citations"][0]["doc_id"] == "zorbex-saver-en"

    # One publisher: the lease is held by one of the two, and stays with it.
    holders = []
    publisher = select(leases.c.holder).where(leases.c.name == "publish-due-versions")
    for _ in range(3):
        with admin.database.connect() as conn:
            holders.append(conn.execute(publisher).scalar_one())
        time.sleep(1.5)
    pids = {int(holder.split(":")[1]) for holder in holders}
    assert len(pids) == 1 and pids <= {a_pid, b_pid}, holders
