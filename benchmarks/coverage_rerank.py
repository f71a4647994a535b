"""Re-ranker variants for claim matching, measured on the CheckThat! dev queries.

Stages (each cached under --cache):
  collect  the fusion candidates of every train/dev/dev-test query and of the 400 unmatched
           training sentences, with the shipped features, under a trained matcher (--model)
  tokens   per-token states of the base encoder for every query and candidate text
  fit      extra features (late interaction, lexical) and re-rankers (logistic regression,
           per task, gradient boosting) fitted on the train queries; MAP@5 on dev (dev-test shown)

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/coverage_rerank.py --model M --cache DIR --emb-cache DIR

The figures in benchmarks/coverage.md were measured with the package as of commit 15bc3fb (22
features, its artefact as --model); with the current package the candidates' features already
include the lexical ones (the last seven of `features.FEATURES`), so the "+ lexical" rows here
would count them twice.
"""

from __future__ import annotations

import argparse
import pickle
import re
import sys
import time
from pathlib import Path

import numpy as np


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# -- collect -----------------------------------------------------------------------------------------
def collect(model_path: Path, emb_cache: Path, out: Path) -> dict:
    if out.exists():
        return pickle.loads(out.read_bytes())
    from newssift.coverage.checkthat import collection_text
    from newssift.coverage.embedding import CachedEmbedder, training_embedder
    from newssift.coverage.experiments import politifact_task, snopes_task
    from newssift.coverage.model import MatchModel
    from newssift.coverage.train import Prepared, unmatched_meta, unmatched_sentences

    model = MatchModel.load(model_path)
    embedder = CachedEmbedder(training_embedder(), emb_cache)
    preps = [Prepared(snopes_task(None), embedder, model), Prepared(politifact_task(None), embedder, model)]
    data = {"tasks": {}}
    negs = unmatched_sentences(None, 400, part=1)
    neg_meta = unmatched_meta(None, 400, part=1)
    for p in preps:
        t = p.task
        recs = t.collection
        task = {"claims": [(r.get("vclaim") or "").strip() for r in recs],
                "titles": [(r.get("title") or "").strip() for r in recs],
                "texts": [collection_text(r) for r in recs], "queries": {}, "ids": list(p.matcher.ids)}
        for split in t.qrels:
            ranked, qrels = p.rank(split, "fusion", k=1, with_features=True)
            for q, (_h, cand, feats) in ranked.items():
                labels = np.array([p.matcher.ids[j] in qrels[q] for j in cand], dtype=np.int8)
                task["queries"][q] = {"split": split, "text": t.queries[q], "cand": cand, "feats": feats,
                                      "labels": labels, "meta": t.meta.get(q), "rel": set(qrels[q])}
        neg = {f"neg-{i}": s for i, s in enumerate(negs)}
        vecs = p.matcher.embed(negs)
        ranked = p.matcher.rank_many(neg, method="fusion", k=1, with_features=True, qvecs=vecs, cvecs=vecs,
                                     meta={f"neg-{i}": m for i, m in enumerate(neg_meta)})
        for q, (_h, cand, feats) in ranked.items():
            task["queries"][q] = {"split": "neg", "text": neg[q], "cand": cand, "feats": feats,
                                  "labels": np.zeros(len(cand), dtype=np.int8), "meta": None}
        data["tasks"][t.name] = task
        log(f"{t.name}: {len(task['queries'])} queries")
    out.write_bytes(pickle.dumps(data))
    return data


