"""Metric functions shared by the evaluation commands, each small enough to check by hand."""

from __future__ import annotations

from typing import Sequence

import numpy as np

FNC_LABELS = ("agree", "disagree", "discuss", "unrelated")
FNC_RELATED = ("agree", "disagree", "discuss")


def binary_scores(gold: Sequence[bool], predicted: Sequence[bool], weights: Sequence[float] | None = None) -> dict[str, float]:
    """accuracy, and precision, recall, F1 of the positive class (each item counted `weights` times)."""
    g = np.asarray(gold, bool)
    p = np.asarray(predicted, bool)
    w = np.ones(len(g)) if weights is None else np.asarray(weights, float)
    tp = float(w[g & p].sum())
    predicted_w, gold_w = float(w[p].sum()), float(w[g].sum())
    precision = tp / predicted_w if predicted_w else 0.0
    recall = tp / gold_w if gold_w else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"accuracy": float(w[g == p].sum() / w.sum()) if len(g) else 0.0, "f1": float(f1),
            "precision": float(precision), "recall": float(recall)}


def fnc_score(gold: Sequence[str], predicted: Sequence[str], weights: Sequence[float] | None = None) -> float:
    """Percent of the maximum FNC-1 score: +0.25 for getting related-vs-unrelated right, and for a
    related pair +0.75 more for the exact stance (the official scorer's weights)."""
    score = best = 0.0
    for i, (g, p) in enumerate(zip(gold, predicted)):
        w = 1.0 if weights is None else float(weights[i])
        g_related, p_related = g in FNC_RELATED, p in FNC_RELATED
        best += w * (1.0 if g_related else 0.25)
        if g_related == p_related:
            score += w * 0.25
        if g_related and g == p:
            score += w * 0.75
    return 100.0 * score / best if best else 0.0


def per_class_f1(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str],
                 weights: Sequence[float] | None = None) -> dict[str, float]:
    out = {}
    for label in labels:
        g = np.array([x == label for x in gold])
        p = np.array([x == label for x in predicted])
        out[label] = binary_scores(g, p, weights)["f1"]
    return out


def stance_scores(gold: Sequence[str], predicted: Sequence[str], weights: Sequence[float] | None = None) -> dict[str, float]:
    f1 = per_class_f1(gold, predicted, FNC_LABELS, weights)
    result = {"fnc_score": fnc_score(gold, predicted, weights), "macro_f1": float(np.mean(list(f1.values())))}
    result.update({f"f1_{label}": value for label, value in f1.items()})
    return result


# Class counts of the FNC-1 competition test set (25,413 pairs; Hanselowski et al. 2018)
FNC_TEST_MIX = {"agree": 1903, "disagree": 697, "discuss": 4464, "unrelated": 18349}


def stance_scores_at_mix(gold: Sequence[str], predicted: Sequence[str], mix: dict | None = None) -> dict[str, float]:
    """FNC score and macro-F1 with each gold class weighted to its share in `mix` (default: the
    competition test set's): what a set with that class mix would score if each class's pairs
    behaved like these. An estimate for a held-back set whose class counts are published."""
    mix = mix or FNC_TEST_MIX
    counts = {c: sum(1 for g in gold if g == c) for c in mix}
    weight = {c: mix[c] / counts[c] for c in mix if counts[c]}
    return stance_scores(gold, predicted, [weight.get(g, 0.0) for g in gold])


def roc_auc(gold: Sequence[bool], scores: Sequence[float]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    g = np.asarray(gold, bool)
    s = np.asarray(scores, float)
    pos, neg = s[g], s[~g]
    if not len(pos) or not len(neg):
        return float("nan")
    # rank-based (Mann-Whitney U) with average ranks for ties
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    u = ranks[g].sum() - len(pos) * (len(pos) + 1) / 2
    return float(u / (len(pos) * len(neg)))


def expected_calibration_error(gold: Sequence[bool], probabilities: Sequence[float], bins: int = 10) -> float:
    """Sum over equal-width probability bins of |mean predicted - observed rate|, weighted by bin size."""
    g = np.asarray(gold, float)
    p = np.asarray(probabilities, float)
    if not len(p):
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1], right=True), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            ece += inside.mean() * abs(p[inside].mean() - g[inside].mean())
    return float(ece)
