"""The keyword half of hybrid search: BM25 over an index shared in the application database.

Every replica reads and writes the same tables (SQLite by default, PostgreSQL when configured): a
document published through one replica is found by every other at its next query, and nothing is
rebuilt at start-up. A chunk's words (our tokenizer: jieba for Chinese, the bank-terms dictionary)
are postings (language, term, chunk, count); BM25's statistics are per-language totals written in
the same transaction as the postings. A query reads only its own terms' postings instead of scanning
every chunk.

Scores are rank_bm25's BM25Okapi over one language's chunks (k1 1.5, b 0.75, a negative idf raised to
0.25 x the mean idf), which the answerability check was trained on; a conformance test compares them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from functools import lru_cache

import numpy as np
from sqlalchemy import Connection, Engine, Float, case, cast, delete, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from assistant.domain import Chunk
from assistant.retrieval.index import IndexedDocument, SearchFilter, VectorIndex
from assistant.retrieval.keyword import tokenize
from assistant.storage.migrations import lexical_chunks, lexical_postings, lexical_stats

K1 = 1.5
B = 0.75
EPSILON = 0.25
# Keeps each statement's parameter list well under SQLite's and PostgreSQL's limits.
_BATCH = 500


def _batches(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


@lru_cache(maxsize=8192)
def _words(text: str) -> tuple[str, ...]:
    """A chunk's words; kept, because re-indexing unchanged chunks (a catch-up, a republish) is common."""
    return tuple(tokenize(text)) or ("_",)


def _idf(chunks: int, containing: int) -> float:
    return math.log(chunks - containing + 0.5) - math.log(containing + 0.5)


