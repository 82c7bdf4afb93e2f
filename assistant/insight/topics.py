"""Topics from customer texts: embed, cluster, and name each cluster by its distinctive words.

Each language's messages are clustered by k-means on their multilingual embeddings (each language's
mean direction taken out) beside their own words; the number of topics is the one with the best
silhouette in a small range; then a topic joins the other language's topic it is clearly nearest to,
so an English and a Chinese complaint about the same thing share a topic. Names are class-based
TF-IDF (c-TF-IDF, as in BERTopic): a word names a topic when it is frequent in that topic's messages
and rare across the other topics, computed per language so a topic gets an English and a Chinese name
from its own messages. evals/eval_topics.py measures this against real complaint narratives with
product and issue labels.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.metrics import silhouette_score

from assistant.domain import Lang
from assistant.lang import to_simplified
from assistant.retrieval.keyword import segment_chinese

# Placeholders the guard puts where personal data was, and the CFPB's own redaction marks.
_MASKED = re.compile(r"<[A-Z_]+>|\b[xX]{2,}(?:/[xX]{2,})*\b|\{\$[\d.,]+\}")
_ENGLISH_WORD = re.compile(r"[a-z][a-z'-]*[a-z]")
_CHINESE_RUN = re.compile(r"[\u4e00-\u9fff]+")
_MORE_ENGLISH_STOPWORDS = frozenset(
    "i'm i've i'd don't didn't can't won't it's isn't wasn't doesn't haven't hasn't please help hi hello "
    "thanks thank just really want need know got get like told said say asked ask tell did does going "
    "still also would could one two time day days today yesterday week month year years".split()
)
_CHINESE_STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 是 我 我们 你 你们 他 她 它 在 和 与 及 或 就 都 也 要 会 能 可以 这 那 这个 那个 "
    "一个 什么 怎么 怎么办 为什么 多少 哪些 如何 请问 一下 还 又 没 没有 不 很 太 已经 现在 今天 昨天 "
    "还是 但是 而且 因为 所以 如果 到底 真的 一直 时候 有 被 让 给 把 对 说 问 看 想 去 来 过 着 吧 "
    "你好 谢谢 请 帮 帮我 银行 贵行".split()
)


def words(text: str, lang: Lang) -> list[str]:
    """The words a topic may be named by: no stopwords, no masked data, Chinese as jieba words."""
    text = _MASKED.sub(" ", text)
    if lang == "zh":
        return [
            w
            for run in _CHINESE_RUN.findall(to_simplified(text))
            for w in segment_chinese(run)
            if len(w) > 1 and w not in _CHINESE_STOPWORDS
        ]
    return [
        w
        for w in _ENGLISH_WORD.findall(text.lower())
        if len(w) > 2 and w not in ENGLISH_STOP_WORDS and w not in _MORE_ENGLISH_STOPWORDS
    ]


def without_language(vectors: np.ndarray, langs: Sequence[Lang]) -> np.ndarray:
    """The vectors with each language's mean direction taken out, so topics, not languages, cluster.

    Multilingual embeddings put every Chinese text a little closer to every other Chinese text than
    to its English counterpart; removing the per-language mean (when both languages are present)
    lets a complaint about the app in English join the same complaint in Chinese.
    """
    present = set(langs)
    if len(present) < 2:
        return vectors
    centred = vectors.copy()
    overall = vectors.mean(axis=0)
    for lang in present:
        rows = [i for i, text_lang in enumerate(langs) if text_lang == lang]
        centred[rows] += overall - vectors[rows].mean(axis=0)
    return centred / np.linalg.norm(centred, axis=1, keepdims=True).clip(min=1e-9)


def features(vectors: np.ndarray, texts: Sequence[str], langs: Sequence[Lang]) -> np.ndarray:
    """What topics are clustered on: the embeddings (language direction out) beside the texts' words.

    Words (TF-IDF reduced to 100 latent dimensions) carry what a complaint is literally about ("credit
    report", "年费"); the embedding links paraphrases and the two languages. On the CFPB narratives
    the pair beat either alone (evals/README.md).
    """
    centred = without_language(vectors, langs)
    tokens = [words(text, lang) for text, lang in zip(texts, langs, strict=True)]
    try:
        weights = TfidfVectorizer(analyzer=lambda t: t, min_df=2, sublinear_tf=True).fit_transform(tokens)
    except ValueError:  # no word said twice: the embeddings alone
        return centred
    dims = min(100, weights.shape[1] - 1, len(texts) - 1)
    if dims < 2:
        return centred
    latent = TruncatedSVD(dims, random_state=7).fit_transform(weights)
    latent /= np.linalg.norm(latent, axis=1, keepdims=True).clip(min=1e-9)
    both = np.hstack([centred, latent])
    return both / np.linalg.norm(both, axis=1, keepdims=True).clip(min=1e-9)


def cluster_by_language(centred: np.ndarray, texts: Sequence[str], langs: Sequence[Lang]) -> list[int]:
    """Topics over messages in both languages: clustered per language, then joined across languages.

    Words split languages (no English word is a Chinese word), so each language is clustered on its
    embeddings and words; then topics of different languages whose centres are close join (and so
    two Chinese halves of one English topic join each other through it). ``centred`` are the
    embeddings with each language's direction already taken out (`without_language`).
    """
    groups: list[tuple[Lang, list[int]]] = []
    for lang in sorted(set(langs)):
        rows = [i for i, text_lang in enumerate(langs) if text_lang == lang]
        local = cluster(features(centred[rows], [texts[i] for i in rows], [lang] * len(rows)))
        groups += [
            (lang, [rows[j] for j, t in enumerate(local) if t == topic]) for topic in sorted(set(local))
        ]
    # Centres measured from the middle of all messages: what sets a topic apart, not what all share.
    spread = centred - centred.mean(axis=0)
    centres = np.array([spread[members].mean(axis=0) for _, members in groups])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True).clip(min=1e-9)
    similarity = centres @ centres.T
    root = list(range(len(groups)))

    def find(g: int) -> int:
        while root[g] != g:
            g = root[g]
        return g

    for g, (lang, _) in enumerate(groups):
        for h, (other, _) in enumerate(groups):
            if other != lang and similarity[g, h] >= _JOIN_SIMILARITY:
                root[find(max(g, h))] = find(min(g, h))
    topics: dict[int, list[int]] = {}
    for g, (_, members) in enumerate(groups):
        topics.setdefault(find(g), []).extend(members)
    assignment = [0] * len(texts)
    for number, members in enumerate(sorted(topics.values(), key=len, reverse=True)):
        for i in members:
            assignment[i] = number
    return assignment


# Topics of two languages are one when their centres are at least this similar. On our seeded
# complaints and questions, centres of the same subject scored 0.40-0.64 and of different ones <= 0.32.
_JOIN_SIMILARITY = 0.35


def cluster(vectors: np.ndarray, max_topics: int = 12, seed: int = 7) -> list[int]:
    """A topic number per vector, biggest topic first.

    The number of topics is the one with the best silhouette among those whose every topic holds at
    least 1% of the messages (and at least three): without that floor, repeated messages ("the app
    won't open", twice) win as topics of two.
    """
    n = len(vectors)
    min_size = max(3, round(0.01 * n))
    if n < 2 * min_size:
        return [0] * n
    best: tuple[float, np.ndarray] | None = None
    for k in range(2, min(max_topics, n // min_size) + 1):
        assignment = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(vectors)
        if min(Counter(assignment.tolist()).values()) < min_size:
            continue
        score = float(
            silhouette_score(
                vectors, assignment, metric="cosine", sample_size=min(n, 2000), random_state=seed
            )
        )
        if best is None or score > best[0]:
            best = (score, assignment)
    if best is None:
        return [0] * n
    order = {old: new for new, (old, _) in enumerate(Counter(best[1].tolist()).most_common())}
    return [order[int(a)] for a in best[1]]


def topic_terms(
    texts: Sequence[str], langs: Sequence[Lang], topics: Sequence[int], top: int = 5
) -> dict[int, dict[Lang, list[str]]]:
    """Each topic's most distinctive words per language (c-TF-IDF), best first."""
    named: dict[int, dict[Lang, list[str]]] = {t: {"en": [], "zh": []} for t in set(topics) if t >= 0}
    for lang in ("en", "zh"):
        counts: dict[int, Counter[str]] = {t: Counter() for t in named}
        for text, text_lang, topic in zip(texts, langs, topics, strict=True):
            if topic >= 0 and text_lang == lang:
                # A word counts once per message: one customer repeating a word is not a topic.
                counts[topic].update(set(words(text, lang)))
        for topic, terms in _distinctive(counts, top).items():
            named[topic][lang] = terms
    return named


def _distinctive(counts: dict[int, Counter[str]], top: int) -> dict[int, list[str]]:
    populated = {t: c for t, c in counts.items() if c}
    if not populated:
        return {}
    everywhere: Counter[str] = Counter()
    for c in populated.values():
        everywhere.update(c)
    average_words = sum(everywhere.values()) / len(populated)
    ranked = {}
    for topic, c in populated.items():
        total = sum(c.values())
        scores = {
            word: (n / total) * math.log(1 + average_words / everywhere[word])
            for word, n in c.items()
            if n >= 2 or total < 20  # a word said once in a big topic is an accident, not its name
        }
        ranked[topic] = [w for w, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]
    return ranked


def representatives(vectors: np.ndarray, members: Sequence[int], count: int = 3) -> list[int]:
    """The members nearest their topic's centre: the messages that show what the topic is."""
    if not members:
        return []
    chosen = vectors[list(members)]
    centre = chosen.mean(axis=0)
    order = np.argsort(-(chosen @ centre))
    return [members[i] for i in order[:count]]
