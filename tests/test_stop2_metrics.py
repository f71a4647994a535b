"""The metric functions behind `newssift evaluate hyperpartisan|stance|credibility`, on hand-computed cases."""

import math

import pytest

from newssift.evaluation.metrics import (binary_scores, expected_calibration_error, fnc_score, roc_auc,
                                         stance_scores, stance_scores_at_mix)


def test_fnc_score_weights():
    gold = ["agree", "unrelated", "discuss", "disagree"]
    pred = ["agree", "unrelated", "agree", "unrelated"]
    # agree exact: 0.25 + 0.75; unrelated right: 0.25; discuss->agree: related right, 0.25; disagree->unrelated: 0
    # maximum: 1 + 0.25 + 1 + 1 = 3.25
    assert fnc_score(gold, pred) == pytest.approx(100 * 1.5 / 3.25)


def test_fnc_score_unrelated_predicted_related_scores_nothing():
    assert fnc_score(["unrelated", "unrelated"], ["discuss", "unrelated"]) == pytest.approx(50.0)
    assert fnc_score(["discuss"], ["discuss"]) == pytest.approx(100.0)


def test_stance_scores_per_class():
    gold = ["agree", "agree", "disagree", "discuss", "unrelated", "unrelated"]
    pred = ["agree", "discuss", "disagree", "discuss", "unrelated", "agree"]
    s = stance_scores(gold, pred)
    # agree: tp 1, predicted 2, gold 2 -> P 0.5 R 0.5 F1 0.5; disagree 1.0; discuss: P 0.5 R 1 -> 2/3;
    # unrelated: P 1 R 0.5 -> 2/3
    assert s["f1_agree"] == pytest.approx(0.5)
    assert s["f1_disagree"] == pytest.approx(1.0)
    assert s["f1_discuss"] == pytest.approx(2 / 3)
    assert s["f1_unrelated"] == pytest.approx(2 / 3)
    assert s["macro_f1"] == pytest.approx((0.5 + 1 + 2 / 3 + 2 / 3) / 4)


def test_stance_scores_at_a_class_mix_weight_each_gold_class():
    gold = ["agree", "agree", "disagree", "discuss", "unrelated", "unrelated"]
    pred = ["agree", "discuss", "disagree", "discuss", "unrelated", "agree"]
    # the same mix as the sample: the plain scores
    same = stance_scores_at_mix(gold, pred, {"agree": 2, "disagree": 1, "discuss": 1, "unrelated": 2})
    assert same == pytest.approx(stance_scores(gold, pred))
    # unrelated weighted 4x (8 of 12 pairs): each unrelated pair counts 4 times
    heavy = stance_scores_at_mix(gold, pred, {"agree": 2, "disagree": 1, "discuss": 1, "unrelated": 8})
    assert heavy == pytest.approx(stance_scores(gold + ["unrelated", "unrelated"] * 3, pred + ["unrelated", "agree"] * 3))
    # fnc by hand: agree right 1 + agree->discuss 0.25 + disagree 1 + discuss 1 + 4 x (unrelated right 0.25)
    # + 4 x (unrelated->agree 0); maximum 2 + 1 + 1 + 8 x 0.25 = 6
    assert heavy["fnc_score"] == pytest.approx(100 * (1 + 0.25 + 1 + 1 + 1) / 6)


def test_binary_scores():
    s = binary_scores([True, True, False, False], [True, False, True, False])
    assert s == {"accuracy": 0.5, "f1": 0.5, "precision": 0.5, "recall": 0.5}
    assert binary_scores([False, False], [False, False])["f1"] == 0.0


def test_roc_auc_with_ties():
    # positives 0.9, 0.5; negatives 0.5, 0.1: pairs (0.9>0.5, 0.9>0.1, 0.5=0.5 half, 0.5>0.1) = 3.5/4
    assert roc_auc([True, True, False, False], [0.9, 0.5, 0.5, 0.1]) == pytest.approx(0.875)
    assert math.isnan(roc_auc([True, True], [0.1, 0.2]))


def test_expected_calibration_error():
    # bin 0.8-0.9: two predictions 0.85, one positive -> |0.85 - 0.5| * 2/4; bin 0.1-0.2: 0.15 twice, none -> 0.15 * 2/4
    ece = expected_calibration_error([True, False, False, False], [0.85, 0.85, 0.15, 0.15])
    assert ece == pytest.approx(0.35 * 0.5 + 0.15 * 0.5)
    assert expected_calibration_error([True, False], [1.0, 0.0]) == pytest.approx(0.0)
