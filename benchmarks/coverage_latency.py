"""Per-query time of claim matching after the query is embedded (candidates from BM25 and the
exact dense matrix, features, re-ranker), for one or more matcher artefacts on the same
queries: the dev queries of 2022-2A and 2021-2B. Embeddings come from the cache folder.

    OMP_NUM_THREADS=1 python benchmarks/coverage_latency.py --cache DIR A/matcher.json B/matcher.json
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np


def main() -> None:
    from newssift.coverage.embedding import CachedEmbedder, training_embedder
    from newssift.coverage.experiments import politifact_task, snopes_task
    from newssift.coverage.model import MatchModel
    from newssift.coverage.train import Prepared

    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("models", type=Path, nargs="+")
    a = ap.parse_args()
    embedder = CachedEmbedder(training_embedder(), a.cache)
    models = [MatchModel.load(p) for p in a.models]
    preps = [Prepared(snopes_task(None), embedder, models[0]), Prepared(politifact_task(None), embedder, models[0])]
    for path, model in zip(a.models, models):
        runs, score_s, batch_s, n = [], 0.0, 0.0, 0
        for p in preps:
            p.matcher.model = model
        for _ in range(a.repeat):
            total = 0.0
            for p in preps:
                queries, _ = p.task.split("dev")
                qids = list(queries)
                qv = np.stack([p.qvec[q] for q in qids])
                cv = np.stack([p.cvec[q] for q in qids])
                t0 = time.perf_counter()
                ranked = p.matcher.rank_many(queries, k=5, meta=p.task.meta, qvecs=qv, cvecs=cv, with_features=True)
                total += time.perf_counter() - t0
                if not runs:
                    n += len(qids)
                    feats = [f for _hits, _cand, f in ranked.values()]
                    t1 = time.perf_counter()
                    for f in feats:
                        model.score(f, "reranked")
                    score_s += time.perf_counter() - t1
                    # as the analysis head scores: every claim's candidates in one call
                    t1 = time.perf_counter()
                    model.score(np.concatenate(feats), "reranked")
                    batch_s += time.perf_counter() - t1
            runs.append(total)
        best = min(runs)
        print(f"{path}: {n} queries, {1000 * best / n:.1f} ms per query (best of {a.repeat}); "
              f"re-ranker scoring alone {1000 * score_s / n:.2f} ms per query, "
              f"{1000 * batch_s / n:.3f} ms per query when all are scored in one call")


if __name__ == "__main__":
    main()
