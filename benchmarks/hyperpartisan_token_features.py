"""Hyperpartisan experiments: technique-block variants from the propaganda tagger's cached per-token
probabilities (hyperpartisan_token_probs.py), without encoding again. Each variant is an (articles,
features) matrix saved as techfeat-<digest>-<name>.npy under $HP_CACHE; the repeated-CV harness reads
it as block `tf_<name>` (HP_PROPAGANDA=<digest>).

  decoded spans:   dec_t<threshold>_p<peak>[_nosplit][_nomix]  the technique block's 17 features from spans
                   decoded with these settings (the propaganda head's classifier labels them)
  aggregates:      mean / sentmax / share3 / share5 (per channel: 14 techniques + any), and their unions
  sentence TC:     senttc  per sentence, the classifier's technique probabilities for the sentence as a
                   span, weighted by the sentence's highest "any technique" probability, summed / sentences

    python benchmarks/hyperpartisan_token_features.py [names...]
"""
import json
import os
import sys
from pathlib import Path

import numpy as np

from newssift.models.encoder import EncodedText
from newssift.models.ptc import TECHNIQUES
from newssift.nlp import regex_sentences
from newssift.stop.hyperpartisan_data import read_hyperpartisan
from newssift.stop.propaganda import load_model, span_features, tc_predict
from newssift.stop.technique_density import propaganda_identity, technique_vector

DATA = os.environ.get("NEWSSIFT_DATA", "../shared/data")
CACHE = os.environ.get("HP_CACHE", "/work/cache/hp")
FP = "b64d6ed8655281f0"
# HP_PROPAGANDA_DIR: another propaganda artefact's folder (e.g. an earlier one from git history)
PROP_DIR = os.environ.get("HP_PROPAGANDA_DIR")
DIGEST = os.environ.get("HP_PROPAGANDA") or propaganda_identity(PROP_DIR and Path(PROP_DIR))
ARTS = read_hyperpartisan(DATA + "/hyperpartisan-semeval2019/train")
N = len(ARTS)
SENTS = [regex_sentences(a.text) for a in ARTS]

_Z = {}


def _load():
    if not _Z:
        s = np.load(f"{CACHE}/states-{FP}.npz")
        low = np.load(f"{CACHE}/lower-{FP}.npz")
        pr = np.load(f"{CACHE}/tokprobs-{FP}-{DIGEST}.npz")
        b = np.concatenate([[0], np.cumsum(s["counts"])])
        _Z.update(states=s["states"], offsets=s["offsets"], lower=low["lower"], probs=pr["probs"], bounds=b)
    return _Z


def probs(i):
    z = _load()
    return z["probs"][z["bounds"][i]:z["bounds"][i + 1]]


def encoded(i):
    z = _load()
    a, b = z["bounds"][i], z["bounds"][i + 1]
    return EncodedText(ARTS[i].text, np.zeros(b - a, np.int64), z["offsets"][a:b].astype(np.int64),
                       z["states"][a:b].astype(np.float32), z["lower"][a:b].astype(np.float32))


def token_sentence(i):
    """Per token, the index of its regex sentence (-1 outside any)."""
    off = _load()["offsets"][_load()["bounds"][i]:_load()["bounds"][i + 1]]
    starts = np.array([s for s, _ in SENTS[i]] or [0])
    k = np.searchsorted(starts, off[:, 0], side="right") - 1
    ends = np.array([e for _, e in SENTS[i]] or [0])
    ok = (k >= 0) & (off[:, 0] < ends[np.maximum(k, 0)]) if len(SENTS[i]) else np.zeros(len(off), bool)
    return np.where(ok, k, -1)


def aggregates(i):
    p = probs(i)
    if not len(p):
        return np.zeros(60)
    k = token_sentence(i)
    sentmax = [p[k == j].max(0) for j in np.unique(k[k >= 0])]
    sentmax = np.mean(sentmax, 0) if sentmax else np.zeros(15)
    return np.concatenate([p.mean(0), sentmax, (p >= 0.3).mean(0), (p >= 0.5).mean(0)])