class LexicalIndex:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # The mean idf (for raising negative ones) needs every term's count: computed only when a
        # query has a term in over half the chunks, and kept per language until its totals change.
        self._mean_idf: dict[str, tuple[tuple[int, int], float]] = {}

    def add(self, chunks: Sequence[Chunk]) -> None:
        """Index the chunks, replacing any already indexed under the same ids, in one transaction."""
        if not chunks:
            return
        with self.engine.begin() as conn:
            self._remove(conn, [c.chunk_id for c in chunks])
            self._insert(conn, chunks)

    def replace_all(self, chunks: Sequence[Chunk]) -> None:
        """Make the index hold exactly these chunks (catching up with a vector index), in one transaction."""
        with self.engine.begin() as conn:
            for table in (lexical_postings, lexical_chunks, lexical_stats):
                conn.execute(delete(table))
            for start in range(0, len(chunks), _BATCH):
                self._insert(conn, chunks[start : start + _BATCH])

    def _insert(self, conn: Connection, chunks: Sequence[Chunk]) -> None:
        if not chunks:
            return
        totals: Counter[str] = Counter()
        lengths: Counter[str] = Counter()
        rows, postings = [], []
        for chunk in chunks:
            words = _words(chunk.contextual_text())
            rows.append(
                {
                    "chunk_id": chunk.chunk_id,
                    "lang": chunk.lang,
                    "length": len(words),
                    "chunk": chunk.model_dump_json(),
                }
            )
            postings += [
                {
                    "lang": chunk.lang,
                    "term": term,
                    "chunk_id": chunk.chunk_id,
                    "tf": tf,
                    "length": len(words),
                    "approved": chunk.status == "approved",
                    "effective_date": chunk.effective_date,
                }
                for term, tf in Counter(words).items()
            ]
            totals[chunk.lang] += 1
            lengths[chunk.lang] += len(words)
        conn.execute(lexical_chunks.insert(), rows)
        conn.execute(lexical_postings.insert(), postings)
        for lang in totals:
            self._change_totals(conn, lang, totals[lang], lengths[lang])

    def delete(self, chunk_ids: Sequence[str]) -> None:
        with self.engine.begin() as conn:
            self._remove(conn, list(chunk_ids))

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(lexical_chunks)).scalar_one())

    def search(self, query: str, limit: int, where: SearchFilter) -> list[tuple[Chunk, float]]:
        """The best chunks by BM25 within each language's own statistics, approved and in effect."""
        terms = Counter(tokenize(query))
        if not terms:
            return []
        hits: list[tuple[Chunk, float]] = []
        with self.engine.connect() as conn:
            for lang, chunks, total_length in self._totals(conn, where.lang):
                idf = self._idfs(conn, lang, chunks, total_length, list(terms))
                weights = {t: idf[t] * n for t, n in terms.items() if idf.get(t)}
                if weights:
                    hits += self._scored(conn, lang, weights, total_length / chunks, where.today, limit)
        hits.sort(key=lambda hit: hit[1], reverse=True)
        return hits[:limit]

    def coverage(self, query: str, chunk_ids: list[str], lang: str) -> float:
        """Share of the query's terms, weighted by rarity (BM25 idf), found in any of the chunks."""
        terms = sorted(set(tokenize(query)))
        if not terms or not chunk_ids:
            return 0.0
        with self.engine.connect() as conn:
            totals = self._totals(conn, lang)
            if not totals:
                return 0.0
            _, chunks, total_length = totals[0]
            idf = self._idfs(conn, lang, chunks, total_length, terms)
            # A term no passage has weighs as much as the rarest, taken to be in one chunk (some term
            # always is, in a real knowledge base), which spares reading every term's count.
            unseen = _idf(chunks, 1)
            weights = {t: max(idf.get(t, unseen), 0.0) for t in terms}
            found = set(
                conn.execute(
                    select(lexical_postings.c.term)
                    .where(lexical_postings.c.chunk_id.in_(chunk_ids), lexical_postings.c.term.in_(terms))
                    .distinct()
                ).scalars()
            )
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if t in found) / total if total else 0.0

    def _totals(self, conn: Connection, lang: str | None) -> list[tuple[str, int, int]]:
        query = select(lexical_stats.c.lang, lexical_stats.c.chunks, lexical_stats.c.total_length).where(
            lexical_stats.c.chunks > 0
        )
        if lang:
            query = query.where(lexical_stats.c.lang == lang)
        return [(row.lang, row.chunks, row.total_length) for row in conn.execute(query.order_by("lang"))]

    def _idfs(
        self, conn: Connection, lang: str, chunks: int, total_length: int, terms: list[str]
    ) -> dict[str, float]:
        """Each term's idf in the language; terms no chunk has are left out."""
        containing = conn.execute(
            select(lexical_postings.c.term, func.count())
            .where(lexical_postings.c.lang == lang, lexical_postings.c.term.in_(terms))
            .group_by(lexical_postings.c.term)
        ).tuples()
        idf = {term: _idf(chunks, n) for term, n in containing}
        if any(value < 0 for value in idf.values()):
            floor = EPSILON * self._mean(conn, lang, chunks, total_length)
            idf = {term: value if value >= 0 else floor for term, value in idf.items()}
        return idf

    def _mean(self, conn: Connection, lang: str, chunks: int, total_length: int) -> float:
        totals = (chunks, total_length)
        cached = self._mean_idf.get(lang)
        if cached is None or cached[0] != totals:
            counts = conn.execute(
                select(func.count()).where(lexical_postings.c.lang == lang).group_by(lexical_postings.c.term)
            ).scalars()
            values = [_idf(chunks, n) for n in counts]
            cached = (totals, sum(values) / len(values) if values else 0.0)
            self._mean_idf[lang] = cached
        return cached[1]

    def _scored(
        self,
        conn: Connection,
        lang: str,
        weights: dict[str, float],
        mean_length: float,
        today: date,
        limit: int,
    ) -> list[tuple[Chunk, float]]:
        p, c = lexical_postings.c, lexical_chunks.c
        weight = case(*((p.term == term, literal(w)) for term, w in weights.items()), else_=literal(0.0))
        tf = cast(p.tf, Float)
        saturation = tf * (K1 + 1) / (tf + K1 * (1 - B + B * cast(p.length, Float) / mean_length))
        score = func.sum(weight * saturation).label("score")
        best = (
            select(p.chunk_id, score)
            .where(p.lang == lang, p.term.in_(list(weights)), p.approved, p.effective_date <= today)
            .group_by(p.chunk_id)
            .order_by(score.desc(), p.chunk_id)
            .limit(limit)
            .subquery()
        )
        rows = conn.execute(
            select(c.chunk, best.c.score)
            .join(best, best.c.chunk_id == c.chunk_id)
            .where(best.c.score > 0)
            .order_by(best.c.score.desc(), c.chunk_id)
        ).all()
        return [(Chunk.model_validate_json(row.chunk), float(row.score)) for row in rows]

    def _remove(self, conn: Connection, chunk_ids: list[str]) -> None:
        for batch in _batches(chunk_ids):
            gone = conn.execute(
                select(lexical_chunks.c.lang, func.count(), func.sum(lexical_chunks.c.length))
                .where(lexical_chunks.c.chunk_id.in_(batch))
                .group_by(lexical_chunks.c.lang)
            ).all()
            conn.execute(delete(lexical_postings).where(lexical_postings.c.chunk_id.in_(batch)))
            conn.execute(delete(lexical_chunks).where(lexical_chunks.c.chunk_id.in_(batch)))
            for lang, chunks, length in gone:
                self._change_totals(conn, lang, -chunks, -int(length))

    @staticmethod
    def _change_totals(conn: Connection, lang: str, chunks: int, length: int) -> None:
        """Add to a language's totals in one statement, so concurrent writers never lose an update."""
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(lexical_stats).values(lang=lang, chunks=chunks, total_length=length)
        conn.execute(
            insert.on_conflict_do_update(
                index_elements=["lang"],
                set_={
                    "chunks": lexical_stats.c.chunks + insert.excluded.chunks,
                    "total_length": lexical_stats.c.total_length + insert.excluded.total_length,
                },
            )
        )


class IndexWithKeywords:
    """The vector index with the keyword index kept in step: every write goes to both."""

    def __init__(self, vectors: VectorIndex, keywords: LexicalIndex) -> None:
        self.vectors = vectors
        self.keywords = keywords

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        self.vectors.add(chunks, vectors)
        self.keywords.add(chunks)

    def delete(self, chunk_ids: Sequence[str]) -> None:
        self.vectors.delete(chunk_ids)
        self.keywords.delete(chunk_ids)

    def documents(self) -> dict[str, IndexedDocument]:
        return self.vectors.documents()

    def search(self, vector: np.ndarray, limit: int, where: SearchFilter) -> list[tuple[Chunk, float]]:
        return self.vectors.search(vector, limit, where)

    def chunks(self, where: SearchFilter | None = None) -> list[Chunk]:
        return self.vectors.chunks(where)

    def count(self) -> int:
        return self.vectors.count()
