"""Topic building blocks: the words a topic is named by, c-TF-IDF names, the floor on topic size and
taking the language direction out of multilingual vectors."""

from __future__ import annotations

import numpy as np

from assistant.insight.topics import cluster, representatives, topic_terms, without_language, words


def test_words_leave_out_stopwords_masked_data_and_redactions():
    assert words("My card <CARD> was charged on XX/XX/XXXX by XXXX, I'm upset", "en") == [
        "card",
        "charged",
        "upset",
    ]
    assert words("我的信用卡年费被扣了，银行你们怎么回事", "zh")[:2] == ["信用卡", "年费"]
    assert "的" not in words("我的信用卡", "zh")


def test_a_topic_is_named_by_words_frequent_in_it_and_rare_elsewhere():
    texts = [
        "annual fee charged on my card",
        "card annual fee again",
        "why an annual fee on the card",
        "card blocked at the airport",
        "my card was blocked abroad",
        "card blocked while travelling",
    ]
    named = topic_terms(texts, ["en"] * 6, [0, 0, 0, 1, 1, 1])
    assert named[0]["en"][:2] == ["annual", "fee"]  # "card" is everywhere: it names neither
    assert named[1]["en"][0] == "blocked"
    assert "card" not in named[0]["en"][:2] + named[1]["en"][:1]
    assert named[0]["zh"] == []


def _blobs(sizes: list[int], dim: int = 16, seed: int = 1) -> tuple[np.ndarray, list[int]]:
    rng = np.random.default_rng(seed)
    centres = np.eye(dim)[: len(sizes)]
    points, truth = [], []
    for topic, size in enumerate(sizes):
        for _ in range(size):
            points.append(centres[topic] + rng.normal(0, 0.05, dim))
            truth.append(topic)
    vectors = np.array(points)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), truth


def test_clusters_follow_the_data_and_repeated_messages_do_not_become_topics_of_two():
    vectors, truth = _blobs([12, 9, 6])
    # Each message sent twice: without a floor on topic size, pairs of duplicates score best.
    doubled = np.vstack([vectors, vectors])
    found = cluster(doubled)
    assert len(set(found)) == 3
    assert found[: len(truth)] == found[len(truth) :]
    pairs = {(t, f) for t, f in zip(truth, found, strict=False)}
    assert len(pairs) == 3  # each true topic maps to exactly one found topic
    assert [found.count(n) for n in range(3)] == [24, 18, 12]  # biggest topic first


def test_too_few_messages_make_one_topic():
    vectors, _ = _blobs([2, 2])
    assert cluster(vectors) == [0, 0, 0, 0]


def test_taking_out_the_language_direction_lets_two_languages_share_topics():
    vectors, truth = _blobs([6, 6])
    shift = np.zeros(vectors.shape[1])
    shift[-1] = 1.5  # what "being Chinese" adds to every vector, whatever the topic
    langs = ["en", "zh"] * 6
    mixed = np.array([v + shift if lang == "zh" else v for v, lang in zip(vectors, langs, strict=True)])
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    by_language = cluster(mixed)
    assert {(lang, t) for lang, t in zip(langs, by_language, strict=True)} != {(lang, t) for lang, t in
            zip(langs, truth, strict=True)}  # fmt: skip
    together = cluster(without_language(mixed, langs))  # type: ignore[arg-type]
    assert len({(t, f) for t, f in zip(truth, together, strict=True)}) == 2


def test_representatives_are_nearest_the_centre():
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert representatives(vectors, [0, 1, 2], count=1) == [1]
