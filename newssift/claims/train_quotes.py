"""Train the learned quote extractor on PolNeAR: `newssift train quotes`.

Two logistic regressions on spaCy-parse features and the parse's token vectors, one saying whether
a verb-like token is an attribution cue, the other whether a content candidate of a cue is what
was attributed, and a conditional logit (a softmax over each cue's candidates) that ranks the
candidates of a cue. Both decision thresholds are chosen for content F1 on two hold-outs carved
from the training split (every tenth article from the first, every tenth from the sixth; each
scored by models fitted without it), then the models are refitted on the whole training split.
Needs scikit-learn and scipy (training only).
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
# The selection model's penalty (conditional logit over a cue's candidates); chosen on train folds.
SELECTION_C = 0.1
HOLDOUT_OFFSETS = (0, 5)
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
    and labels. Content examples also carry their cue's number (the candidates of one cue are
    contiguous) and their best token IoU with a gold content of that cue."""
    cue_x, cue_y, content_x, content_y = [], [], [], []
    content_group, content_iou = [], []
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
            group = len(cue_y) - 1
            for cand in cands:
                pred = tokens_in(tokens, cand.spans)
                iou = max((len(g & pred) / len(g | pred) for g in gold_sets if g), default=0.0)
                content_x.append((content_features(article, tok, cand, cands),
                                  slots_vector(tensor, content_slots(len(spacy_doc), cand))))
                content_y.append(int(iou >= MATCH_IOU))
                content_group.append(group)
                content_iou.append(iou)
    return cue_x, cue_y, content_x, content_y, content_group, content_iou


def _design_matrix(examples_x):
    """Binary features (seen MIN_FEATURE_COUNT times or more) and the scaled dense vectors as one
    sparse matrix, with the binary features' names."""
    from collections import Counter

    import numpy as np
    import scipy.sparse as sparse
    from sklearn.feature_extraction import DictVectorizer

    features = [feats for feats, _ in examples_x]
    counts = Counter(f for feats in features for f in set(feats))
    rows = [{f: 1.0 for f in feats if counts[f] >= MIN_FEATURE_COUNT} for feats in features]
    vectorizer = DictVectorizer()
    dense = np.stack([vector for _, vector in examples_x]).astype(np.float64) * DENSE_SCALE
    names = vectorizer.fit(rows).get_feature_names_out()
    matrix = sparse.hstack([vectorizer.transform(rows), sparse.csr_matrix(dense)]).tocsr()
    # liblinear takes 32-bit sparse indices only
    matrix.indices = matrix.indices.astype("int32")
    matrix.indptr = matrix.indptr.astype("int32")
    return matrix, list(names)


def _as_linear_model(names, coef, intercept: float) -> LinearModel:
    n_sparse = len(names)
    weights = {name: round(float(w), 4) for name, w in zip(names, coef[:n_sparse]) if abs(w) >= 1e-3}
    return LinearModel(weights, round(float(intercept), 4), dense=list(coef[n_sparse:] * DENSE_SCALE))


def fit_linear(examples_x: list[tuple[list[str], "np.ndarray"]], labels: list[int],
               c: float = REGULARISATION_C) -> LinearModel:
    """A logistic regression over binary features plus a dense vector, returned as plain weights."""
    from sklearn.linear_model import LogisticRegression

    matrix, names = _design_matrix(examples_x)
    model = LogisticRegression(C=c, max_iter=2000, solver="liblinear")
    model.fit(matrix, labels)
    return _as_linear_model(names, model.coef_[0], model.intercept_[0])


