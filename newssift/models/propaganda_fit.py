"""Fitting the propaganda head's decisions on out-of-fold tagger probabilities (training only).

Every training article gets token probabilities from the fold tagger that did not see it, so the
span decoding settings, the technique classifier and the span re-scorer are chosen by
cross-validation on the training articles; the validation articles only score the result.
"""

from __future__ import annotations

import numpy as np

from newssift.evaluation.propaganda import merge_spans, si_scores, tc_scores
from newssift.models.propaganda_tagger import fold_of
from newssift.models.ptc import TECHNIQUE_INDEX
from newssift.stop import propaganda as head_mod


def cv_articles(articles, taggers: list[dict]) -> list:
    """The training articles that have an out-of-fold tagger (folds 0..len(taggers)-1)."""
    return [a for a in articles if fold_of(a.id) < len(taggers)]


def out_of_fold_probs(articles, encoded: dict, taggers: list[dict]) -> dict:
    """Probabilities of each article's fold tagger, which did not see it (articles of cv_articles)."""
    return {a.id: head_mod.tagger_forward(taggers[fold_of(a.id)], encoded[a.id].token_states) for a in articles}


def ensemble_probs(articles, encoded: dict, taggers: list[dict]) -> dict:
    return {a.id: head_mod.ensemble_forward(taggers, encoded[a.id].token_states) for a in articles}


def decoding_grid():
    for t in np.arange(0.2, 0.61, 0.05):
        for rise in (0.0, 0.1, 0.2, 0.3):  # the peak one token of a span must reach (hysteresis)
            for gap in (1, 2):
                for mix in (0.0, 0.3):
                    yield {"threshold": round(float(t), 2), "peak": round(float(min(0.95, t + rise)), 2), "gap": gap,
                           "min_chars": 3, "mix": mix}


def search_decoding(articles, encoded: dict, probs: dict, say=print) -> tuple[dict, dict]:
    """The decoding settings with the best SI F1 over `articles` (no re-scorer)."""
    gold = {a.id: [(s, e) for s, e, _ in a.spans] for a in articles}
    best = None
    for dec in decoding_grid():
        pred = {a.id: [(s, e) for s, e, _ in head_mod.decode_spans(a.text, encoded[a.id], probs[a.id], dec)]
                for a in articles}
        r = si_scores(pred, gold)
        if best is None or r["f1"] > best[0]["f1"]:
            best = (r, dec)
    say(f"decoding {best[1]}: cross-validated SI F1 {best[0]['f1']:.4f} (P {best[0]['precision']:.4f} "
        f"R {best[0]['recall']:.4f})")
    return best[1], best[0]


# -- technique classifier --------------------------------------------------------------------------
def tc_training_set(articles, encoded: dict, probs: dict, lower: bool = False):
    """Span features and technique labels of every gold row, with (article id, start, end) keys."""
    feats, labels, keys = [], [], []
    for art in articles:
        for s, e, tech in art.spans:
            feats.append(head_mod.span_features(art.text, encoded[art.id], probs[art.id], s, e, lower))
            labels.append(TECHNIQUE_INDEX[tech])
            keys.append((art.id, s, e))
    return np.stack(feats), np.asarray(labels), keys


def _tc_micro(params, feats, labels, keys) -> float:
    tech = head_mod.tc_predict(params, feats)
    ranked = {key: [head_mod.TECHNIQUES[i] for i in np.argsort(-row)] for key, row in zip(keys, tech)}
    gold_rows = [(*key, head_mod.TECHNIQUES[label]) for key, label in zip(keys, labels)]
    return tc_scores(gold_rows, ranked)["f1"]


