"""One conformance suite for every vector index backend: embedded Chroma and a real Chroma server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from assistant.domain import Chunk
from assistant.retrieval.index import ChromaIndex, SearchFilter
from tests.servers import chroma_server as running_chroma

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_chroma(tmp_path_factory.mktemp("chroma-server")) as (url, _):
        yield url


@pytest.fixture(params=["embedded", "server"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> ChromaIndex:
    name = f"conformance-{request.node.name.split('[')[0][-40:].strip('_')}".replace("_", "-")
    if request.param == "embedded":
        return ChromaIndex.open(name, persist_dir=tmp_path / "chroma")
    url = request.getfixturevalue("chroma_server")
    return ChromaIndex.open(f"{name}-{time.monotonic_ns()}", server_url=url)


def chunk(
    doc_id: str, n: int, lang: str = "en", status: str = "approved", day: date = date(2026, 1, 1)
) -> Chunk:
    return Chunk(
        chunk_id=f"{doc_id}#hash{doc_id}#{n:03d}",
        doc_id=doc_id,
        title=f"Title {doc_id}",
        section="Fees",
        text=f"text {doc_id} {n}",
        lang=lang,  # type: ignore[arg-type]
        version=1,
        effective_date=day,
        status=status,  # type: ignore[arg-type]
        source_path=f"/docs/{doc_id}.md",
        content_hash=f"hash{doc_id}",
    )


def unit(i: int, dim: int = 8) -> np.ndarray:
    vector = np.zeros(dim, dtype=np.float32)
    vector[i] = 1.0
    return vector


def test_added_chunks_are_listed_per_document(index: ChromaIndex) -> None:
    index.add([chunk("a", 0), chunk("a", 1), chunk("b", 0)], np.stack([unit(0), unit(1), unit(2)]))
    documents = index.documents()
    assert set(documents) == {"a", "b"}
    assert documents["a"].content_hash == "hasha"
    assert sorted(documents["a"].chunk_ids) == ["a#hasha#000", "a#hasha#001"]
    assert index.count() == 3


def test_search_returns_nearest_with_cosine_similarity(index: ChromaIndex) -> None:
    index.add([chunk("a", 0), chunk("b", 0)], np.stack([unit(0), unit(1)]))
    hits = index.search(unit(1), limit=2, where=SearchFilter(today=TODAY))
    assert [c.doc_id for c, _ in hits] == ["b", "a"]
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert hits[0][0].text == "text b 0" and hits[0][0].effective_date == date(2026, 1, 1)


def test_drafts_future_documents_and_other_languages_are_filtered_out(index: ChromaIndex) -> None:
    chunks = [
        chunk("ok", 0),
        chunk("draft", 0, status="draft"),
        chunk("future", 0, day=date(2027, 1, 1)),
        chunk("zh", 0, lang="zh"),
    ]
    index.add(chunks, np.stack([unit(0)] * 4))
    hits = index.search(unit(0), limit=10, where=SearchFilter(today=TODAY, lang="en"))
    assert [c.doc_id for c, _ in hits] == ["ok"]
    assert {c.doc_id for c in index.chunks(SearchFilter(today=TODAY))} == {"ok", "zh"}
    assert len(index.chunks()) == 4


def test_delete_removes_only_the_given_chunks(index: ChromaIndex) -> None:
    index.add([chunk("a", 0), chunk("a", 1)], np.stack([unit(0), unit(1)]))
    index.delete(["a#hasha#000"])
    assert index.documents()["a"].chunk_ids == ("a#hasha#001",)
