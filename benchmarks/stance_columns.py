"""Stance experiment: which feature columns help on stories unseen in training.

Step 1 (`features`) writes the pair-feature matrix of every split: the body split of
`newssift train stance` (seed 0) and the 5 claim-disjoint folds (`stance_model.claim_split`), each
with its TF-IDF vocabulary fitted on its own training text. Step 2 (`fit`) fits the two-stage model
on a column set per split and prints the body-split scores and the claim-disjoint scores pooled over
the folds (the same folds for every column set). Column sets: T text, C close cues, E encoder, joined
with +, and `-name|name` to drop columns, e.g.

    python benchmarks/stance_columns.py features
    python benchmarks/stance_columns.py fit T+C T+C+E "T+C-top3_vader_mean|polarity_agreement"
    python benchmarks/stance_columns.py testmix T+C+E

`testmix` re-weights the pooled claim-disjoint predictions to the class mix of the FNC-1 competition
test set (25,413 pairs: 1,903 agree, 697 disagree, 4,464 discuss, 18,349 unrelated; Hanselowski et
al. 2018), whose stories are also unseen: an estimate of the held-back figure, not a measurement.

Set NEWSSIFT_TRAIN_CACHE to where the encoder's embeddings of FNC-1 are cached (or they are computed).
"""

import os
import sys
import time

import numpy as np

from newssift.evaluation.metrics import stance_scores
from newssift.stop import stance_model as sm
from newssift.stop.stance_data import read_fnc
from newssift.stop.stance_features import CLOSE_FEATURES, ENCODER_FEATURES, TEXT_FEATURES, StanceFeaturizer

DATA = os.environ.get("NEWSSIFT_DATA", "../shared/data")
OUT = os.environ.get("STANCE_COLUMNS_CACHE", os.path.expanduser("~/.cache/newssift-stance"))
SPLITS = ["body"] + [f"claim{f}" for f in range(5)]
NAMES = list(TEXT_FEATURES + CLOSE_FEATURES + ENCODER_FEATURES)


def features(names: list[str]) -> None:
    from newssift.models.training_embeddings import TrainingEmbedder

    bodies, pairs = read_fnc(DATA + "/stance-fnc1/train")
    body_emb, head_emb = sm.encoder_inputs(TrainingEmbedder(), bodies, pairs)
    held = sm.body_split(bodies)
    splits = {"body": (np.array([p[1] not in held for p in pairs]), np.array([p[1] in held for p in pairs]))}
    splits.update({f"claim{f}": sm.claim_split(pairs, fold=f) for f in range(5)})
    os.makedirs(OUT, exist_ok=True)
    for name in names or SPLITS:
        t = time.time()
        train = [pairs[i] for i in np.flatnonzero(splits[name][0])]
        test = [pairs[i] for i in np.flatnonzero(splits[name][1])]
        featurizer = StanceFeaturizer().fit([h for h, _, _ in train] + [bodies[b] for b in sorted({b for _, b, _ in train})])
        np.savez(f"{OUT}/{name}.npz",
                 xtr=sm.pair_matrix(featurizer, bodies, train, True, body_emb, head_emb),
                 xte=sm.pair_matrix(featurizer, bodies, test, True, body_emb, head_emb),
                 ytr=np.array([s for *_, s in train]), yte=np.array([s for *_, s in test]))
        print(name, len(train), len(test), round(time.time() - t, 1), "s", flush=True)


def columns(spec: str) -> list[int]:
    if "-" in spec:
        spec, minus = spec.split("-")
        drop = {NAMES.index(n) for n in minus.split("|")}
        return [i for i in columns(spec) if i not in drop]
    groups = {"T": TEXT_FEATURES, "C": CLOSE_FEATURES, "E": ENCODER_FEATURES}
    return [NAMES.index(n) for part in spec.split("+") for n in (groups[part] if part in groups else part.split("|"))]


def fit(specs: list[str]) -> None:
    for spec in specs:
        cols, gold, pooled = columns(spec), [], []
        for name in SPLITS:
            d = np.load(f"{OUT}/{name}.npz")
            predicted = sm.StanceModel(None, False).fit(d["xtr"][:, cols], list(d["ytr"])).predict(d["xte"][:, cols])
            if name == "body":
                print(spec, "body split", {k: round(v, 4) for k, v in stance_scores(list(d["yte"]), predicted).items()})
            else:
                gold += list(d["yte"])
                pooled += predicted
        print(spec, "claim-disjoint", {k: round(v, 4) for k, v in stance_scores(gold, pooled).items()}, flush=True)


def testmix(specs: list[str]) -> None:
    from newssift.evaluation.metrics import stance_scores_at_mix

    for spec in specs:
        cols, gold, pooled = columns(spec), [], []
        for name in SPLITS[1:]:
            d = np.load(f"{OUT}/{name}.npz")
            pooled += sm.StanceModel(None, False).fit(d["xtr"][:, cols], list(d["ytr"])).predict(d["xte"][:, cols])
            gold += list(d["yte"])
        mix = stance_scores_at_mix(gold, pooled)
        print(spec, "claim-disjoint FNC", round(stance_scores(gold, pooled)["fnc_score"], 2),
              "; at the competition test's class mix: FNC", round(mix["fnc_score"], 2),
              "macro-F1", round(mix["macro_f1"], 3), flush=True)


if __name__ == "__main__":
    {"features": features, "fit": fit, "testmix": testmix}[sys.argv[1]](sys.argv[2:])
