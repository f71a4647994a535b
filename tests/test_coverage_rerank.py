"""The re-ranker's boosted trees: exported to the JSON artefact, scored without scikit-learn's
pickle, exactly as the fitted classifier scores."""

import json

import numpy as np
import pytest

from newssift.coverage.features import FEATURES
from newssift.coverage.model import Forest, MatchModel, export_trees


@pytest.fixture(scope="module")
def fitted():
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, len(FEATURES))).astype(np.float32)
    y = (x[:, 0] + x[:, 1] * x[:, 2] + rng.normal(size=len(x)) > 0.8).astype(np.int8)
    return HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=15, random_state=0).fit(x, y), rng


def test_exported_trees_score_as_the_classifier(fitted):
    gb, rng = fitted
    trees = json.loads(json.dumps(export_trees(gb)))  # through JSON, as in the artefact
    x = rng.normal(size=(300, len(FEATURES))).astype(np.float32)
    assert np.abs(Forest(trees).decision(x) - gb.decision_function(x)).max() < 1e-9
    assert Forest(trees).decision(x[:0]).shape == (0,)


def test_blend_survives_save_and_load(fitted, tmp_path):
    gb, rng = fitted
    d = len(FEATURES)
    model = MatchModel(fingerprint="f", mean=[0.0] * d, scale=[1.0] * d, coef=list(rng.normal(size=d)),
                       intercept=0.1, trees=export_trees(gb), trees_weight=0.5)
    path = tmp_path / "matcher.json"
    model.save(path)
    loaded = MatchModel.load(path)
    x = rng.normal(size=(50, d)).astype(np.float32)
    linear = x @ np.asarray(model.coef, dtype=np.float32) + 0.1
    expected = 1 / (1 + np.exp(-(0.5 * linear + 0.5 * gb.decision_function(x))))
    assert np.allclose(loaded.rerank(x), expected, atol=1e-5)
    assert np.allclose(loaded.rerank(x), model.rerank(x))
    # without trees the re-ranker is the logistic regression alone
    loaded.trees_weight = 0.0
    assert np.allclose(loaded.rerank(x), 1 / (1 + np.exp(-linear)), atol=1e-5)


def test_shipped_reranker_blends_trees():
    model = MatchModel.load()
    assert model.trees and 0 < model.trees_weight < 1
    scores = model.rerank(np.zeros((3, len(model.features)), dtype=np.float32))
    assert scores.shape == (3,) and np.all((scores > 0) & (scores < 1))


def test_missing_values_follow_the_classifier(fitted):
    gb, rng = fitted
    x = rng.normal(size=(200, len(FEATURES))).astype(np.float32)
    x[rng.random(x.shape) < 0.2] = np.nan
    assert np.abs(Forest(export_trees(gb)).decision(x) - gb.decision_function(x)).max() < 1e-9
