"""The vector index: Chroma, embedded (persistent folder) or a server, behind one narrow interface.

The index is also the ingestion manifest: every chunk carries its document's content hash and
source path, so incremental ingestion needs no second store that could drift from it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import numpy as np

from assistant.domain import Chunk, Lang


@dataclass(frozen=True)
class IndexedDocument:
    doc_id: str
    content_hash: str
    source_path: str
    chunk_ids: tuple[str, ...]


@dataclass(frozen=True)
class SearchFilter:
    """Only approved chunks in effect on ``today``; optionally in one language."""

    today: date
    lang: Lang | None = None


class VectorIndex(Protocol):
    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None: ...

    def delete(self, chunk_ids: Sequence[str]) -> None: ...

    def documents(self) -> dict[str, IndexedDocument]: ...

    def search(self, vector: np.ndarray, limit: int, where: SearchFilter) -> list[tuple[Chunk, float]]:
        """Nearest chunks with their cosine similarity, best first."""
        ...

    def chunks(self, where: SearchFilter | None = None) -> list[Chunk]: ...

    def count(self) -> int: ...


def _date_number(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _where(where: SearchFilter) -> dict[str, Any]:
    clauses: list[dict[str, Any]] = [
        {"status": "approved"},
        {"effective_day": {"$lte": _date_number(where.today)}},
    ]
    if where.lang:
        clauses.append({"lang": where.lang})
    return {"$and": clauses}


def _to_metadata(chunk: Chunk) -> dict[str, str | int]:
    return {
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "section": chunk.section,
        "lang": chunk.lang,
        "version": chunk.version,
        "effective_date": chunk.effective_date.isoformat(),
        "effective_day": _date_number(chunk.effective_date),
        "status": chunk.status,
        "source_path": chunk.source_path,
        "content_hash": chunk.content_hash,
    }


def _from_record(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        doc_id=meta["doc_id"],
        title=meta["title"],
        section=meta["section"],
        text=text,
        lang=meta["lang"],
        version=int(meta["version"]),
        effective_date=date.fromisoformat(meta["effective_date"]),
        status=meta["status"],
        source_path=meta.get("source_path", ""),
        content_hash=meta.get("content_hash", ""),
    )


class ChromaIndex:
    """Chroma with our own vectors: never Chroma's default embedding function (it downloads a model)."""

    _BATCH = 2000

    def __init__(self, collection: Any, client: Any = None) -> None:
        self._collection = collection
        self.client = client  # for LangChain's Chroma wrapper (the evaluation's baseline chain)

    @classmethod
    def open(
        cls,
        name: str,
        persist_dir: Path | None = None,
        server_url: str | None = None,
        timeout_s: float = 30.0,
    ) -> ChromaIndex:
        """``timeout_s`` bounds every request to a Chroma server (start-up, ingestion, search)."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False)
        if server_url:
            url = urlparse(server_url)
            client: Any = _within(
                timeout_s,
                lambda: chromadb.HttpClient(
                    host=url.hostname or "127.0.0.1",
                    port=url.port or (443 if url.scheme == "https" else 8000),
                    ssl=url.scheme == "https",
                    settings=settings,
                ),
                f"Chroma server at {server_url}",
            )
            _bound_requests(client, timeout_s)
        else:
            assert persist_dir is not None, "an embedded index needs a folder"
            persist_dir.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(persist_dir), settings=settings)
        collection = client.get_or_create_collection(
            name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        return cls(collection, client)

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        for start in range(0, len(chunks), self._BATCH):
            batch = chunks[start : start + self._BATCH]
            self._collection.upsert(
                ids=[c.chunk_id for c in batch],
                embeddings=vectors[start : start + self._BATCH],
                documents=[c.text for c in batch],
                metadatas=[_to_metadata(c) for c in batch],
            )

    def delete(self, chunk_ids: Sequence[str]) -> None:
        for start in range(0, len(chunk_ids), self._BATCH):
            self._collection.delete(ids=list(chunk_ids[start : start + self._BATCH]))

    def documents(self) -> dict[str, IndexedDocument]:
        records = self._collection.get(include=["metadatas"])
        grouped: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for chunk_id, meta in zip(records["ids"], records["metadatas"] or [], strict=True):
            grouped.setdefault(str(meta["doc_id"]), []).append((chunk_id, dict(meta)))
        documents = {}
        for doc_id, items in grouped.items():
            hashes = {m.get("content_hash", "") for _, m in items}
            # Two hashes for one document means an update was interrupted: treat it as changed.
            content_hash = hashes.pop() if len(hashes) == 1 else ""
            documents[doc_id] = IndexedDocument(
                doc_id=doc_id,
                content_hash=str(content_hash),
                source_path=str(items[0][1].get("source_path", "")),
                chunk_ids=tuple(cid for cid, _ in items),
            )
        return documents

    def search(self, vector: np.ndarray, limit: int, where: SearchFilter) -> list[tuple[Chunk, float]]:
        result = self._collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=limit,
            where=_where(where),
            include=["documents", "metadatas", "distances"],
        )
        hits = zip(
            result["ids"][0],
            result["documents"][0],
            result["metadatas"][0],
            result["distances"][0],
            strict=True,
        )
        return [(_from_record(cid, text, dict(meta)), 1.0 - float(dist)) for cid, text, meta, dist in hits]

    def chunks(self, where: SearchFilter | None = None) -> list[Chunk]:
        records = self._collection.get(
            where=_where(where) if where else None, include=["documents", "metadatas"]
        )
        return [
            _from_record(cid, text, dict(meta))
            for cid, text, meta in zip(
                records["ids"], records["documents"], records["metadatas"], strict=True
            )
        ]

    def count(self) -> int:
        return int(self._collection.count())

    @property
    def name(self) -> str:
        return str(self._collection.name)


def _bound_requests(client: Any, timeout_s: float) -> None:
    """Give the HTTP client's session a timeout: chromadb 1.5 builds it with ``timeout=None`` and has
    no setting for one, so a server that accepts a connection and never answers would hang ingestion
    and start-up forever. The session is a private attribute; if a chromadb release moves it, fail at
    start-up rather than run without a bound."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if not isinstance(session, httpx.Client):
        raise RuntimeError("chromadb's HTTP session was not found: cannot set a request timeout")
    session.timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0))


def _within(timeout_s: float, connect: Callable[[], Any], what: str) -> Any:
    """Run ``connect`` (which asks the server for its tenant, with no timeout) for at most ``timeout_s``.

    A daemon thread, so a connection that never answers neither blocks start-up nor the process's exit.
    """
    outcome: dict[str, Any] = {}

    def attempt() -> None:
        try:
            outcome["client"] = connect()
        except Exception as exc:  # handed to the caller below
            outcome["error"] = exc

    worker = threading.Thread(target=attempt, name="chroma-connect", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if "error" in outcome:
        raise outcome["error"]
    if "client" not in outcome:
        raise ConnectionError(f"{what} did not answer within {timeout_s:g} s")
    return outcome["client"]
