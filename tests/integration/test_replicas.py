"""Replicas of `serve` on one database: only one publishes due versions, and another takes over when
it stops."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from assistant.config import Settings
from assistant.container import Services
from assistant.knowledge.workflow import KnowledgeBase
from assistant.storage.lease import Lease
from tests.fakes import HashingEmbedder


def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Polls instead of sleeping a fixed time: the rounds are slower on a loaded machine."""
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_only_the_lease_holder_publishes_and_another_takes_over_when_it_stops(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    services = Services(settings, embedder=HashingEmbedder())
    published: Counter[str] = Counter()
    replicas: dict[str, tuple[KnowledgeBase, threading.Event]] = {}
    for name in ("a", "b", "c"):
        lease = Lease(services.database, "publish-due-versions", ttl_s=5, holder=name)
        replica = KnowledgeBase(
            services.registry,
            services.ingestor,
            services.retriever,
            settings.staff,
            services.curated,
            publisher=lease,
        )
        replica.activate_due = lambda name=name, **_: published.update([name]) or []  # type: ignore[method-assign]
        replicas[name] = (replica, threading.Event())
    threads = {
        name: threading.Thread(target=replica.keep_current, args=(0.02, stop))
        for name, (replica, stop) in replicas.items()
    }
    for thread in threads.values():
        thread.start()
    wait_until(lambda: sum(published.values()) >= 5)
    assert len(published) == 1, published
    (holder,) = published
    replicas[holder][1].set()  # the publishing replica shuts down and lets go of the lease
    threads[holder].join()
    before = published.copy()
    wait_until(lambda: bool(published - before))
    time.sleep(0.2)
    for _, stop in replicas.values():
        stop.set()
    for thread in threads.values():
        thread.join()
    taken_over = published - before
    assert len(taken_over) == 1 and holder not in taken_over, published


def test_a_document_published_through_one_replica_is_found_by_another_at_its_next_query(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    first, second = (
        Services(settings, embedder=HashingEmbedder()),
        Services(settings, embedder=HashingEmbedder()),
    )
    first.ingestor.ingest([Path(__file__).parents[2] / "knowledge" / "docs" / "en"])  # BM25 needs a corpus
    question = "What rate does the Zorbex Saver pay?"
    assert all(
        hit.chunk.doc_id != "zorbex-saver-en" for hit in second.retriever.retrieve(question, "en").chunks
    )
    upload = b"# Zorbex Saver\n\n## Rate\n\nThe Zorbex Saver pays 9.99% a year on every balance.\n"
    draft = first.knowledge.add(upload, "zorbex-saver.md", "editor", doc_id="zorbex-saver-en", lang="en")
    first.knowledge.approve("zorbex-saver-en", "approver", draft.version)

    found = second.retriever.retrieve(question, "en").chunks[0]  # no restart, no refresh
    assert found.chunk.doc_id == "zorbex-saver-en" and found.bm25_rank == 1
    first.knowledge.retire("zorbex-saver-en", "approver")
    assert all(
        hit.chunk.doc_id != "zorbex-saver-en" for hit in second.retriever.retrieve(question, "en").chunks
    )