# -- token states ------------------------------------------------------------------------------------
def token_states(texts: list[str], out: Path) -> dict:
    """text -> (wordpiece ids, L2-normalised final states fp16), special tokens dropped."""
    if out.exists():
        return pickle.loads(out.read_bytes())
    from newssift.coverage.embedding import matching_encoder
    from newssift.models.encoder import CLS_ID, SENTENCE_MAX, SEP_ID

    enc = matching_encoder()
    texts = sorted(set(texts))
    res = {}
    t0 = time.time()
    step = 2000
    for i in range(0, len(texts), step):
        chunk = texts[i:i + step]
        windows, ids_l = [], []
        for e in enc.tokenizer.encode_batch(chunk, add_special_tokens=False):
            ids = e.ids[: SENTENCE_MAX - 2]
            ids_l.append(np.asarray(ids, dtype=np.int32))
            windows.append(np.asarray([CLS_ID, *ids, SEP_ID], dtype=np.int64))
        states = enc.run_windows(windows)
        for t, ids, s in zip(chunk, ids_l, states):
            s = s[1:-1]
            s = s / np.maximum(np.linalg.norm(s, axis=1, keepdims=True), 1e-9)
            res[t] = (ids, s.astype(np.float16))
        log(f"tokens: {i + len(chunk)}/{len(texts)} ({time.time() - t0:.0f}s)")
    out.write_bytes(pickle.dumps(res))
    return res


# -- extra features ----------------------------------------------------------------------------------
_HASH = re.compile(r"[#@](\w+)")
_CAP = re.compile(r"\b[A-Z][a-zA-Z]+")
_NUM = re.compile(r"\d+(?:[.,]\d+)*")
_STOP = set("""a an the and or but of to in on at for with by from as is are was were be been being it its this that
these those he she they we you i his her their our your not no do does did have has had will would can could
should may might must so if than then there here what which who whom whose when where why how all any some
about into over after before up down out just also more most very s t""".split())


def _norm_words(text):
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def _chargrams(text, n=3):
    t = " " + re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]+", " ", text.lower())).strip() + " "
    return {t[i:i + n] for i in range(len(t) - n + 1)}


def maxsim(q, d, w=None):
    """Mean over q's tokens of the best cosine to a token of d (weights w over q's tokens)."""
    if len(q) == 0 or len(d) == 0:
        return 0.0
    m = (q.astype(np.float32) @ d.astype(np.float32).T).max(1)
    if w is None:
        return float(m.mean())
    return float((m * w).sum() / max(w.sum(), 1e-9))


EXTRA = ("ms_q", "ms_d", "ms_q_idf", "ms_d_idf", "ms_q_gap", "ms_q_title", "ms_d_title", "ms_q_claim",
         "ms_q_content", "hash_overlap", "cap_q_claim", "cap_q_title", "num_q", "char3", "char3_title", "char3_gap")
LATE = EXTRA[:9]
LEX = EXTRA[9:]


def extra_features(data: dict, states: dict, vocab_idf: dict) -> None:
    """Adds q['extra'] (n_cand, len(EXTRA)) to every query."""
    for name, task in data["tasks"].items():
        idf = vocab_idf[name]
        t0 = time.time()
        for qid, q in task["queries"].items():
            qi, qs = states[q["text"]]
            content = np.array([any(c.isalnum() for c in tok) and tok not in _STOP
                                for tok in vocab_idf["tokens"](qi)], dtype=bool) if len(qi) else np.zeros(0, bool)
            qw = np.array([idf.get(int(t), idf["_max"]) for t in qi], dtype=np.float32)
            qhash = {h.lower() for h in _HASH.findall(q["text"])}
            qcap = {w.lower() for w in _CAP.findall(q["text"])}
            qnum = {n.replace(",", "") for n in _NUM.findall(q["text"])}
            qgrams = _chargrams(q["text"])
            out = np.zeros((len(q["cand"]), len(EXTRA)), dtype=np.float32)
            for r, j in enumerate(q["cand"]):
                di, ds = states[task["texts"][j]]
                dw = np.array([idf.get(int(t), idf["_max"]) for t in di], dtype=np.float32)
                out[r, 0] = maxsim(qs, ds)
                out[r, 1] = maxsim(ds, qs)
                out[r, 2] = maxsim(qs, ds, qw)
                out[r, 3] = maxsim(ds, qs, dw)
                title, claim = task["titles"][j], task["claims"][j]
                if title:
                    ts = states[title][1]
                    out[r, 5] = maxsim(qs, ts)
                    out[r, 6] = maxsim(ts, qs)
                out[r, 7] = maxsim(qs, states[claim][1]) if claim else 0.0
                out[r, 8] = maxsim(qs[content], ds) if content.any() else out[r, 0]
                full = _norm_words(task["texts"][j])
                out[r, 9] = sum(h in full for h in qhash) / len(qhash) if qhash else 0.0
                ccap = {w.lower() for w in _CAP.findall(claim)}
                tcap = {w.lower() for w in _CAP.findall(title)}
                out[r, 10] = len(qcap & ccap) / len(qcap) if qcap else 0.0
                out[r, 11] = len(qcap & tcap) / len(qcap) if qcap else 0.0
                dnum = {n.replace(",", "") for n in _NUM.findall(task["texts"][j])}
                out[r, 12] = len(qnum & dnum) / len(qnum) if qnum else 0.0
                g = _chargrams(claim or task["texts"][j])
                out[r, 13] = len(qgrams & g) / max(1, len(qgrams | g))
                if title:
                    g = _chargrams(title)
                    out[r, 14] = len(qgrams & g) / max(1, len(qgrams | g))
            if len(out):
                out[:, 4] = out[:, 0] - out[:, 0].max()
                out[:, 15] = out[:, 13] - out[:, 13].max()
            q["extra"] = out
        log(f"{name}: extra features ({time.time() - t0:.0f}s)")


