"""`newssift evaluate checkworthy PATH`.

PATH is a ClaimBuster CSV (Text, Verdict -1/0/1): `f1`, `precision`, `recall` of check-worthy
sentences (Verdict 1) at the model's calibrated threshold. Or PATH is a folder of CLEF CheckThat!
TSVs (line, speaker, sentence, label): `map`, `r_precision`, `p_at_10`, averaged over the files
(CLEF scorer definitions).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from newssift.claims.checkworthy_data import read_claimbuster_csv, read_clef_folder
from newssift.claims.checkworthy_metrics import binary_scores, clef_scores
from newssift.claims.checkworthy_model import check_fingerprint, load_checkworthy_model
from newssift.errors import InputError


def _embedder():
    """The shared encoder; when it is not installed, the training fallback on the base weights."""
    from newssift.claims.checkworthy_embeddings import training_embedder

    return training_embedder()


def evaluate(path, artefact_dir=None) -> dict:
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist.")
    model = load_checkworthy_model(artefact_dir)
    embedder = _embedder() if model.config.embedding else None
    if embedder is not None:
        check_fingerprint(model, embedder.fingerprint)

    def probabilities(texts: list[str]) -> np.ndarray:
        embeddings = embedder.embed_sentences(texts) if embedder is not None else None
        return model.predict_proba(texts, embeddings)

    if path.is_dir():
        debates = read_clef_folder(path)
        print(f"scoring {len(debates)} debates", file=sys.stderr)
        scored = {name: ([r.label for r in rows], probabilities([r.text for r in rows]))
                  for name, rows in debates.items()}
        result = clef_scores(scored)
        result["sentences"] = sum(len(rows) for rows in debates.values())
        return result
    rows = read_claimbuster_csv(path)
    print(f"scoring {len(rows)} sentences", file=sys.stderr)
    probability = probabilities([r.text for r in rows])
    result = binary_scores([r.label for r in rows], probability >= model.threshold)
    result.update({"threshold": model.threshold, "sentences": len(rows),
                   "checkworthy": int(sum(r.label for r in rows))})
    return result
