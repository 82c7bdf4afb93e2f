"""How well the insight topics match real complaint categories no one here wrote.

Real CFPB complaint narratives (evals/datasets/complaints, public domain) are embedded with the
bundled multilingual embedder and grouped by the product's own `cluster_by_language` (embeddings
beside words, number of topics chosen by silhouette, as in production); the groups are compared with
the product and the issue each consumer chose, by adjusted Rand index (ARI), normalised mutual
information (NMI) and purity. Three references run on the same texts: embeddings alone, k-means on
embeddings told the true number of products, and TF-IDF words alone with the same automatic choice.
Topic names (c-TF-IDF) are printed beside each topic's main product.

    python -m evals.eval_topics [--dataset evals/datasets/complaints/cfpb_sample.jsonl] [--json]
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.progress import track
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from assistant.insight.topics import cluster, cluster_by_language, topic_terms, without_language
from assistant.retrieval.embedder import build_embedder

DATASETS = Path(__file__).parent / "datasets" / "complaints"


def purity(truth: list[str], found: list[int]) -> float:
    """Share of texts whose topic's most common true label is their own."""
    by_topic: dict[int, Counter[str]] = {}
    for label, topic in zip(truth, found, strict=True):
        by_topic.setdefault(topic, Counter())[label] += 1
    return sum(c.most_common(1)[0][1] for c in by_topic.values()) / len(truth)


def scores(truth: list[str], found: list[int]) -> dict[str, float]:
    return {
        "ari": round(adjusted_rand_score(truth, found), 3),
        "nmi": round(normalized_mutual_info_score(truth, found), 3),
        "purity": round(purity(truth, found), 3),
        "topics": len(set(found)),
    }


def embed(texts: list[str], cache: Path) -> np.ndarray:
    """Vectors for the texts, kept in ``cache`` so a second run skips the slow part."""
    if cache.exists():
        return np.load(cache)
    embedder = build_embedder("e5-multilingual")
    batches = [texts[i : i + 16] for i in range(0, len(texts), 16)]
    vectors = np.vstack([embedder.embed_passages(b) for b in track(batches, description="embedding")])
    np.save(cache, vectors)
    return vectors


def main(
    dataset: Annotated[Path, typer.Option(help="JSONL with text, product, issue.")] = DATASETS
    / "cfpb_sample.jsonl",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    rows = [json.loads(line) for line in dataset.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [r["text"] for r in rows]
    digest = hashlib.sha256(dataset.read_bytes()).hexdigest()[:12]
    vectors = embed(texts, Path("/tmp") / f"eval-topics-{digest}.npy")
    products = [r["product"] for r in rows]
    issues = [r.get("issue") or r["product"] for r in rows]

    ours = cluster_by_language(without_language(vectors, ["en"] * len(texts)), texts, ["en"] * len(texts))
    embeddings_only = cluster(vectors)
    oracle_k = KMeans(n_clusters=len(set(products)), n_init=4, random_state=7).fit_predict(vectors).tolist()
    words = TfidfVectorizer(max_features=20000, stop_words="english", min_df=2, sublinear_tf=True)
    lexical = words.fit_transform(texts)
    lexical_dense = np.asarray(lexical.todense(), dtype=np.float32)
    lexical_dense /= np.linalg.norm(lexical_dense, axis=1, keepdims=True).clip(min=1e-9)
    lexical_topics = cluster(lexical_dense)
    report: dict[str, Any] = {
        "dataset": str(dataset),
        "texts": len(rows),
        "products": len(set(products)),
        "issues": len(set(issues)),
        "ours_vs_product": scores(products, ours),
        "ours_vs_issue": scores(issues, ours),
        "embeddings_only_vs_product": scores(products, embeddings_only),
        "kmeans_true_k_vs_product": scores(products, oracle_k),
        "tfidf_words_vs_product": scores(products, lexical_topics),
    }
    names = topic_terms(texts, ["en"] * len(texts), ours)
    report["topics"] = [
        {
            "topic": topic,
            "size": sum(1 for t in ours if t == topic),
            "name": " · ".join(names[topic]["en"][:4]),
            "main_product": Counter(p for p, t in zip(products, ours, strict=True) if t == topic).most_common(
                1
            )[0],
            "main_issue": Counter(i for i, t in zip(issues, ours, strict=True) if t == topic).most_common(1)[
                0
            ],
        }
        for topic in sorted(names)
    ]
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    typer.echo(f"{report['texts']} texts, {report['products']} products, {report['issues']} issues")
    for key in [k for k in report if k.endswith("_vs_product") or k.endswith("_vs_issue")]:
        typer.echo(f"  {key:<26} {report[key]}")
    for topic in report["topics"]:
        product, n = topic["main_product"]
        typer.echo(f"  {topic['topic']:>2} {topic['size']:>4}  {topic['name']:<45} {product} ({n})")


if __name__ == "__main__":
    typer.run(main)