def wordpiece_idf(task: dict, tokenizer) -> dict:
    df = {}
    encs = tokenizer.encode_batch(task["texts"], add_special_tokens=False)
    for e in encs:
        for t in set(e.ids):
            df[t] = df.get(t, 0) + 1
    n = len(encs)
    idf = {t: float(np.log((n + 1) / (c + 1)) + 1) for t, c in df.items()}
    idf["_max"] = float(np.log(n + 1) + 1)
    return idf


# -- fitting -----------------------------------------------------------------------------------------
def matrix(task, split, cols_extra, base_cols=None):
    xs, ys, groups = [], [], []
    for qid, q in task["queries"].items():
        if q["split"] not in split:
            continue
        f = q["feats"] if base_cols is None else q["feats"][:, base_cols]
        if cols_extra:
            f = np.concatenate([f, q["extra"][:, cols_extra]], axis=1)
        xs.append(f)
        ys.append(q["labels"])
        groups.append(qid)
    return xs, ys, groups


def map5(task, split, scorer, cols_extra):
    from newssift.evaluation.claim_matching import score_rankings

    rankings, qrels = {}, {}
    for qid, q in task["queries"].items():
        if q["split"] != split:
            continue
        f = q["feats"]
        if cols_extra:
            f = np.concatenate([f, q["extra"][:, cols_extra]], axis=1)
        s = scorer(f)
        order = np.argsort(-s, kind="stable")[:5]
        rankings[qid] = [task["ids"][q["cand"][i]] for i in order]
        qrels[qid] = q["rel"]
    return score_rankings(rankings, qrels)["map_at_5"]


def fit_lr(x, y, c=1.0):
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(0), x.std(0) + 1e-6
    lr = LogisticRegression(C=c, max_iter=5000).fit((x - mean) / scale, y)
    return lambda f: lr.decision_function((f - mean) / scale)


def fit_hgb(x, y, **kw):
    from sklearn.ensemble import HistGradientBoostingClassifier

    params = dict(max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=40, l2_regularization=1.0,
                  random_state=0)
    params.update(kw)
    m = HistGradientBoostingClassifier(**params).fit(x, y)
    return lambda f: m.predict_proba(f)[:, 1]


