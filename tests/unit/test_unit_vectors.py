"""Each passage's answer units are embedded once and kept; similarities are per unit text."""

import numpy as np

from assistant.stages.extractive import answer_units
from assistant.stages.unit_vectors import UnitVectors
from tests.fakes import HashingEmbedder
from tests.unit.test_extractive import DORMANCY, RATES


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.passage_calls = 0

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passage_calls += 1
        return super().embed_passages(texts)


def test_every_unit_gets_its_similarity_and_a_passage_is_embedded_once() -> None:
    embedder = CountingEmbedder()
    vectors = UnitVectors(embedder)
    question = embedder.embed_query("how many months before an account becomes dormant")
    scores = vectors.similarities(question, [DORMANCY, RATES])
    assert set(scores) == set(answer_units(DORMANCY.chunk.text)) | set(answer_units(RATES.chunk.text))
    assert max(scores, key=lambda unit: scores[unit]).startswith("After 12 months")
    vectors.similarities(question, [DORMANCY, RATES])
    assert embedder.passage_calls == 2


def test_the_least_recently_used_passage_is_dropped_first() -> None:
    embedder = CountingEmbedder()
    vectors = UnitVectors(embedder, max_passages=1)
    question = embedder.embed_query("rate")
    vectors.similarities(question, [DORMANCY])
    vectors.similarities(question, [RATES])
    vectors.similarities(question, [DORMANCY])
    assert embedder.passage_calls == 3
