"""`newssift evaluate stance PATH` (FNC-1 layout): FNC score, macro-F1 and F1 per class.

Scores the same model the headline head uses, with every body prepared once for all its headlines.
"""

from __future__ import annotations

import sys
from pathlib import Path

from newssift.errors import InputError
from newssift.evaluation.metrics import stance_scores


def predict_pairs(bodies: dict[int, str], pairs) -> list[str]:
    from newssift.stop.headline import encoder_if_matching, load_artefact
    from newssift.stop.stance_model import pair_matrix

    artefact = load_artefact()
    encoder = encoder_if_matching(artefact.get("encoder_fingerprint"))
    if encoder is not None and "text+encoder" in artefact["models"]:
        # the embedder runs on the shared encoder when it loads; its cache is keyed by content and fingerprint
        from newssift.models.training_embeddings import TrainingEmbedder
        from newssift.stop.stance_model import encoder_inputs

        embedder = TrainingEmbedder()
        body_emb, head_emb = encoder_inputs(embedder, bodies, pairs)
        model = artefact["models"]["text+encoder"]
        x = pair_matrix(model.featurizer, bodies, pairs, True, body_emb, head_emb)
    else:
        model = artefact["models"]["text"]
        x = pair_matrix(model.featurizer, bodies, pairs, False)
    print(f"{len(pairs)} pairs scored ({'text+encoder' if model.with_encoder else 'text'} model)", file=sys.stderr)
    return model.predict(x)


def evaluate(path: str | Path) -> dict:
    from newssift.stop.stance_data import read_fnc

    bodies, pairs = read_fnc(path)
    pairs = [p for p in pairs if p[2]]
    if not pairs:
        raise InputError(f"{path}/stances.csv has no Stance column to score against.")
    missing = {b for _, b, _ in pairs} - set(bodies)
    if missing:
        raise InputError(f"stances.csv names {len(missing)} body id(s) not in bodies.csv, e.g. {min(missing)}.")
    result = stance_scores([s for _, _, s in pairs], predict_pairs(bodies, pairs))
    result["pairs"] = len(pairs)
    return result