def fit_selection(examples_x, groups: list[int], ious: list[float], c: float = SELECTION_C) -> LinearModel:
    """A conditional logit over each gold cue's content candidates (a softmax within the cue):
    it learns to rank the cue's best candidate (highest token IoU, at least MATCH_IOU) above
    the others, which a per-candidate regression does not aim at. The objective is scaled like
    liblinear's (C times the summed loss plus half the squared weights)."""
    import numpy as np
    from scipy.optimize import minimize

    matrix, names = _design_matrix(examples_x)
    groups, ious = np.asarray(groups), np.asarray(ious)
    # the candidates of one cue are contiguous; keep cues with a right candidate and a choice
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    group_of = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(groups)]))
    best = np.maximum.reduceat(ious, starts)
    size = np.diff(np.r_[starts, len(groups)])
    keep_group = (best >= MATCH_IOU) & (size > 1)
    rows = keep_group[group_of]
    matrix, ious, group_of = matrix[rows], ious[rows], group_of[rows]
    positive = (ious >= MATCH_IOU) & (ious >= best[group_of] - 1e-9)
    starts = np.flatnonzero(np.r_[True, group_of[1:] != group_of[:-1]])
    group_of = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(group_of)]))
    n_groups = len(starts)

    def softmax(scores, mask):
        masked = np.where(mask, scores, -np.inf)
        top = np.maximum.reduceat(masked, starts)
        exp = np.where(mask, np.exp(masked - top[group_of]), 0.0)
        total = np.add.reduceat(exp, starts)
        return exp / total[group_of], np.log(total) + top

    def objective(w):
        scores = matrix @ w
        p_all, lse_all = softmax(scores, np.ones_like(positive))
        p_pos, lse_pos = softmax(scores, positive)
        loss = c * np.sum(lse_all - lse_pos) + 0.5 * w @ w
        grad = c * (matrix.T @ (p_all - p_pos)) + w
        return loss, grad

    result = minimize(objective, np.zeros(matrix.shape[1]), jac=True, method="L-BFGS-B",
                      options={"maxiter": 1000})
    print(f"selection model: {n_groups} cues, {matrix.shape[0]} candidates, "
          f"{result.nit} iterations", file=sys.stderr)
    # a softmax is blind to a constant: no bias
    return _as_linear_model(names, result.x, 0.0)


def score(extractor, pairs, tallies=None) -> dict:
    tallies = new_tallies() if tallies is None else tallies
    for doc, spacy_doc in pairs:
        score_document(doc.text, doc.attributions, extractor.extract(spacy_doc), tallies)
    return summarise(tallies)


def score_folds(folds, cue_t: float, content_t: float) -> dict:
    """Metrics pooled over the hold-outs, each scored by its own extractor at these thresholds."""
    tallies = new_tallies()
    metrics = {}
    for extractor, holdout in folds:
        extractor.cue_model.threshold, extractor.content_model.threshold = cue_t, content_t
        metrics = score(extractor, holdout, tallies)
    return metrics


def fit_extractor(pairs) -> LearnedExtractor:
    """Cue, content and selection models fitted on these parsed articles (thresholds unset)."""
    cue_x, cue_y, content_x, content_y, content_group, content_iou = examples(pairs)
    print(f"fit on {len(pairs)} articles: {len(cue_y)} cue candidates ({sum(cue_y)} cues), "
          f"{len(content_y)} content candidates", file=sys.stderr)
    return LearnedExtractor(fit_linear(cue_x, cue_y), fit_linear(content_x, content_y, CONTENT_C),
                            fit_selection(content_x, content_group, content_iou))


def tune_thresholds(folds) -> tuple[float, float, dict]:
    """The cue and content thresholds with the best content F1 over the hold-outs (pooled) among
    those keeping end-to-end F1 at MIN_END_TO_END or more (the best end-to-end F1 if none does).
    ``folds``: (extractor fitted without the hold-out, hold-out pairs)."""
    results = []
    for cue_t in (0.3, 0.35, 0.4, 0.45, 0.5):
        for content_t in (0.0, 0.3):
            metrics = score_folds(folds, cue_t, content_t)
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
    # settings are chosen on two hold-outs of the training split (every tenth article from the
    # first, every tenth from the sixth), each scored by models fitted on the other nine tenths
    folds = []
    for offset in HOLDOUT_OFFSETS:
        fit_part = [p for i, p in enumerate(train) if i % 10 != offset]
        holdout = [p for i, p in enumerate(train) if i % 10 == offset]
        folds.append((fit_extractor(fit_part), holdout))
    cue_t, content_t, holdout_metrics = tune_thresholds(folds)

    final = fit_extractor(train)
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
