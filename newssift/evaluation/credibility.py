"""`newssift evaluate credibility FILE.jsonl`: ROC AUC (fake against real), accuracy, expected calibration error.

Each line is ``{"title", "text", "label"}`` with label fake, real or satire. The score is the text
model's probability (a corpus line has no outlet rating). Satire is scored apart: it is neither
fake nor real news, and it is left out of the AUC, accuracy and ECE.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from newssift.article import Article
from newssift.errors import InputError


def evaluate(path: str | Path, model_dir: str | Path | None = None) -> dict:
    import joblib

    from newssift.credibility.combine import load_artefact, text_probability
    from newssift.credibility.corpora import read_jsonl
    from newssift.credibility.model import scores_for
    from newssift.nlp import regex_sentences

    rows = read_jsonl(path)
    if not rows:
        raise InputError(f"{path} has no articles.")
    artefact = joblib.load(Path(model_dir) / "model.joblib") if model_dir else load_artefact()
    encoder = None
    if artefact.get("encoder_fingerprint"):
        try:
            from newssift.models.encoder import get_encoder

            encoder = get_encoder()
        except Exception:  # noqa: BLE001 - the text-only combiner serves
            encoder = None
        if encoder is not None and encoder.fingerprint != artefact["encoder_fingerprint"]:
            encoder = None  # trained on another encoder: its block would read the wrong features
    probs = []
    for n, row in enumerate(rows, 1):
        article = Article(text=row.text, title=row.title)
        article.sentences = regex_sentences(article.text)
        encoded = encoder.encode_batch([article.text])[0] if encoder is not None else None
        probs.append(text_probability(article, encoded, encoder, artefact)[0])
        if n % 200 == 0:
            print(f"{n} articles", file=sys.stderr)
    probs = np.array(probs)
    labels = np.array([r.label for r in rows])
    scored = labels != "satire"
    if len(set(labels[scored])) < 2:
        raise InputError(f"{path} needs both fake and real articles to score.")
    result = scores_for(labels[scored] == "fake", probs[scored])
    if (~scored).any():
        result["satire_mean_probability"] = round(float(probs[~scored].mean()), 4)
        result["satire_articles"] = int((~scored).sum())
    return result
