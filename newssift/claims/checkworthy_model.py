"""The check-worthiness classifier: a linear model over the encoder's sentence embedding, TF-IDF word
and character n-grams and a few lexical features, with a Platt-calibrated probability.

scikit-learn and numpy only: the encoder (run once per article by the pipeline) supplies the
embeddings, so this model costs microseconds per sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from newssift.claims.checkworthy_features import lexical_matrix


@dataclass
class FeatureConfig:
    words: bool = True  # TF-IDF word 1-2 grams
    chars: bool = True  # TF-IDF character 2-5 grams inside words
    embedding: bool = True  # the encoder's mean-pooled sentence embedding
    lexical: bool = True  # numbers, capitals, tense, ... (checkworthy_features)
    embedding_weight: float = 1.0  # scales the embedding block against the n-gram blocks
    lexical_weight: float = 1.0
    C: float = 4.0  # inverse regularisation of the logistic regression
    max_char_features: int = 60_000
    # A small MLP over embedding + lexical features, blended with the linear score:
    # score = (1 - mlp_weight) * linear + mlp_weight * logit(mlp). 0 turns it off.
    mlp_weight: float = 0.0
    mlp_hidden: int = 256
    mlp_alpha: float = 1e-2


@dataclass
class CheckworthyModel:
    config: FeatureConfig = field(default_factory=FeatureConfig)
    word_vectorizer: TfidfVectorizer | None = None
    char_vectorizer: TfidfVectorizer | None = None
    classifier: LogisticRegression | None = None
    mlp: MLPClassifier | None = None
    platt: tuple[float, float] = (1.0, 0.0)  # probability = sigmoid(a * score + b)
    threshold: float = 0.5  # on the calibrated probability: maximises F1 on out-of-fold scores
    encoder_fingerprint: str = ""

    def _matrix(self, texts: list[str], embeddings: np.ndarray | None, fit: bool = False, lexical=None):
        blocks = []
        cfg = self.config
        if cfg.words:
            if fit:
                self.word_vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                                       lowercase=True, token_pattern=r"(?u)\b\w+\b")
                blocks.append(self.word_vectorizer.fit_transform(texts))
            else:
                blocks.append(self.word_vectorizer.transform(texts))
        if cfg.chars:
            if fit:
                self.char_vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3,
                                                       sublinear_tf=True, max_features=cfg.max_char_features)
                blocks.append(self.char_vectorizer.fit_transform(texts))
            else:
                blocks.append(self.char_vectorizer.transform(texts))
        if cfg.embedding:
            if embeddings is None:
                raise ValueError("this model needs sentence embeddings")
            blocks.append(sparse.csr_matrix(np.asarray(embeddings, dtype=np.float64) * cfg.embedding_weight))
        if cfg.lexical:
            lexical = lexical_matrix(texts) if lexical is None else lexical
            blocks.append(sparse.csr_matrix(lexical.astype(np.float64) * cfg.lexical_weight))
        return sparse.hstack(blocks, format="csr")

    def fit(self, texts: list[str], embeddings: np.ndarray | None, labels, sample_weight=None) -> "CheckworthyModel":
        matrix = self._matrix(texts, embeddings, fit=True)
        self.classifier = LogisticRegression(C=self.config.C, max_iter=3000, solver="liblinear")
        self.classifier.fit(matrix, np.asarray(labels, dtype=int), sample_weight=sample_weight)
        if self.config.mlp_weight > 0:
            self.mlp = MLPClassifier(hidden_layer_sizes=(self.config.mlp_hidden,), alpha=self.config.mlp_alpha,
                                     early_stopping=True, random_state=0, max_iter=200)
            keep = np.ones(len(texts), dtype=bool) if sample_weight is None else np.asarray(sample_weight) > 0
            self.mlp.fit(self._dense(texts, embeddings)[keep], np.asarray(labels, dtype=int)[keep])
        return self

    @staticmethod
    def _dense(texts: list[str], embeddings: np.ndarray, lexical=None) -> np.ndarray:
        lexical = lexical_matrix(texts) if lexical is None else lexical
        return np.hstack([np.asarray(embeddings, dtype=np.float32), lexical])

    def decision_function(self, texts: list[str], embeddings: np.ndarray | None) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        lexical = lexical_matrix(texts)  # shared by both models
        score = self.classifier.decision_function(self._matrix(texts, embeddings, lexical=lexical))
        if self.mlp is not None and self.config.mlp_weight > 0:
            p = np.clip(self.mlp.predict_proba(self._dense(texts, embeddings, lexical))[:, 1], 1e-6, 1 - 1e-6)
            score = (1 - self.config.mlp_weight) * score + self.config.mlp_weight * np.log(p / (1 - p))
        return score

    def calibrate(self, scores, labels) -> None:
        """Platt scaling: fit sigmoid(a * score + b) to held-out scores."""
        platt = LogisticRegression(C=1e6, max_iter=1000).fit(np.asarray(scores).reshape(-1, 1), np.asarray(labels))
        self.platt = (float(platt.coef_[0, 0]), float(platt.intercept_[0]))

    def probability_from_scores(self, scores) -> np.ndarray:
        a, b = self.platt
        return 1.0 / (1.0 + np.exp(-(a * np.asarray(scores, dtype=float) + b)))

    def predict_proba(self, texts: list[str], embeddings: np.ndarray | None) -> np.ndarray:
        """Calibrated probability that each sentence is a check-worthy factual claim."""
        return self.probability_from_scores(self.decision_function(texts, embeddings))


ARTEFACT_DIR = __import__("pathlib").Path(__file__).resolve().parents[1] / "models" / "artefacts" / "checkworthy"


def load_checkworthy_model(artefact_dir=None) -> CheckworthyModel:
    """The trained model from the package (or `artefact_dir`); ModelMissing when it is not there."""
    from pathlib import Path

    from newssift.errors import ModelMissing

    path = Path(artefact_dir or ARTEFACT_DIR) / "model.joblib"
    if not path.exists():
        raise ModelMissing("The check-worthiness model is missing: run `newssift train checkworthy`.")
    import joblib

    model = joblib.load(path)
    if not isinstance(model, CheckworthyModel):
        raise ModelMissing(f"{path} is not a check-worthiness model: run `newssift train checkworthy`.")
    return model


def check_fingerprint(model: CheckworthyModel, encoder_fingerprint: str) -> None:
    """A head trained on other encoder weights reads features it never saw: refuse it."""
    from newssift.errors import ModelMissing

    if model.encoder_fingerprint and model.encoder_fingerprint != encoder_fingerprint:
        raise ModelMissing(
            f"The check-worthiness model was trained on encoder {model.encoder_fingerprint}, not on the installed "
            f"encoder {encoder_fingerprint}: run `newssift train checkworthy`.")
