"""Hyperpartisan experiments: more blocks beside the shipped stack, and the baselines on the same folds.

Blocks (added to the repeated-CV harness, `hyperpartisan_repeated_cv.py`; same 50 folds):
- `mil_<agg>_c<C>`: sentence-level logistic regression on the encoder's sentence embeddings (the mean
  of each sentence's final-layer token states), every sentence carrying its article's label, each
  article weighted once; the article's score aggregates its sentences' log-odds (`mean`, `topk`: the
  mean of the 5 highest, `meantop`: half of each);
- `nb_c<C>`: NB-LR on the words: binary 1-2-gram counts scaled by the naive-Bayes log-count ratio
  fitted on the training part, l2, logistic regression;
- `l<pool>_s<C>` / `f<pool>_s<C>`: the encoder's lower-layer (`l`, states after layer 3, below the
  adapted layers) or final (`f`) token states over the whole article, pooled by `max`, `mean` or `std`,
  standardised, logistic regression.

Sub-commands:
    python benchmarks/hyperpartisan_more_blocks.py baselines        # plain TF-IDF LR, balanced accuracy too
    python benchmarks/hyperpartisan_more_blocks.py alone lmax_s0.01 lmean_s0.01 ...
    python benchmarks/hyperpartisan_more_blocks.py add linkstats+lmax_s0.03 linkstats+nb_c10 ...
    python benchmarks/hyperpartisan_more_blocks.py lower           # the lower-layer block: stacks, nested C
(with HP_CACHE, HP_PROPAGANDA=f76023ba827b4171 and HP_SEED0 / HP_GROUPED as for the other scripts; the
states come from `hyperpartisan_token_probs.py`: `states-<fp>.npz`, `lower-<fp>.npz`).
"""
import os
import sys
from collections import Counter

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

import hyperpartisan_links_cv as L
import hyperpartisan_repeated_cv as H

SHIPPED = ["words_c30", "encoder", "tf_share3", "style"]


# -- sentence-level MIL on the encoder's sentence embeddings --------------------------------------
def sentence_embeddings():
    path = f"{H.CACHE}/sentemb.npz"
    if os.path.exists(path):
        z = np.load(path)
        return z["emb"], z["doc"]
    from newssift.nlp import regex_sentences
    docs, _ = H.states()
    embs, owner = [], []
    for i, ((off, st), a) in enumerate(zip(docs, H.ARTS)):
        got = 0
        for s, e in regex_sentences(a.text):
            if len(a.text[s:e].split()) < 4:
                continue
            inside = (off[:, 0] >= s) & (off[:, 1] <= e) & (off[:, 1] > off[:, 0])
            if inside.sum() < 3:
                continue
            embs.append(H._l2(st[inside].mean(0)))
            owner.append(i)
            got += 1
        if not got and len(off):
            embs.append(H._l2(st.mean(0)))
            owner.append(i)
    emb, doc = np.stack(embs).astype(np.float32), np.array(owner)
    np.savez(path, emb=emb, doc=doc)
    return emb, doc


class SentenceMIL(BaseEstimator, ClassifierMixin):
    """X: article indices (n, 1). Sentences carry their article's label, weighted so that each article
    counts once and the classes balance; the article's score aggregates its sentences' log-odds."""

    def __init__(self, C=1.0, agg="mean", k=5):
        self.C, self.agg, self.k = C, agg, k

    def _rows(self, idx):
        _, doc = sentence_embeddings()
        return [np.where(doc == i)[0] for i in idx]

    def fit(self, X, y):
        emb, _ = sentence_embeddings()
        rows = self._rows(X[:, 0].astype(int))
        R = np.concatenate(rows)
        yr = np.concatenate([[v] * len(r) for v, r in zip(y, rows)])
        w = np.concatenate([[1.0 / len(r)] * len(r) for r in rows])
        pos = y.mean()
        w = w * np.where(yr, 0.5 / pos, 0.5 / (1 - pos))
        self.model_ = LogisticRegression(C=self.C, max_iter=3000).fit(emb[R], yr, sample_weight=w * len(rows) / w.sum())
        self.classes_ = np.array([False, True])
        return self

    def predict_proba(self, X):
        emb, _ = sentence_embeddings()
        out = []
        for r in self._rows(X[:, 0].astype(int)):
            z = self.model_.decision_function(emb[r])
            top = np.sort(z)[-self.k:].mean()
            out.append({"mean": z.mean(), "topk": top, "meantop": 0.5 * z.mean() + 0.5 * top}[self.agg])
        p = 1 / (1 + np.exp(-np.array(out)))  # the stack's combiner recalibrates
        return np.column_stack([1 - p, p])


# -- NB-LR on the words ---------------------------------------------------------------------------
def nb_block(C):
    def spec(train):
        counts = H.counts("words")
        df = np.asarray((counts[train] > 0).sum(0)).ravel()
        X = counts[:, np.where(df >= 2)[0]].tocsr(copy=True)
        X.data[:] = 1
        y = H.Y[train]
        p = np.asarray(X[train][y].sum(0)).ravel() + 1
        q = np.asarray(X[train][~y].sum(0)).ravel() + 1
        r = np.log((p / p.sum()) / (q / q.sum()))
        return normalize(X @ sparse.diags(r)).tocsr(), lambda: H.lr(C)
    return lambda: spec