def fit_tc(articles, encoded: dict, probs: dict, fit, say=print, Cs=(0.003, 0.01, 0.03),
           lower: bool = False) -> tuple[dict, dict]:
    """Logistic regression over span features; C chosen by cross-validation over the folds."""
    feats, labels, keys = tc_training_set(articles, encoded, probs, lower)
    folds = np.asarray([fold_of(key[0]) for key in keys])
    if len(set(folds.tolist())) < 2:  # one fold: nothing to cross-validate (tests, dry runs)
        Cs = Cs[len(Cs) // 2:len(Cs) // 2 + 1]
        folds = np.full(len(folds), -1)
    best = None
    for C in Cs:
        scores = []
        for k in sorted(set(folds.tolist())):
            params = fit(feats[folds != k] if k >= 0 else feats, labels[folds != k] if k >= 0 else labels, C, False)
            held = folds == k
            scores.append(_tc_micro(params, feats[held], labels[held], [key for key, h in zip(keys, held) if h]))
        score = float(np.mean(scores))
        say(f"technique classifier C={C}: cross-validated TC micro-F1 {score:.4f}")
        if best is None or score > best[0]:
            best = (score, C)
    return fit(feats, labels, best[1], False), {"C": best[1], "cv_tc_micro_f1": round(best[0], 4)}


# -- span re-scorer ----------------------------------------------------------------------------------
def _credit(span, gold_merged) -> float:
    s, e = span
    return sum(max(0, min(e, ge) - max(s, gs)) for gs, ge in gold_merged) / max(1, e - s)


def candidates(art, encoded, probs, decoding, tc_params, lower: bool = False):
    found = head_mod.decode_spans(art.text, encoded, probs, decoding)
    spans = [(s, e) for s, e, _ in found]
    if not spans:
        return spans, np.zeros((0, head_mod.N_RESCORE_FEATURES), np.float32)
    tech = head_mod.tc_predict(tc_params, np.stack([head_mod.span_features(art.text, encoded, probs, s, e, lower)
                                                    for s, e in spans]))
    return spans, head_mod.rescore_features(art.text, encoded, probs, spans, tech, decoding)


def fit_rescorer(articles, encoded: dict, probs: dict, decoding: dict, tc_by_fold: list[dict], say=print,
                 C: float = 0.1, lower: bool = False) -> tuple[dict | None, dict]:
    """Logistic regression: is a candidate span mostly inside gold spans? Its keep threshold is the
    one with the best cross-validated SI F1 (out-of-fold re-scorer probabilities)."""
    from sklearn.linear_model import LogisticRegression

    rows, labels, spans_of, folds = [], [], [], []
    for art in articles:
        spans, feats = candidates(art, encoded[art.id], probs[art.id], decoding, tc_by_fold[fold_of(art.id)], lower)
        gold = merge_spans((s, e) for s, e, _ in art.spans)
        for span, row in zip(spans, feats):
            rows.append(row)
            labels.append(_credit(span, gold) >= 0.5)
            spans_of.append((art.id, span))
            folds.append(fold_of(art.id))
    x, y, folds = np.asarray(rows), np.asarray(labels, int), np.asarray(folds)

    def fit(xf, yf):
        mean, scale = xf.mean(0), xf.std(0) + 1e-6
        clf = LogisticRegression(C=C, max_iter=3000).fit((xf - mean) / scale, yf)
        return {"rs_mean": mean.astype(np.float32), "rs_scale": scale.astype(np.float32),
                "rs_coef": clf.coef_[0].astype(np.float32), "rs_intercept": clf.intercept_.astype(np.float32)}

    oof = np.zeros(len(x))
    for k in sorted(set(folds.tolist())):
        params = fit(x[folds != k], y[folds != k]) if len(set(folds.tolist())) > 1 else fit(x, y)
        oof[folds == k] = head_mod.rescore_predict(params, x[folds == k])
    gold = {a.id: [(s, e) for s, e, _ in a.spans] for a in articles}
    best = None
    for keep in np.arange(0.0, 0.71, 0.025):
        pred: dict = {a.id: [] for a in articles}
        for (art_id, span), p in zip(spans_of, oof):
            if p >= keep:
                pred[art_id].append(span)
        r = si_scores(pred, gold)
        if best is None or r["f1"] > best[0]["f1"]:
            best = (r, round(float(keep), 3))
    say(f"re-scorer: keep >= {best[1]}: cross-validated SI F1 {best[0]['f1']:.4f} (P {best[0]['precision']:.4f} "
        f"R {best[0]['recall']:.4f}); {len(x)} candidates, {y.mean():.2f} good")
    return fit(x, y), {"keep": best[1], "cv_si": {k: round(float(v), 4) for k, v in best[0].items()}, "C": C}
