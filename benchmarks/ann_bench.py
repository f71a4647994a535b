"""ANN index benchmark for the fact-check store: build time, query latency (p50/p99), memory
and recall@10 at N synthetic 384-d entries, with the parameters newssift uses (hnswlib,
inner product, M=16, ef_construction=100, ef=96).

Synthetic vectors mimic sentence embeddings: 2,000 topic centres plus variation within a
48-dimensional subspace (sentence embeddings have a low intrinsic dimension; isotropic noise in
all 384 dimensions would make every neighbour equally far, an unrealistically hard case),
L2-normalised. recall@10 is measured against exact search.

    nice -n 10 python benchmarks/ann_bench.py --n 1000000 --threads 1
    nice -n 10 python benchmarks/ann_bench.py --n 100000 --m 32 --ef 96,200,400,800   # an ef sweep

Not part of the test suite."""

from __future__ import annotations

import argparse
import json
import os
import resource
import time

import numpy as np


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic(n: int, dim: int, seed: int, centres: int = 2000, intrinsic: int = 48,
              chunk: int = 100_000) -> np.ndarray:
    shared = np.random.default_rng(12345)  # the same topics and subspace for data and queries
    c = shared.standard_normal((centres, dim)).astype(np.float32)
    basis = shared.standard_normal((intrinsic, dim)).astype(np.float32)
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    for i in range(0, n, chunk):
        m = min(chunk, n - i)
        v = c[rng.integers(0, centres, m)] + 1.2 * rng.standard_normal((m, intrinsic)).astype(np.float32) @ basis
        out[i:i + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=100)
    ap.add_argument("--ef", default="96", help="ef at query time; a comma-separated list sweeps it on the same index")
    ap.add_argument("--k", type=int, default=30)
    args = ap.parse_args()

    import hnswlib

    base_rss = rss_mib()
    data = synthetic(args.n, args.dim, 0)
    queries = synthetic(args.queries, args.dim, 1)
    data_rss = rss_mib()

    index = hnswlib.Index(space="ip", dim=args.dim)
    index.init_index(max_elements=args.n, ef_construction=args.ef_construction, M=args.m)
    index.set_num_threads(args.threads)
    t = time.perf_counter()
    index.add_items(data, np.arange(args.n))
    build_s = time.perf_counter() - t
    index_rss = rss_mib() - data_rss  # what the index itself holds (it copies the vectors)

    path = f"/tmp/ann_bench_{os.getpid()}.bin"
    index.save_index(path)
    file_mib = os.path.getsize(path) / 2**20
    os.remove(path)
    # recall@10 against exact search, on the first 200 queries
    sample = queries[:200]
    exact = np.argsort(-(data @ sample.T), axis=0)[:10].T
    for ef in (int(x) for x in str(args.ef).split(",")):
        index.set_ef(ef)
        index.set_num_threads(1)
        lat = []
        found = []
        for q in queries:
            t = time.perf_counter()
            labels, _ = index.knn_query(q.reshape(1, -1), k=args.k)
            lat.append((time.perf_counter() - t) * 1000)
            found.append(labels[0])
        lat = np.asarray(lat)
        recall = float(np.mean([len(set(found[i][:10]) & set(exact[i])) / 10 for i in range(len(sample))]))
        print(json.dumps({
            "n": args.n, "dim": args.dim, "M": args.m, "ef_construction": args.ef_construction, "ef": ef,
            "k": args.k, "build_threads": args.threads, "build_s": round(build_s, 1),
            "build_per_s": round(args.n / build_s),
            "query_ms_p50": round(float(np.percentile(lat, 50)), 3),
            "query_ms_p99": round(float(np.percentile(lat, 99)), 3),
            "recall_at_10": round(recall, 4),
            "index_rss_mib": round(index_rss), "index_file_mib": round(file_mib),
            "vectors_rss_mib": round(data_rss - base_rss),
        }), flush=True)


if __name__ == "__main__":
    main()