# -- pooled token states over the whole article ---------------------------------------------------
def pooled_states():
    path = f"{H.CACHE}/statepool.npz"
    if not os.path.exists(path):
        low = np.load(f"{H.CACHE}/lower-{H.FP}.npz")
        fin = np.load(f"{H.CACHE}/states-{H.FP}.npz")["states"]
        bounds = np.concatenate([[0], np.cumsum(low["counts"])])
        lower = low["lower"]
        out = {k: [] for k in ("lmax", "lmean", "lstd", "fmax", "fmean", "fstd")}
        for i in range(H.N):
            for prefix, states in (("l", lower), ("f", fin)):
                x = states[bounds[i]:bounds[i + 1]].astype(np.float32)
                out[prefix + "max"].append(x.max(0))
                out[prefix + "mean"].append(x.mean(0))
                out[prefix + "std"].append(x.std(0))
        np.savez(path, **{k: np.stack(v) for k, v in out.items()})
    return dict(np.load(path))


_blocks = H.blocks


def blocks():
    B = _blocks()
    index = np.arange(H.N, dtype=float)[:, None]
    scaled = lambda C: (lambda: H.make_pipeline(H.StandardScaler(), H.lr(C)))  # noqa: E731
    for C in (0.1, 1.0, 10.0):
        for agg in ("mean", "topk", "meantop"):
            B[f"mil_{agg}_c{C:g}"] = (lambda C=C, agg=agg: H.dense_block(index, lambda: SentenceMIL(C=C, agg=agg)))
    for C in (1.0, 3.0, 10.0, 30.0, 100.0):
        B[f"nb_c{C:g}"] = nb_block(C)
    for k in ("lmax", "lmean", "lstd", "fmax", "fmean", "fstd"):
        for C in (0.003, 0.01, 0.03, 0.1, 0.3):
            B[f"{k}_s{C:g}"] = (lambda k=k, C=C: H.dense_block(pooled_states()[k], scaled(C)))
    B["lmeanstd_s0.01"] = lambda: H.dense_block(
        np.column_stack([pooled_states()["lmean"], pooled_states()["lstd"]]), scaled(0.01))
    return B


H.blocks = blocks


def baselines():
    """TF-IDF logistic regressions as commonly run (scikit-learn defaults), on the same outer folds."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    for cfg in (dict(), dict(ngram_range=(1, 2), min_df=2, sublinear_tf=True)):
        for weight in (None, "balanced"):
            prob = np.zeros((H.REPEATS, H.N))
            for r, tr, te in H.OUTER:
                m = make_pipeline(TfidfVectorizer(**cfg), LogisticRegression(max_iter=2000, class_weight=weight))
                m.fit([H.TEXTS[i] for i in tr], H.Y[tr])
                prob[r, te] = m.predict_proba([H.TEXTS[i] for i in te])[:, 1]
            acc = np.mean([((prob[r] >= 0.5) == H.Y).mean() for r in range(H.REPEATS)])
            print(f"TF-IDF {cfg or 'defaults'} class_weight={weight}: accuracy {acc:.3f} balanced {H.balanced(prob):.3f}",
                  flush=True)
    words = H.stack(["words"])
    print(f"harness words block (1-2 grams, C 10, threshold through the combiner): accuracy "
          f"{H.summary(words)['acc']:.3f} balanced {H.balanced(words):.3f}", flush=True)


def lower():
    base = SHIPPED + ["linkstats"]
    shipped = H.stack(base)
    L.line("links stack (shipped)", shipped, shipped)
    for C in ("0.01", "0.03", "0.1", "0.3"):
        L.line(f"+ lmax_s{C}", H.stack(base + [f"lmax_s{C}"]), shipped)
    plain = H.stack(SHIPPED)
    L.line("plain text (no links): shipped", plain, plain)
    L.line("plain text + lmax_s0.03", H.stack(SHIPPED + ["lmax_s0.03"]), plain)
    specs = ["+".join(base)] + ["+".join(base + [f"lmax_s{C}"]) for C in ("0.01", "0.03", "0.1", "0.3")]
    prob, choices = H.nested(specs)
    L.line("nested choice among none and C 0.01-0.3", prob, shipped)
    print("  chosen:", dict(Counter(c.split("+")[-1] for c in choices)), flush=True)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "baselines":
        baselines()
    elif command == "alone":
        for name in args:
            prob = H.stack([name])
            print(f"{name:20s} alone: accuracy {H.summary(prob)['acc']:.4f} balanced {H.balanced(prob):.3f}", flush=True)
    elif command == "add":
        L.main(args)
    elif command == "lower":
        lower()
    else:
        raise SystemExit(__doc__)
