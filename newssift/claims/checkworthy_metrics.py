"""Metrics for check-worthiness: F1 of the check-worthy class, and the CLEF CheckThat! ranking measures.

The ranking measures follow the CLEF 2019/2020 scorer: each debate's sentences are ranked by score
(ties keep the original line order); measures are computed per debate and averaged over debates.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def binary_scores(gold: Sequence[int], predicted: Sequence[int]) -> dict:
    """Precision, recall and F1 of the positive class (1); 0 where undefined."""
    gold = np.asarray(gold, dtype=int)
    predicted = np.asarray(predicted, dtype=int)
    true_positive = int(((gold == 1) & (predicted == 1)).sum())
    predicted_positive = int((predicted == 1).sum())
    gold_positive = int((gold == 1).sum())
    precision = true_positive / predicted_positive if predicted_positive else 0.0
    recall = true_positive / gold_positive if gold_positive else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall}


def best_f1_threshold(gold: Sequence[int], probability: Sequence[float]) -> tuple[float, float]:
    """The threshold on `probability` (predict 1 when >= it) that maximises F1, and that F1."""
    gold = np.asarray(gold, dtype=int)
    probability = np.asarray(probability, dtype=float)
    order = np.argsort(-probability, kind="stable")
    sorted_probability = probability[order]
    true_positive = np.cumsum(gold[order] == 1)
    predicted_positive = np.arange(1, len(gold) + 1)
    f1 = 2 * true_positive / (predicted_positive + max(1, int((gold == 1).sum())))
    # only cut between distinct values: every sentence at the threshold is predicted positive
    last_of_value = np.r_[sorted_probability[1:] != sorted_probability[:-1], True]
    f1 = np.where(last_of_value, f1, -1.0)
    best = int(np.argmax(f1))
    return float(sorted_probability[best]), float(f1[best])


def ranking(scores: Sequence[float]) -> np.ndarray:
    """Indices from the highest score to the lowest; ties keep their original order."""
    return np.argsort(-np.asarray(scores, dtype=float), kind="stable")


def average_precision(gold: Sequence[int], scores: Sequence[float]) -> float:
    """Mean of precision@k over the ranks k of the check-worthy sentences; 0 without any."""
    ranked_gold = np.asarray(gold, dtype=int)[ranking(scores)]
    hits = np.cumsum(ranked_gold == 1)
    positives = int(hits[-1]) if len(hits) else 0
    if not positives:
        return 0.0
    ranks = np.nonzero(ranked_gold == 1)[0] + 1
    return float(np.sum(hits[ranks - 1] / ranks) / positives)


def r_precision(gold: Sequence[int], scores: Sequence[float]) -> float:
    """Precision at rank R, R = the number of check-worthy sentences; 0 without any."""
    ranked_gold = np.asarray(gold, dtype=int)[ranking(scores)]
    positives = int((ranked_gold == 1).sum())
    if not positives:
        return 0.0
    return float((ranked_gold[:positives] == 1).sum() / positives)


def precision_at(gold: Sequence[int], scores: Sequence[float], k: int = 10) -> float:
    """Check-worthy sentences among the top k, divided by k (as the CLEF scorer does)."""
    ranked_gold = np.asarray(gold, dtype=int)[ranking(scores)]
    return float((ranked_gold[:k] == 1).sum() / k)


def clef_scores(debates: dict[str, tuple[Sequence[int], Sequence[float]]]) -> dict:
    """`map`, `r_precision`, `p_at_10` averaged over debates ({name: (gold, scores)})."""
    if not debates:
        return {"map": 0.0, "r_precision": 0.0, "p_at_10": 0.0, "debates": 0}
    per_debate = [(average_precision(g, s), r_precision(g, s), precision_at(g, s, 10)) for g, s in debates.values()]
    mean = np.mean(per_debate, axis=0)
    return {"map": float(mean[0]), "r_precision": float(mean[1]), "p_at_10": float(mean[2]),
            "debates": len(debates)}
