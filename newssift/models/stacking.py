"""A binary classifier stacked from small, separately readable blocks (numpy/scikit-learn only).

Each block is one view of an article (its words as TF-IDF, its encoder embedding, its style
measurements) with its own logistic regression; a small logistic regression combines the blocks'
out-of-fold log-odds. One combiner is trained per subset of blocks that may be missing at
analysis time (the encoder block when the encoder's fingerprint differs from the one trained
on), so a missing view degrades the model instead of breaking it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold


@dataclass
class Block:
    name: str
    input: str  # key in the inputs dict
    make: Callable[[], Any]  # a fresh sklearn estimator (pipeline) with predict_proba
    model: Any = None

    def __getstate__(self):
        # the factory is for training only (and often a lambda, which does not pickle)
        return {"name": self.name, "input": self.input, "make": None, "model": self.model}

    def __setstate__(self, state):
        self.__dict__.update(state)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


@dataclass
class StackedBinary:
    blocks: list[Block]
    subsets: list[tuple[str, ...]]  # block-name subsets to train a combiner for (the full set first)
    folds: int = 5
    seed: int = 0
    combiners: dict[tuple[str, ...], LogisticRegression] = field(default_factory=dict)

    def fit(self, inputs: dict[str, Any], y: np.ndarray, groups: np.ndarray | None = None) -> "StackedBinary":
        """With `groups` (e.g. the corpus of each article), the out-of-fold scores the combiner learns
        from are leave-one-group-out: the combiner is then calibrated for data unlike the training data."""
        y = np.asarray(y, int)
        oof = {}
        if groups is not None and len(set(groups)) > 1:
            from sklearn.model_selection import LeaveOneGroupOut

            folds = list(LeaveOneGroupOut().split(np.zeros(len(y)), y, groups))
        else:
            folds = list(StratifiedKFold(self.folds, shuffle=True, random_state=self.seed).split(np.zeros(len(y)), y))
        for block in self.blocks:
            x = inputs[block.input]
            scores = np.zeros(len(y))
            for train, test in folds:
                model = clone(block.make()).fit(_take(x, train), y[train])
                scores[test] = model.predict_proba(_take(x, test))[:, 1]
            oof[block.name] = _logit(scores)
            block.model = block.make().fit(x, y)
        for subset in self.subsets:
            z = np.column_stack([oof[name] for name in subset])
            self.combiners[subset] = LogisticRegression(C=1.0).fit(z, y)
        return self

    def block_scores(self, inputs: dict[str, Any], first_steps: dict[str, Any] | None = None) -> dict[str, np.ndarray]:
        """Each available block's probability; a block whose input is None is left out.

        `first_steps` maps a pipeline block's name to its input already through the pipeline's first
        step (e.g. the vectorised text a caller also reads), which is then not computed again."""
        first_steps = first_steps or {}
        scores = {}
        for b in self.blocks:
            if b.name in first_steps:
                scores[b.name] = b.model[1:].predict_proba(first_steps[b.name])[:, 1]
            elif inputs.get(b.input) is not None:
                scores[b.name] = b.model.predict_proba(inputs[b.input])[:, 1]
        return scores

    def predict_proba(self, inputs: dict[str, Any]) -> tuple[np.ndarray, tuple[str, ...]]:
        """(probability of the positive class, the blocks used)."""
        prob, subset, _ = self.predict_with_blocks(inputs)
        return prob, subset

    def predict_with_blocks(self, inputs: dict[str, Any], first_steps: dict[str, Any] | None = None
                            ) -> tuple[np.ndarray, tuple[str, ...], dict[str, np.ndarray]]:
        """(probability, the blocks used, each available block's own probability), blocks run once."""
        scores = self.block_scores(inputs, first_steps)
        subset = next((s for s in self.subsets if all(n in scores for n in s)), None)
        if subset is None:
            raise ValueError(f"no combiner for the available blocks {sorted(scores)}")
        z = np.column_stack([_logit(scores[name]) for name in subset])
        return self.combiners[subset].predict_proba(z)[:, 1], subset, scores


def _take(x, idx):
    if isinstance(x, list):
        return [x[i] for i in idx]
    return x[idx]


def drop_fitted_stop_words(obj) -> None:
    """Remove TfidfVectorizer.stop_words_ (every term cut by min_df/max_features; only for
    introspection, and megabytes in an artefact) from a vectorizer, pipeline or StackedBinary."""
    if hasattr(obj, "stop_words_"):
        obj.stop_words_ = None
    for step in getattr(obj, "steps", []):
        drop_fitted_stop_words(step[1])
    for block in getattr(obj, "blocks", []):
        drop_fitted_stop_words(block.model)
