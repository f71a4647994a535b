"""The probability that an article is low-credibility, at analysis time.

Two parts, both learned:
1. the text model (`credibility.model`), whose probability is calibrated leave-one-corpus-out;
2. when the outlet is rated (``report.source["quality"]``, 0 lowest to 1 highest), a logistic update
   ``logit(p) = a * logit(p_text) + b * (quality - 0.5) + c``, fitted on the FakeNewsNet articles whose
   outlet is rated in Lin et al. 2023, using the text model's out-of-corpus scores for them.

The other sections (techniques, hyperpartisan tone, headline overstatement) are read from the same
text the text model reads; the summary lists them as points, and they are not added to the
probability a second time.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from newssift.errors import ModelMissing


@lru_cache(maxsize=1)
def load_artefact() -> dict:
    import joblib

    from newssift.credibility.model import ARTEFACT_DIR

    path = ARTEFACT_DIR / "model.joblib"
    if not path.exists():
        raise ModelMissing("The credibility model is missing; run `newssift train credibility`.")
    return joblib.load(path)


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return float(np.log(p / (1 - p)))


def text_probability(article, encoded=None, encoder=None, artefact: dict | None = None,
                     title_embedding=None) -> tuple[float, str]:
    """(probability from the article's text alone, the model blocks used); `title_embedding` is
    the title's embed_sentences vector when the pipeline has computed it already."""
    from newssift.credibility.model import model_text, title_vector
    from newssift.nlp import regex_sentences
    from newssift.stop.hyperpartisan import lead_embedding
    from newssift.stop.style import style_vector

    artefact = artefact or load_artefact()
    title = article.title or ""
    sentences = article.sentences or regex_sentences(article.text)
    inputs = {
        "text": [model_text(title, article.text)],
        "style": np.concatenate([style_vector(article.text, sentences), title_vector(title)])[None, :],
        "embedding": None,
    }
    if encoded is not None and encoder is not None and encoder.fingerprint == artefact.get("encoder_fingerprint"):
        title_emb = title_embedding if title_embedding is not None and title.strip() else \
            np.asarray(encoder.embed_sentences([title]), np.float32)[0]
        inputs["embedding"] = np.concatenate([lead_embedding(encoded), title_emb])[None, :]
    prob, used = artefact["model"].predict_proba(inputs)
    return float(prob[0]), "+".join(used)


def with_source(p_text: float, quality: float | None, artefact: dict | None = None) -> float:
    """The text probability updated with the outlet's rating (unchanged when the outlet is unrated)."""
    artefact = artefact or load_artefact()
    update = artefact.get("source_update")
    if quality is None or update is None:
        return p_text
    z = update["a"] * _logit(p_text) + update["b"] * (float(quality) - 0.5) + update["c"]
    return float(1 / (1 + np.exp(-z)))
