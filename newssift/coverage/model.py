"""The tuned part of matching: fusion weight, re-ranker coefficients and the calibrated
threshold, stored as a small JSON artefact next to its model card."""

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
    trained: dict = field(default_factory=dict)

    def fusion(self, feats: np.ndarray) -> np.ndarray:
        i_b, i_c = self.features.index("bm25_scaled"), self.features.index("cosine")
        return self.fusion_weight * feats[:, i_b] + (1 - self.fusion_weight) * feats[:, i_c]

    def rerank(self, feats: np.ndarray) -> np.ndarray:
        if not self.coef:
            return self.fusion(feats)
        z = (feats - np.asarray(self.mean, dtype=np.float32)) / np.asarray(self.scale, dtype=np.float32)
        logit = z @ np.asarray(self.coef, dtype=np.float32) + self.intercept
        return 1.0 / (1.0 + np.exp(-logit))

    def score(self, feats: np.ndarray, method: str = "reranked") -> np.ndarray:
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
        path.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> "MatchModel":
        path = path or ARTEFACT
        if not path.exists():
            raise ModelMissing(f"The claim-matching model is missing ({path}); retrain with `newssift train coverage`.")
        return cls(**json.loads(path.read_text(encoding="utf-8")))