def senttc(i, model):
    p = probs(i)
    enc = encoded(i)
    out = np.zeros(len(TECHNIQUES) * 2)
    sents = [(s, e) for s, e in SENTS[i] if len(enc.tokens_in(s, e))]
    if not sents:
        return out
    feats = np.stack([span_features(enc.text, enc, p, s, e, model.lower) for s, e in sents])
    tc = tc_predict(model.tc, feats)
    w = np.array([p[enc.tokens_in(s, e), -1].max() for s, e in sents])
    n = max(1, len(SENTS[i]))
    # weighted by the sentence's "any" peak; and counted only where it passes 0.5
    return np.concatenate([(tc * w[:, None]).sum(0) / n, (tc * (w >= 0.5)[:, None]).sum(0) / n])


def decoded(i, model, decoding):
    model.decoding = decoding
    p = probs(i)
    model.token_probs = lambda enc, p=p: p
    spans = model.analyse_encoded(encoded(i))
    return technique_vector(ARTS[i].text, SENTS[i], spans), len(spans)


def compute(name):
    path = f"{CACHE}/techfeat-{DIGEST}-{name}.npy"
    if os.path.exists(path):
        return np.load(path)
    model = load_model(Path(PROP_DIR)) if PROP_DIR else load_model()
    if "," in name:
        X = np.column_stack([compute(n) for n in name.split(",")])
    elif name.startswith("dec_"):
        base = dict(model.decoding)
        parts = name.split("_")[1:]
        for part in parts:
            if part[0] == "t":
                base["threshold"] = float(part[1:])
            elif part[0] == "p":
                base["peak"] = float(part[1:])
            elif part == "nosplit":
                base["split_len"] = 0
            elif part == "nomix":
                base["mix"] = 0.0
            elif part[0] == "g":
                base["gap"] = int(part[1:])
        rows = [decoded(i, model, base) for i in range(N)]
        X = np.stack([r[0] for r in rows])
        print(name, base, sum(r[1] for r in rows), "spans", flush=True)
    elif name == "agg":
        X = np.stack([aggregates(i) for i in range(N)])
    elif name in ("mean", "sentmax"):
        k = ("mean", "sentmax", "share3", "share5").index(name)
        X = compute("agg")[:, 15 * k:15 * (k + 1)]
    elif name.startswith("share") and name[5:].isdigit():  # share of tokens at or above 0.<k>
        t = float("0." + name[5:])
        X = np.stack([(probs(i) >= t).mean(0) if len(probs(i)) else np.zeros(15) for i in range(N)])
    elif name == "senttc":
        X = np.stack([senttc(i, model) for i in range(N)])
    else:
        raise SystemExit(f"unknown variant {name}")
    np.save(path, X)
    return X


def tagger_probs():
    """With HP_PROPAGANDA_DIR: that artefact's tagger run on the cached states (float16), and its spans."""
    model = load_model(Path(PROP_DIR))
    z = np.load(f"{CACHE}/states-{FP}.npz")
    b = np.concatenate([[0], np.cumsum(z["counts"])])
    low = np.load(f"{CACHE}/lower-{FP}.npz")["lower"]
    out, spans = [], []
    for i in range(N):
        enc = EncodedText(ARTS[i].text, np.zeros(b[i + 1] - b[i], np.int64), z["offsets"][b[i]:b[i + 1]].astype(np.int64),
                          z["states"][b[i]:b[i + 1]].astype(np.float32), low[b[i]:b[i + 1]].astype(np.float32))
        out.append(model.token_probs(enc))
        spans.append([(int(d["start"]), int(d["end"]), d["technique"], float(d.get("score", 1.0)))
                      for d in model.analyse_encoded(enc)])
    np.savez(f"{CACHE}/tokprobs-{FP}-{DIGEST}.npz", probs=np.concatenate(out), counts=z["counts"])
    json.dump(spans, open(f"{CACHE}/techniques-{FP}-{DIGEST}.json", "w"))
    print(DIGEST, sum(map(len, spans)), "spans")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--tagger"]:
        tagger_probs()
        sys.argv.pop(1)
    for name in sys.argv[1:]:
        X = compute(name)
        print(name, X.shape, flush=True)
