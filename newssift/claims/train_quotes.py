"""Train the learned quote extractor on PolNeAR: `newssift train quotes`.

Two logistic regressions on spaCy-parse features and the parse's token vectors: one says whether
a verb-like token is an attribution cue, the other which content candidate of a cue is what was
attributed. Both decision thresholds are chosen for content F1 on a hold-out carved from the
training split (every tenth article), then the models are refitted on the whole training split.
Needs scikit-learn (training only).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

from newssift.claims.polnear import parsed_split
from newssift.claims.quote_extraction import (ARTEFACT_DIR, LearnedExtractor, LinearModel, RuleExtractor,
                                              content_features, content_slots, cue_features, cue_slots,
                                              slots_vector, token_tensor)
from newssift.claims.quote_structure import ParsedArticle, content_candidates, is_cue_candidate
from newssift.evaluation.quotes import MATCH_IOU, new_tallies, score_document, summarise, token_index, tokens_in

REGULARISATION_C = 0.3
# The content model has fewer examples and many overlapping relative features: a stronger penalty
# chose better on the train hold-out (content F1 0.679 against 0.677 at 0.3 and 1.0).
CONTENT_C = 0.1
# Thresholds are chosen for content F1 on the hold-out, as long as end-to-end F1 stays at least
# this high there.
MIN_END_TO_END = 0.60
MIN_FEATURE_COUNT = 2
# The dense vectors enter the regression scaled down, so that one penalty suits both kinds of
# feature (binary features are 0/1, the parse's token vectors have unit-ish entries).
DENSE_SCALE = 0.25


def _gold_cues(doc, spacy_doc) -> dict[int, list]:
    """Cue head token -> gold attributions it introduces."""
    by_token: dict[int, list] = {}
    for att in doc.attributions:
        if not att.cue:
            continue
        span = spacy_doc.char_span(att.cue[0][0], att.cue[0][1], alignment_mode="expand")
        if span is None or not len(span):
            continue
        by_token.setdefault(span.root.i, []).append(att)
    return by_token


def examples(pairs):
    """Cue and content examples over a list of parsed docs: (binary features, dense vector) pairs
    and labels."""
    cue_x, cue_y, content_x, content_y = [], [], [], []
    for doc, spacy_doc in pairs:
        article = ParsedArticle(spacy_doc)
        tensor = token_tensor(spacy_doc)
        tokens = token_index(doc.text)
        gold = _gold_cues(doc, spacy_doc)
        for tok in spacy_doc:
            if not is_cue_candidate(tok):
                continue
            cue_x.append((cue_features(article, tok), slots_vector(tensor, cue_slots(tok))))
            cue_y.append(int(tok.i in gold))
            if tok.i not in gold:
                continue
            gold_sets = [tokens_in(tokens, att.content) for att in gold[tok.i]]
            cands = content_candidates(article, tok)
            for cand in cands:
                pred = tokens_in(tokens, cand.spans)
                label = any(g and len(g & pred) / len(g | pred) >= MATCH_IOU for g in gold_sets)
                content_x.append((content_features(article, tok, cand, cands),
                                  slots_vector(tensor, content_slots(len(spacy_doc), cand))))
                content_y.append(int(label))
    return cue_x, cue_y, content_x, content_y


def fit_linear(examples_x: list[tuple[list[str], "np.ndarray"]], labels: list[int],
               c: float = REGULARISATION_C) -> LinearModel:
    """A logistic regression over binary features plus a dense vector, returned as plain weights."""
    from collections import Counter

    import numpy as np
    import scipy.sparse as sparse
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    features = [feats for feats, _ in examples_x]
    counts = Counter(f for feats in features for f in set(feats))
    rows = [{f: 1.0 for f in feats if counts[f] >= MIN_FEATURE_COUNT} for feats in features]
    vectorizer = DictVectorizer()
    dense = np.stack([vector for _, vector in examples_x]).astype(np.float64) * DENSE_SCALE
    n_sparse = len(vectorizer.fit(rows).get_feature_names_out())
    matrix = sparse.hstack([vectorizer.transform(rows), sparse.csr_matrix(dense)]).tocsr()
    # liblinear takes 32-bit sparse indices only
    matrix.indices = matrix.indices.astype("int32")
    matrix.indptr = matrix.indptr.astype("int32")
    model = LogisticRegression(C=c, max_iter=2000, solver="liblinear")
    model.fit(matrix, labels)
    coef = model.coef_[0]
    weights = {name: round(float(w), 4) for name, w in zip(vectorizer.get_feature_names_out(), coef[:n_sparse])
               if abs(w) >= 1e-3}
    return LinearModel(weights, round(float(model.intercept_[0]), 4), dense=list(coef[n_sparse:] * DENSE_SCALE))


def score(extractor, pairs) -> dict:
    tallies = new_tallies()
    for doc, spacy_doc in pairs:
        score_document(doc.text, doc.attributions, extractor.extract(spacy_doc), tallies)
    return summarise(tallies)


def tune_thresholds(extractor: LearnedExtractor, pairs) -> tuple[float, float, dict]:
    """The cue and content thresholds with the best content F1 on the hold-out among those
    keeping end-to-end F1 at MIN_END_TO_END or more (the best end-to-end F1 if none does)."""
    results = []
    for cue_t in (0.3, 0.35, 0.4, 0.45, 0.5):
        for content_t in (0.0, 0.3):
            extractor.cue_model.threshold, extractor.content_model.threshold = cue_t, content_t
            metrics = score(extractor, pairs)
            print(f"  cue>={cue_t} content>={content_t}: content_f1 {metrics['content_f1']} "
                  f"e2e {metrics['end_to_end_f1']}", file=sys.stderr)
            results.append((cue_t, content_t, metrics))
    allowed = [r for r in results if r[2]["end_to_end_f1"] >= MIN_END_TO_END]
    if allowed:
        best = max(allowed, key=lambda r: (r[2]["content_f1"], r[2]["end_to_end_f1"]))
    else:
        best = max(results, key=lambda r: r[2]["end_to_end_f1"])
    return best


def train_quotes(data_dir=None, out_dir=None, cache_dir=None) -> dict:
    """Train on PolNeAR train, tune thresholds on a train hold-out, report dev, write the model."""
    from newssift import settings
    from newssift.errors import NewssiftError

    data_dir = Path(data_dir) if data_dir else settings.shared_data_dir()
    if data_dir is None:
        raise NewssiftError("No data folder: pass --data (a folder laid out like ../shared/data).")
    root = data_dir / "quotes-polnear" if (data_dir / "quotes-polnear").is_dir() else data_dir
    if not (root / "train" / "text").is_dir():
        raise NewssiftError(f"{root} has no PolNeAR train/ split.")
    out_dir = Path(out_dir) if out_dir else ARTEFACT_DIR
    started = time.process_time()

    train = parsed_split(root / "train", cache_dir)
    fit_part = [p for i, p in enumerate(train) if i % 10 != 0]
    holdout = [p for i, p in enumerate(train) if i % 10 == 0]
    cue_x, cue_y, content_x, content_y = examples(fit_part)
    print(f"fit on {len(fit_part)} articles: {len(cue_y)} cue candidates ({sum(cue_y)} cues), "
          f"{len(content_y)} content candidates", file=sys.stderr)
    extractor = LearnedExtractor(fit_linear(cue_x, cue_y), fit_linear(content_x, content_y, CONTENT_C))
    cue_t, content_t, holdout_metrics = tune_thresholds(extractor, holdout)

    cue_x, cue_y, content_x, content_y = examples(train)
    final = LearnedExtractor(fit_linear(cue_x, cue_y), fit_linear(content_x, content_y, CONTENT_C))
    final.cue_model.threshold, final.content_model.threshold = cue_t, content_t
    result = {"cue_threshold": cue_t, "content_threshold": content_t,
              "train_holdout": holdout_metrics, "train_articles": len(train)}
    if (root / "dev" / "text").is_dir():
        dev = parsed_split(root / "dev", cache_dir)
        result["dev"] = score(final, dev)
        result["dev_rule_baseline"] = score(RuleExtractor(), dev)
    result["cpu_seconds"] = round(time.process_time() - started, 1)
    result["date"] = date.today().isoformat()
    path = final.save(out_dir, meta={k: result[k] for k in ("cue_threshold", "content_threshold", "date", "train_articles")})
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}", file=sys.stderr)
    return result
