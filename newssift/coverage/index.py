"""The search indexes over the fact-check store, persisted under the cache folder:
an HNSW index of the fact-checks' embeddings (hnswlib, inner product on L2-normalised
vectors) and a BM25 matrix. Both are keyed by the database, the encoder's fingerprint and the
store's state, and are brought up to date on first use after an import (new rows are added;
a store that lost rows is re-indexed)."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
from pathlib import Path
from typing import Callable

import numpy as np

from newssift import settings
from newssift.coverage import store
from newssift.coverage.bm25 import BM25
from newssift.coverage.checkthat import collection_text
from newssift.coverage.features import day_number, speaker_key
from newssift.db import normalise_url

HNSW_M = 32  # with ef 200: recall@10 0.914 at 1M synthetic entries, 0.987 at 100k (benchmarks/coverage.md)
HNSW_EF_CONSTRUCTION = 100
HNSW_EF_SEARCH = 200
EMBED_BATCH = 2048


def index_dir(db_url: str | None, fingerprint: str) -> Path:
    db_key = hashlib.sha256(normalise_url(db_url).encode("utf-8")).hexdigest()[:12]
    fp_key = hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()[:12]
    path = settings.cache_dir() / "coverage-index" / f"{db_key}-{fp_key}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _log(progress: Callable[[str], None] | None, msg: str) -> None:
    (progress or (lambda m: print(m, file=sys.stderr)))(msg)


class FactcheckIndex:
    def __init__(self, folder: Path, dim: int):
        import hnswlib

        self.folder = folder
        self.dim = dim
        self.hnsw = hnswlib.Index(space="ip", dim=dim)
        self.ids = np.zeros(0, dtype=np.int64)  # BM25 row -> store id
        self.row_texts: list[str] = []
        self.row_speakers: list = []  # surname keys (features.speaker_key)
        self.row_days: list = []  # day numbers (features.day_number)
        self.row_titles: list | None = []  # headlines (features.split_text); None: an index saved without them
        self.bm25: BM25 | None = None
        self.meta: dict = {}

    @property
    def size(self) -> int:
        return int(len(self.ids))

    # -- queries
    def dense_candidates(self, qvec: np.ndarray, k: int) -> np.ndarray:
        k = min(k, self.size)
        if k == 0:
            return np.zeros(0, dtype=np.int64)
        self.hnsw.set_ef(max(HNSW_EF_SEARCH, 2 * k))
        labels, _ = self.hnsw.knn_query(qvec.reshape(1, -1).astype(np.float32), k=k)
        return labels[0].astype(np.int64)

    def sparse_candidates(self, text: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        rows, scores = self.bm25.top(text, k)
        keep = scores > 0
        return self.ids[rows[keep]], scores[keep]

    def _rows(self, fids: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.ids, fids)  # ids are sorted: store ids grow

    def bm25_scores(self, text: str, fids: np.ndarray) -> np.ndarray:
        ids, weights = self.bm25.query_vector(text)
        if len(ids) == 0:
            return np.zeros(len(fids), dtype=np.float32)
        sub = self.bm25.matrix[ids][:, self._rows(fids)]
        return np.asarray(sub.T @ weights).ravel().astype(np.float32)

    def vectors(self, fids: np.ndarray) -> np.ndarray:
        if len(fids) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self.hnsw.get_items(fids.tolist()), dtype=np.float32)

    def texts(self, fids: np.ndarray) -> list[str]:
        return [self.row_texts[r] for r in self._rows(fids)]

    def titles(self, fids: np.ndarray) -> list:
        titles = self.row_titles or []
        return [titles[r] if r < len(titles) else None for r in self._rows(fids)]

    def speakers_days(self, fids: np.ndarray) -> tuple[list, list]:
        rows = self._rows(fids)
        return [self.row_speakers[r] for r in rows], [self.row_days[r] for r in rows]

    # -- persistence
    def save(self) -> None:
        tmp = self.folder / f"hnsw.{os.getpid()}.tmp"
        self.hnsw.save_index(str(tmp))
        os.replace(tmp, self.folder / "hnsw.bin")
        tmp = self.folder / f"lexical.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            pickle.dump({"ids": self.ids, "texts": self.row_texts, "bm25": self.bm25,
                         "speakers": self.row_speakers, "days": self.row_days, "titles": self.row_titles},
                        fh, protocol=5)
        os.replace(tmp, self.folder / "lexical.pkl")
        (self.folder / "meta.json").write_text(json.dumps(self.meta), encoding="utf-8")

    @classmethod
    def open(cls, folder: Path, dim: int) -> "FactcheckIndex | None":
        meta_path = folder / "meta.json"
        if not meta_path.exists():
            return None
        idx = cls(folder, dim)
        try:
            idx.meta = json.loads(meta_path.read_text(encoding="utf-8"))
            idx.hnsw.load_index(str(folder / "hnsw.bin"), max_elements=int(idx.meta["capacity"]))
            with open(folder / "lexical.pkl", "rb") as fh:
                lex = pickle.load(fh)  # our own cache file, written by save() above
            idx.ids, idx.row_texts, idx.bm25 = lex["ids"], lex["texts"], lex["bm25"]
            idx.row_speakers, idx.row_days = lex["speakers"], lex["days"]
            idx.row_titles = lex.get("titles")
        except (OSError, KeyError, ValueError, RuntimeError, pickle.UnpicklingError):
            return None
        return idx


def ensure_index(db_url: str | None = None, embedder=None, progress: Callable[[str], None] | None = None) -> FactcheckIndex:
    """The up-to-date index of the store (built or extended now if needed)."""
    if embedder is None:
        from newssift.coverage.embedding import matching_embedder

        embedder = matching_embedder()
    folder = index_dir(db_url, embedder.fingerprint)
    n, top = store.state(db_url)
    idx = FactcheckIndex.open(folder, embedder.dim)
    if idx is not None and idx.row_titles is None and idx.meta.get("fingerprint") == embedder.fingerprint:
        # an index saved before it kept the headlines (a re-ranker feature): read them from the
        # store, no re-embedding
        titles = {row[0]: row[2] for batch in store.iter_claims(0, db_url, batch=EMBED_BATCH) for row in batch}
        idx.row_titles = [titles.get(int(i)) for i in idx.ids]
        if idx.meta.get("state") == [n, top]:
            idx.save()
    if idx is not None and idx.meta.get("state") == [n, top] and idx.meta.get("fingerprint") == embedder.fingerprint:
        return idx
    after = 0
    if idx is not None and idx.meta.get("fingerprint") == embedder.fingerprint:
        old_n, old_top = idx.meta.get("state", [0, 0])
        if old_n <= n and old_top <= top and idx.size == old_n:
            # rows were only added (ids grow), unless some were also deleted: then count says so
            added_count = sum(len(b) for b in store.iter_claims(old_top, db_url))
            if old_n + added_count == n:
                after = old_top
    if after == 0:
        idx = FactcheckIndex(folder, embedder.dim)
        capacity = max(1024, int(n * 1.2))
        idx.hnsw.init_index(max_elements=capacity, ef_construction=HNSW_EF_CONSTRUCTION, M=HNSW_M)
        idx.meta = {"capacity": capacity}
        _log(progress, f"indexing {n} fact-checks for search (once per encoder)")
    else:
        _log(progress, f"adding {n - idx.size} new fact-checks to the search index")
    new_ids, new_texts = [], []
    for batch in store.iter_claims(after, db_url, batch=EMBED_BATCH):
        ids = np.asarray([row[0] for row in batch], dtype=np.int64)
        texts = [collection_text({"vclaim": row[1], "title": row[2]}) for row in batch]
        idx.row_speakers.extend(speaker_key(row[3]) for row in batch)
        idx.row_days.extend(day_number(row[4]) for row in batch)
        idx.row_titles.extend(row[2] for row in batch)
        vecs = embedder.embed(texts)
        if idx.size + len(new_ids) + len(ids) > idx.meta["capacity"]:
            idx.meta["capacity"] = int((idx.size + len(new_ids) + len(ids)) * 1.5)
            idx.hnsw.resize_index(idx.meta["capacity"])
        idx.hnsw.add_items(vecs, ids)
        new_ids.append(ids)
        new_texts.extend(texts)
    if new_ids:
        idx.ids = np.concatenate([idx.ids, *new_ids])
        idx.row_texts = list(idx.row_texts) + new_texts
    idx.bm25 = BM25(idx.row_texts)
    idx.meta.update({"state": [n, top], "fingerprint": embedder.fingerprint, "size": idx.size})
    idx.save()
    return idx


def load_index(db_url: str | None, embedder) -> FactcheckIndex:
    return ensure_index(db_url, embedder)
