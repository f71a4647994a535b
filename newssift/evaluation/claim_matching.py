"""Claim matching, CheckThat! style: rank a collection of verified claims for each query.

``evaluate(queries, qrels, collection)`` builds an in-memory index from the collection file
alone (no store needed) and prints MAP@5 (the CheckThat! definition), MRR, recall@1, recall@5.
"""

from __future__ import annotations

import sys
from pathlib import Path


def average_precision_at_k(ranked: list[str], relevant: set[str], k: int = 5) -> float:
    """CheckThat! AP@k: precision at each relevant rank within the top k, summed, divided by
    min(number relevant, k)."""
    if not relevant:
        return 0.0
    hits, total = 0, 0.0
    for rank, doc in enumerate(ranked[:k], 1):
        if doc in relevant:
            hits += 1
            total += hits / rank
    return total / min(len(relevant), k)


def reciprocal_rank(ranked: list[str], relevant: set[str]) -> float:
    for rank, doc in enumerate(ranked, 1):
        if doc in relevant:
            return 1.0 / rank
    return 0.0


def recall_at_k(ranked: list[str], relevant: set[str], k: int) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / len(relevant)


def score_rankings(rankings: dict[str, list[str]], qrels: dict[str, set[str]]) -> dict:
    """Metrics averaged over the queries in `qrels` (a query with no ranking scores 0)."""
    n = len(qrels)
    if n == 0:
        return {"map_at_5": 0.0, "mrr": 0.0, "recall_at_1": 0.0, "recall_at_5": 0.0, "queries": 0}
    sums = {"map_at_5": 0.0, "mrr": 0.0, "recall_at_1": 0.0, "recall_at_5": 0.0}
    for qid, relevant in qrels.items():
        ranked = rankings.get(qid, [])
        sums["map_at_5"] += average_precision_at_k(ranked, relevant, 5)
        sums["mrr"] += reciprocal_rank(ranked, relevant)
        sums["recall_at_1"] += recall_at_k(ranked, relevant, 1)
        sums["recall_at_5"] += recall_at_k(ranked, relevant, 5)
    out = {k: round(v / n, 4) for k, v in sums.items()}
    out["queries"] = n
    return out


def evaluate(queries: str | Path, qrels: str | Path, collection: str | Path, method: str = "reranked",
             transcripts: str | Path | None = None) -> dict:
    """Rank `collection` for every query of `queries` that has qrels; score against `qrels`.

    `transcripts`: a folder of debate transcripts (CheckThat! 2021 2B) whose preceding lines
    are used as each query's context; found next to the queries file when not given."""
    from newssift.coverage import checkthat as ct
    from newssift.coverage.match import InMemoryMatcher

    qs = ct.read_queries(queries)
    rels = ct.read_qrels(qrels)
    qs = {q: t for q, t in qs.items() if q in rels}
    texts = {q: ct.clean_tweet(t) or t for q, t in qs.items()}
    tdir = Path(transcripts) if transcripts else Path(queries).parent / "transcripts"
    context = ct.transcript_context(qs, tdir) if tdir.is_dir() else {}
    meta = ct.query_meta(qs, tdir if tdir.is_dir() else None)
    records = ct.read_collection(collection)
    print(f"claim matching: {len(texts)} queries, {len(records)} verified claims, method {method}",
          file=sys.stderr)
    from newssift import settings
    from newssift.coverage.embedding import CachedEmbedder, matching_embedder

    embedder = CachedEmbedder(matching_embedder(), settings.cache_dir() / "coverage-embeddings")
    matcher = InMemoryMatcher.from_records(records, embedder=embedder)
    ranked = matcher.rank_many(texts, context=context, method=method, k=5, meta=meta)
    out = score_rankings({q: [r.record_id for r in hits] for q, hits in ranked.items()}, rels)
    out["method"] = method
    return out
