"""Technique peaks for the propaganda head's span decoding, measured by cross-validation on the
PTC training articles (out-of-fold taggers), and on the 60 validation articles (shipped tagger).

A run of tokens above the decoding threshold becomes a span when one token reaches the peak of the
"any technique" signal; with `technique_peaks` it also does when a token's output for one of the
named techniques reaches that technique's peak. Also measured (`--classifier`): a learned span
classifier over every run (logistic regression on the re-scorer's features, the per-technique
maxima and the run's pooled final and layer-3 states) that either rescues runs below the peak or
replaces the peak rule.

    NEWSSIFT_TRAIN_CACHE=DIR PYTHONPATH=. python benchmarks/propaganda_technique_peaks.py [--classifier]

DIR holds (or receives) the cached PTC states that `newssift train propaganda` writes; the five
fold taggers (the shipped tagger's recipe, each trained without one fifth of the training
articles) are cached beside them (about 10 minutes of CPU the first time).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from newssift.evaluation.propaganda import merge_spans, si_scores
from newssift.models import encoder as enc_mod
from newssift.models.ptc import TECHNIQUE_INDEX, load_corpus, split
from newssift.models.train import FROM_LAYER, extract_states, load_states, train_tagger
from newssift.stop import propaganda as P

PTC = Path(__file__).resolve().parents[2] / "shared" / "data" / "propaganda-ptc" / "train"
FOLDS = 5


def fold_of(article_id: str) -> int:
    return (int(article_id) * 2654435761 % 2 ** 32) % FOLDS


def load():
    root = Path(os.environ["NEWSSIFT_TRAIN_CACHE"])
    articles = load_corpus(PTC)
    train, valid = split(articles)
    shipped, base = enc_mod.get_encoder(), enc_mod.Encoder(lora_path=None)
    extract_states(articles, shipped, root / f"ptc-states-{shipped.fingerprint}", layer_outputs=())
    extract_states(articles, base, root / f"ptc-states-{base.fingerprint}", layer_outputs=(FROM_LAYER,))
    states = {a.id: load_states(a, root / f"ptc-states-{shipped.fingerprint}",
                                lower_cache=root / f"ptc-states-{base.fingerprint}") for a in articles}
    model = P.load_model(check_encoder=False)
    taggers = []
    for k in range(FOLDS):
        path = root / f"ptc-states-{shipped.fingerprint}" / f"tagger-lower-fold{k}-of{FOLDS}.npz"
        if not path.is_file():
            part = [a for a in train if fold_of(a.id) != k]
            np.savez(path, **train_tagger([states[a.id] for a in part], part, lower=True))
        taggers.append({name: v.astype(np.float32) for name, v in np.load(path).items()})
    probs = {a.id: P.tagger_forward(taggers[fold_of(a.id)], states[a.id].token_states, states[a.id].lower_states)
             for a in train}
    probs.update({a.id: model.token_probs(states[a.id]) for a in valid})
    return train, valid, states, model, probs


def runs(articles, states, probs, decoding):
    """Every run above the threshold (no peak) with its signal maximum and per-technique maxima."""
    loose = dict(decoding, peak=decoding["threshold"])
    loose.pop("technique_peaks", None)
    out = {}
    for a in articles:
        enc, p = states[a.id], probs[a.id]
        signal = P.decode_signal(p, decoding)
        rows = []
        for s, e, _ in P.decode_spans(a.text, enc, p, loose):
            idx = enc.tokens_in(s, e)
            if len(idx):
                rows.append(((s, e), float(signal[idx].max()), p[idx, :-1].max(0)))
        out[a.id] = rows
    return out


def si(articles, found, keep) -> dict:
    gold = {a.id: [(s, e) for s, e, _ in a.spans] for a in articles}
    return si_scores({a.id: [span for span, peak, tech in found[a.id] if keep(peak, tech)] for a in articles}, gold)


def peaks_table(train, valid, states, probs, decoding) -> None:
    found_t, found_v = runs(train, states, probs, decoding), runs(valid, states, probs, decoding)
    peak = decoding["peak"]
    fmt = "{:.4f} (P {:.3f}, R {:.3f})"
    print("| rule | cross-validated SI (train, out-of-fold) | validation SI (shipped tagger) |\n|---|---|---|")
    r_t, r_v = si(train, found_t, lambda pk, t: pk >= peak), si(valid, found_v, lambda pk, t: pk >= peak)
    print(f"| peak {peak} only | " + fmt.format(r_t["f1"], r_t["precision"], r_t["recall"]) + " | " +
          fmt.format(r_v["f1"], r_v["precision"], r_v["recall"]) + " |")
    groups = {"Name_Calling": ["Name_Calling,Labeling"], "Name_Calling and Loaded_Language":
              ["Name_Calling,Labeling", "Loaded_Language"], "every technique": list(TECHNIQUE_INDEX)}
    for name, techniques in groups.items():
        ks = [TECHNIQUE_INDEX[t] for t in techniques]
        for v in (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95):
            def keep(pk, tech, ks=ks, v=v):
                return pk >= peak or tech[ks].max() >= v
            r_t, r_v = si(train, found_t, keep), si(valid, found_v, keep)
            print(f"| + {name} peak {v} | " + fmt.format(r_t["f1"], r_t["precision"], r_t["recall"]) + " | " +
                  fmt.format(r_v["f1"], r_v["precision"], r_v["recall"]) + " |")


def classifier_table(train, valid, states, model, probs, decoding) -> None:
    from sklearn.linear_model import LogisticRegression

    loose = dict(decoding, peak=decoding["threshold"])
    loose.pop("technique_peaks", None)
    signal_peak = decoding["peak"]

    def candidates(articles):
        x, y, keys, passed = [], [], [], []
        for a in articles:
            enc, p = states[a.id], probs[a.id]
            spans = [(s, e) for s, e, _ in P.decode_spans(a.text, enc, p, loose)]
            if not spans:
                continue
            tech = P.tc_predict(model.tc, np.stack([P.span_features(a.text, enc, p, s, e, True) for s, e in spans]))
            rescore = P.rescore_features(a.text, enc, p, spans, tech, loose)
            signal = P.decode_signal(p, decoding)
            gold = merge_spans((s, e) for s, e, _ in a.spans)
            for (s, e), row in zip(spans, rescore):
                idx = enc.tokens_in(s, e)
                x.append(np.concatenate([row, p[idx, :-1].max(0), enc.pool(s, e), enc.pool(s, e, lower=True)]))
                y.append(sum(max(0, min(e, ge) - max(s, gs)) for gs, ge in gold) / max(1, e - s) >= 0.5)
                keys.append((a.id, (s, e)))
                passed.append(signal[idx].max() >= signal_peak)
        return np.asarray(x), np.asarray(y, int), keys, np.asarray(passed)

    def fit(x, y, C):
        mean, scale = x.mean(0), x.std(0) + 1e-6
        clf = LogisticRegression(C=C, max_iter=3000).fit((x - mean) / scale, y)
        return lambda z: clf.predict_proba((z - mean) / scale)[:, 1]

    def score(articles, keys, keep):
        gold = {a.id: [(s, e) for s, e, _ in a.spans] for a in articles}
        pred = {a.id: [] for a in articles}
        for (art_id, span), k in zip(keys, keep):
            if k:
                pred[art_id].append(span)
        return si_scores(pred, gold)

    xt, yt, kt, pt = candidates(train)
    xv, yv, kv, pv = candidates(valid)
    folds = np.asarray([fold_of(k[0]) for k in kt])
    print(f"\n{len(xt)} training runs, {yt.mean():.3f} mostly inside gold spans "
          f"({yt[pt].mean():.3f} of those reaching the peak, {yt[~pt].mean():.3f} of the others)\n")
    print("| classifier | C | keep at (chosen by CV) | cross-validated SI | validation SI |\n|---|---|---|---|---|")
    for C in (0.003, 0.01, 0.1):
        oof = np.zeros(len(xt))
        for k in range(FOLDS):
            oof[folds == k] = fit(xt[folds != k], yt[folds != k], C)(xt[folds == k])
        pv_prob = fit(xt, yt, C)(xv)
        for mode in ("rescues runs below the peak", "replaces the peak rule"):
            def keep(prob, passed, t, mode=mode):
                return (passed | (prob >= t)) if mode.startswith("rescues") else prob >= t
            best = max((score(train, kt, keep(oof, pt, t))["f1"], t) for t in np.arange(0.1, 0.9, 0.025))
            r_v = score(valid, kv, keep(pv_prob, pv, best[1]))
            print(f"| {mode} | {C} | {best[1]:.3f} | {best[0]:.4f} | {r_v['f1']:.4f} (P {r_v['precision']:.3f}, "
                  f"R {r_v['recall']:.3f}) |")


def main() -> None:
    train, valid, states, model, probs = load()
    peaks_table(train, valid, states, probs, model.decoding)
    if "--classifier" in sys.argv:
        classifier_table(train, valid, states, model, probs, model.decoding)


if __name__ == "__main__":
    main()
