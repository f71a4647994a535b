"""The SemEval-2020 Task 11 scorer against cases computed by hand."""

import pytest

from newssift.evaluation.propaganda import full_scores, merge_spans, si_scores, tc_scores


def test_merge_spans_merges_overlaps_only():
    assert merge_spans([(5, 20), (0, 10), (30, 40)]) == [(0, 20), (30, 40)]
    assert merge_spans([(0, 5), (5, 10)]) == [(0, 5), (5, 10)]  # touching: kept apart
    assert merge_spans([(3, 3)]) == []


def test_partial_overlap_credit():
    # pred 5..15 vs gold 0..10: 5 shared characters of 10 on each side
    r = si_scores({"a": [(5, 15)]}, {"a": [(0, 10)]})
    assert r["precision"] == pytest.approx(0.5) and r["recall"] == pytest.approx(0.5)
    assert r["f1"] == pytest.approx(0.5)


def test_overlapping_gold_spans_are_merged():
    # gold 0..10 and 5..20 become 0..20; pred 0..10 is wholly inside: P = 10/10, R = 10/20
    r = si_scores({"a": [(0, 10)]}, {"a": [(0, 10), (5, 20)]})
    assert r["precision"] == pytest.approx(1.0)
    assert r["recall"] == pytest.approx(0.5)
    assert r["f1"] == pytest.approx(2 / 3)
    assert r["n_gold"] == 1


def test_one_prediction_over_two_touching_gold_spans():
    # P = (5/10 + 5/10) / 1 pred; R = (5/5 + 5/5) / 2 gold
    r = si_scores({"a": [(0, 10)]}, {"a": [(0, 5), (5, 10)]})
    assert r["precision"] == pytest.approx(1.0) and r["recall"] == pytest.approx(1.0)


def test_counts_pooled_over_articles():
    # a: pred 0..4 exact, pred 10..12 wrong; b: one gold missed. P = (1+0)/2, R = (1+0)/2
    r = si_scores({"a": [(0, 4), (10, 12)], "b": []}, {"a": [(0, 4)], "b": [(0, 10)]})
    assert r["precision"] == pytest.approx(0.5) and r["recall"] == pytest.approx(0.5)
    # a pred of 3 chars covering gold 0..4 partly (1..4): P = 3/3, R = 3/4
    r = si_scores({"a": [(1, 4)]}, {"a": [(0, 4)]})
    assert r["precision"] == pytest.approx(1.0) and r["recall"] == pytest.approx(0.75)
    assert r["f1"] == pytest.approx(2 * 0.75 / 1.75)


def test_no_predictions_scores_zero():
    r = si_scores({}, {"a": [(0, 10)]})
    assert r["precision"] == 0.0 and r["recall"] == 0.0 and r["f1"] == 0.0


def test_tc_multi_label_span_gets_k_best():
    gold = [("a", 0, 5, "Loaded_Language"), ("a", 0, 5, "Name_Calling,Labeling"), ("a", 6, 9, "Doubt")]
    ranked = {("a", 0, 5): ["Name_Calling,Labeling", "Loaded_Language", "Doubt"],
              ("a", 6, 9): ["Loaded_Language", "Doubt"]}
    r = tc_scores(gold, ranked)
    assert r["f1"] == pytest.approx(2 / 3)
    # the same technique repeated does not count twice
    r = tc_scores(gold[:2], {("a", 0, 5): ["Loaded_Language", "Loaded_Language"]})
    assert r["precision"] == pytest.approx(1.0) and r["recall"] == pytest.approx(0.5)


def test_full_requires_matching_technique():
    # LL: pred 0..5 inside gold 0..10 -> P credit 1, R credit 0.5; NC pred has no gold.
    r = full_scores({"a": [(0, 10, "Name_Calling,Labeling"), (0, 5, "Loaded_Language")]},
                    {"a": [(0, 10, "Loaded_Language")]})
    assert r["precision"] == pytest.approx(0.5) and r["recall"] == pytest.approx(0.5)
    assert r["f1"] == pytest.approx(0.5)
