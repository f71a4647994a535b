"""CheckThat! claim-matching metrics on hand-computed cases."""

import pytest

from newssift.evaluation.claim_matching import average_precision_at_k, reciprocal_rank, recall_at_k, score_rankings


def test_ap_at_5_single_relevant():
    assert average_precision_at_k(["a", "b", "c"], {"a"}) == 1.0
    assert average_precision_at_k(["x", "a", "c"], {"a"}) == 0.5
    assert average_precision_at_k(["x", "y", "z", "w", "v", "a"], {"a"}) == 0.0  # beyond the top 5


def test_ap_at_5_several_relevant():
    # relevant at ranks 1 and 3: (1/1 + 2/3) / min(2, 5)
    assert average_precision_at_k(["a", "x", "b", "y"], {"a", "b"}) == pytest.approx((1 + 2 / 3) / 2)
    # one of two found, at rank 2: (1/2) / 2
    assert average_precision_at_k(["x", "a"], {"a", "b"}) == pytest.approx(0.25)
    # seven relevant, all five slots right: divided by min(7, 5)
    rel = {f"r{i}" for i in range(7)}
    assert average_precision_at_k([f"r{i}" for i in range(5)], rel) == pytest.approx(1.0)


def test_mrr_and_recall():
    assert reciprocal_rank(["x", "y", "a"], {"a"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x"], {"a"}) == 0.0
    assert recall_at_k(["a", "x", "b"], {"a", "b"}, 1) == 0.5
    assert recall_at_k(["a", "x", "b"], {"a", "b"}, 5) == 1.0


def test_score_rankings_averages_over_qrels_queries():
    qrels = {"q1": {"a"}, "q2": {"b"}, "q3": {"c"}}
    rankings = {"q1": ["a", "x"], "q2": ["x", "b"]}  # q3 has no ranking: it scores 0
    out = score_rankings(rankings, qrels)
    assert out["queries"] == 3
    assert out["map_at_5"] == pytest.approx(round((1 + 0.5 + 0) / 3, 4))
    assert out["mrr"] == pytest.approx(round(1.5 / 3, 4))
    assert out["recall_at_1"] == pytest.approx(round(1 / 3, 4))
    assert out["recall_at_5"] == pytest.approx(round(2 / 3, 4))