def run_fits(data, features_base):
    from newssift.coverage.features import FEATURES

    names = list(data["tasks"])
    idx = {n: i for i, n in enumerate(EXTRA)}
    variants = {
        "shipped features": [],
        "+ ms_q, ms_d": [idx["ms_q"], idx["ms_d"]],
        "+ ms_q, ms_d, ms_q_gap": [idx["ms_q"], idx["ms_d"], idx["ms_q_gap"]],
        "+ idf maxsim": [idx["ms_q_idf"], idx["ms_d_idf"]],
        "+ all maxsim (no title)": [idx[k] for k in ("ms_q", "ms_d", "ms_q_idf", "ms_d_idf", "ms_q_gap", "ms_q_claim",
                                                     "ms_q_content")],
        "+ maxsim title": [idx["ms_q_title"], idx["ms_d_title"]],
        "+ all late": [idx[k] for k in LATE],
        "+ lexical": [idx[k] for k in LEX],
        "+ hashtags": [idx["hash_overlap"]],
        "+ char3": [idx["char3"], idx["char3_title"], idx["char3_gap"]],
        "+ caps/nums query side": [idx["cap_q_claim"], idx["cap_q_title"], idx["num_q"]],
        "+ all late + lexical": list(range(len(EXTRA))),
    }
    rows = []
    for vname, cols in variants.items():
        xs_all, ys_all = [], []
        per_task = {}
        for n in names:
            xs, ys, _ = matrix(data["tasks"][n], ("train", "neg"), cols)
            per_task[n] = (np.concatenate(xs), np.concatenate(ys))
            xs_all.append(per_task[n][0])
            ys_all.append(per_task[n][1])
        x, y = np.concatenate(xs_all), np.concatenate(ys_all)
        fits = {"LR (one)": {n: fit_lr(x, y) for n in names}}
        fits["LR per task"] = {n: fit_lr(*per_task[n]) for n in names}
        if vname in ("shipped features", "+ all late", "+ lexical", "+ all late + lexical", "+ ms_q, ms_d",
                     "+ all maxsim (no title)"):
            hgb = fit_hgb(x, y)
            fits["HGB (one)"] = {n: hgb for n in names}
        for fname, scorers in fits.items():
            r = {"variant": vname, "model": fname}
            for n in names:
                task = data["tasks"][n]
                for split in ("dev", "dev-test"):
                    if any(q["split"] == split for q in task["queries"].values()):
                        r[f"{n}/{split}"] = map5(task, split, scorers[n], cols)
            rows.append(r)
            log(" | ".join(f"{k}: {v:.4f}" if isinstance(v, float) else str(v) for k, v in r.items()))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--emb-cache", type=Path, required=True)
    ap.add_argument("--stage", default="fit")
    a = ap.parse_args()
    a.cache.mkdir(parents=True, exist_ok=True)
    data = collect(a.model, a.emb_cache, a.cache / "candidates.pkl")
    if a.stage == "collect":
        return
    texts = []
    for task in data["tasks"].values():
        used = sorted({int(j) for q in task["queries"].values() for j in q["cand"]})
        texts += [task["texts"][j] for j in used] + [task["titles"][j] for j in used if task["titles"][j]]
        texts += [task["claims"][j] for j in used if task["claims"][j]]
        texts += [q["text"] for q in task["queries"].values()]
    log(f"{len(set(texts))} texts for token states")
    states = token_states(texts, a.cache / "tokens.pkl")
    if a.stage == "tokens":
        return
    from newssift.coverage.embedding import matching_encoder

    tok = matching_encoder().tokenizer
    vocab_idf = {n: wordpiece_idf(t, tok) for n, t in data["tasks"].items()}
    vocab_idf["tokens"] = lambda ids: [tok.id_to_token(int(i)) for i in ids]
    feats_path = a.cache / "extra.pkl"
    if feats_path.exists():
        extra = pickle.loads(feats_path.read_bytes())
        for n, task in data["tasks"].items():
            for qid, q in task["queries"].items():
                q["extra"] = extra[n][qid]
    else:
        extra_features(data, states, vocab_idf)
        feats_path.write_bytes(pickle.dumps({n: {qid: q["extra"] for qid, q in t["queries"].items()}
                                             for n, t in data["tasks"].items()}))
    rows = run_fits(data, None)
    (a.cache / "results.pkl").write_bytes(pickle.dumps(rows))


if __name__ == "__main__":
    main()
