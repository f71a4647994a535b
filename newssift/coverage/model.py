"""The tuned part of matching: fusion weight, re-ranker (logistic regression and boosted trees)
and the calibrated threshold, stored as a small JSON artefact next to its model card."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from newssift.coverage.features import FEATURES
from newssift.errors import ModelMissing

ARTEFACT_DIR = Path(__file__).resolve().parents[1] / "models" / "artefacts" / "coverage"
ARTEFACT = ARTEFACT_DIR / "matcher.json"
METHODS = ("bm25", "dense", "fusion", "reranked")


@dataclass
class MatchModel:
    fingerprint: str = ""
    fusion_weight: float = 0.2  # weight of per-query rescaled BM25 against cosine
    candidates: int = 30  # from each of BM25 and the dense index
    features: list[str] = field(default_factory=lambda: list(FEATURES))
    mean: list[float] = field(default_factory=list)
    scale: list[float] = field(default_factory=list)
    coef: list[float] = field(default_factory=list)
    intercept: float = 0.0
    threshold: float = 0.5  # on the re-ranker's score: top-1 precision >= target above it
    threshold_precision: float = 0.9  # "mostly right": 9 in 10 matches shown on dev are the right fact-check
    projection: list[list[float]] | None = None  # optional learned map of query embeddings
    # gradient-boosted trees over the same (unscaled) features, blended with the logistic
    # regression on the logit scale: logit = (1 - trees_weight) * linear + trees_weight * trees
    trees: dict | None = None  # export_trees(): baseline and per-tree node arrays
    trees_weight: float = 0.0
    trained: dict = field(default_factory=dict)

    def fusion(self, feats: np.ndarray) -> np.ndarray:
        i_b, i_c = self.features.index("bm25_scaled"), self.features.index("cosine")
        return self.fusion_weight * feats[:, i_b] + (1 - self.fusion_weight) * feats[:, i_c]

    def rerank(self, feats: np.ndarray) -> np.ndarray:
        if not self.coef:
            return self.fusion(feats)
        z = (feats - np.asarray(self.mean, dtype=np.float32)) / np.asarray(self.scale, dtype=np.float32)
        logit = z @ np.asarray(self.coef, dtype=np.float32) + self.intercept
        if self.trees and self.trees_weight:
            logit = (1 - self.trees_weight) * logit + self.trees_weight * self._forest().decision(feats)
        return 1.0 / (1.0 + np.exp(-logit))

    def _forest(self) -> "Forest":
        forest = self.__dict__.get("_forest_cache")
        if forest is None or forest.source is not self.trees:
            forest = Forest(self.trees)
            self.__dict__["_forest_cache"] = forest
        return forest

    def score(self, feats: np.ndarray, method: str = "reranked") -> np.ndarray:
        if feats.shape[1] != len(self.features) and len(self.features) <= len(FEATURES):
            # a model trained on fewer features (an older artefact): its columns, by name
            feats = feats[:, [FEATURES.index(f) for f in self.features]]
        if method == "bm25":
            return feats[:, self.features.index("bm25_log")]
        if method == "dense":
            return feats[:, self.features.index("cosine")]
        if method == "fusion":
            return self.fusion(feats)
        if method == "reranked":
            return self.rerank(feats)
        raise ValueError(f"unknown method {method!r}; one of {METHODS}")

    def project(self, vectors: np.ndarray) -> np.ndarray:
        if self.projection is None:
            return vectors
        out = vectors @ np.asarray(self.projection, dtype=np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    def check_encoder(self, fingerprint: str) -> None:
        """Scores are only meaningful on embeddings from the encoder the re-ranker, the query
        projection and the threshold were fitted on: a different encoder is refused, not used."""
        if not self.fingerprint:
            raise ModelMissing("The claim-matching model records no encoder fingerprint; retrain it with "
                               "`newssift train coverage`.")
        if fingerprint != self.fingerprint:
            raise ModelMissing(f"The claim-matching model was trained on encoder {self.fingerprint}, but the encoder "
                               f"is now {fingerprint}; retrain it with `newssift train coverage`.")

    def save(self, path: Path = ARTEFACT) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = asdict(self)
        trees = data.pop("trees")
        text = json.dumps(data, indent=1)
        # the trees' node arrays on one line each: the file stays readable and small
        text = text[:-2] + ',\n "trees": ' + json.dumps(trees, separators=(",", ":")) + "\n}"
        path.write_text(text + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> "MatchModel":
        path = path or ARTEFACT
        if not path.exists():
            raise ModelMissing(f"The claim-matching model is missing ({path}); retrain with `newssift train coverage`.")
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def export_trees(model) -> dict:
    """A fitted scikit-learn HistGradientBoostingClassifier (binary, numerical features) as plain
    lists, so that the artefact stays JSON and scoring needs no pickle: per tree, its nodes'
    feature, threshold, children, leaf flag and value, and where a missing value goes."""
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        trees.append({"feature": nodes["feature_idx"].astype(int).tolist(),
                      "threshold": nodes["num_threshold"].astype(float).tolist(),
                      "left": nodes["left"].astype(int).tolist(), "right": nodes["right"].astype(int).tolist(),
                      "leaf": nodes["is_leaf"].astype(int).tolist(), "value": nodes["value"].astype(float).tolist(),
                      "missing_left": nodes["missing_go_to_left"].astype(int).tolist()})
    return {"baseline": float(np.ravel(model._baseline_prediction)[0]), "trees": trees}


class Forest:
    """The exported trees, evaluated for all trees and rows at once: the raw score (logit) that
    the classifier's decision_function gives. Nodes of all trees sit in flat arrays; a leaf
    points to itself, so every row takes as many steps as the deepest tree, a few array
    operations each (about 0.4 ms for 136 trees and 50 candidates)."""

    def __init__(self, trees: dict):
        self.source = trees
        self.baseline = float(trees["baseline"])
        feature, threshold, left, right, nan_next, value, starts = [], [], [], [], [], [], []
        depth, offset = 0, 0
        for t in trees["trees"]:
            n = len(t["feature"])
            leaf = np.asarray(t["leaf"], dtype=bool)
            own = np.arange(n) + offset
            lft = np.where(leaf, own, np.asarray(t["left"]) + offset)
            rgt = np.where(leaf, own, np.asarray(t["right"]) + offset)
            feature.append(np.where(leaf, 0, t["feature"]))
            threshold.append(np.where(leaf, np.inf, t["threshold"]))
            left.append(lft)
            right.append(rgt)
            nan_next.append(np.where(leaf, own, np.where(np.asarray(t["missing_left"], dtype=bool), lft, rgt)))
            value.append(np.asarray(t["value"], dtype=np.float64))
            starts.append(offset)
            depth = max(depth, _depth(t))
            offset += n
        cat = (lambda parts, dtype: np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype))
        self.feature, self.threshold = cat(feature, np.int64), cat(threshold, np.float64)
        self.left, self.right, self.nan_next = cat(left, np.int64), cat(right, np.int64), cat(nan_next, np.int64)
        self.value, self.starts, self.depth = cat(value, np.float64), np.asarray(starts, dtype=np.int64), depth

    def decision(self, feats: np.ndarray) -> np.ndarray:
        x = np.asarray(feats, dtype=np.float64)
        n, n_trees = len(x), len(self.starts)
        if n_trees == 0 or n == 0:
            return np.full(n, self.baseline)
        flat = x.ravel()
        node = np.repeat(self.starts, n)  # (tree, row) pairs, tree-major
        row = np.tile(np.arange(n, dtype=np.int64) * x.shape[1], n_trees)
        for _ in range(self.depth):
            v = flat[row + self.feature[node]]
            step = np.where(v <= self.threshold[node], self.left[node], self.right[node])
            missing = np.isnan(v)
            if missing.any():
                step = np.where(missing, self.nan_next[node], step)
            node = step
        return self.baseline + self.value[node].reshape(n_trees, n).sum(axis=0)


def _depth(tree: dict) -> int:
    deepest, stack = 0, [(0, 0)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        if not tree["leaf"][node]:
            stack += [(tree["left"][node], d + 1), (tree["right"][node], d + 1)]
    return deepest
