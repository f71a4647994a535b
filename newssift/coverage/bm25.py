"""Okapi BM25 over a sparse term-document matrix: one sparse product scores every document,
so a query over a million fact-checks takes milliseconds."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
from scipy import sparse

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset("""a an and are as at be been being but by can could did do does for from had has
have he her him his how i if in into is it its me my no not of on or our out over she so than that
the their them then there these they this those to too up us was we were what when where which who
whom why will with would you your about after all also am any because before both during each few
further here just more most much only other own same should some such through under until very
while s t says said say just""".split())


def tokens(text: str) -> list[str]:
    """Lower-cased words without stop words; a trailing plural "s" is dropped so that
    "vaccines" meets "vaccine" (a crude stemmer, but it costs nothing)."""
    out = []
    for tok in _TOKEN.findall((text or "").lower().replace("’", "'")):
        tok = tok.split("'")[0]
        if tok in STOPWORDS or not tok:
            continue
        if len(tok) > 4 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]
        out.append(tok)
    return out


class BM25:
    def __init__(self, texts: list[str], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        lengths = np.zeros(len(texts), dtype=np.float32)
        for d, text in enumerate(texts):
            counts = Counter(tokens(text))
            lengths[d] = sum(counts.values())
            for tok, c in counts.items():
                t = self.vocab.setdefault(tok, len(self.vocab))
                rows.append(d)
                cols.append(t)
                vals.append(c)
        tf = sparse.csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)),
                               shape=(len(texts), max(1, len(self.vocab))))
        df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=tf.shape[1]).astype(np.float32)
        n = max(1, len(texts))
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        avgdl = float(lengths.mean()) if len(texts) else 1.0
        norm = k1 * (1 - b + b * lengths / max(avgdl, 1e-6))
        tf = tf.tocoo()
        weights = tf.data * (k1 + 1) / (tf.data + norm[tf.row]) * self.idf[tf.col]
        # stored term-major so that a query reads only its terms' rows
        self.matrix = sparse.csr_matrix((weights.astype(np.float32), (tf.col, tf.row)),
                                        shape=(tf.shape[1], tf.shape[0]))
        self.n_docs = len(texts)

    def query_vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(t for t in tokens(text) if t in self.vocab)
        ids = np.fromiter((self.vocab[t] for t in counts), dtype=np.int64, count=len(counts))
        return ids, np.fromiter(counts.values(), dtype=np.float32, count=len(counts))

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of every document for the query (term repeats in the query count)."""
        ids, weights = self.query_vector(text)
        if len(ids) == 0:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self.matrix[ids].T @ weights).ravel()

    def top(self, text: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        s = self.scores(text)
        k = min(k, len(s))
        if k == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.argpartition(-s, k - 1)[:k]
        idx = idx[np.argsort(-s[idx], kind="stable")]
        return idx, s[idx]
