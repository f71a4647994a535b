"""Train the learned quote extractor on PolNeAR: `newssift train quotes`.

Two logistic regressions on spaCy-parse features: one says whether a verb-like token is an
attribution cue, the other which content candidate of a cue is what was attributed. Both decision
thresholds are chosen on a hold-out carved from the training split (every tenth article), then
the models are refitted on the whole training split. Needs scikit-learn (training only).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

from newssift.claims.polnear import parsed_split
from newssift.claims.quote_extraction import (ARTEFACT_DIR, LearnedExtractor, LinearModel, RuleExtractor,
                                              content_features, cue_features)
from newssift.claims.quote_structure import ParsedArticle, content_candidates, is_cue_candidate
from newssift.evaluation.quotes import MATCH_IOU, new_tallies, score_document, summarise, token_index, tokens_in

REGULARISATION_C = 0.3
MIN_FEATURE_COUNT = 2


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
    """(cue features, label) and (content features, label) lists over a list of parsed docs."""
    cue_x, cue_y, content_x, content_y = [], [], [], []
    for doc, spacy_doc in pairs:
        article = ParsedArticle(spacy_doc)
        tokens = token_index(doc.text)
        gold = _gold_cues(doc, spacy_doc)
        for tok in spacy_doc:
            if not is_cue_candidate(tok):
                continue
            cue_x.append(cue_features(article, tok))
            cue_y.append(int(tok.i in gold))
            if tok.i not in gold:
                continue
            gold_sets = [tokens_in(tokens, att.content) for att in gold[tok.i]]
            for cand in content_candidates(article, tok):
                pred = tokens_in(tokens, cand.spans)
                label = any(g and len(g & pred) / len(g | pred) >= MATCH_IOU for g in gold_sets)
                content_x.append(content_features(article, tok, cand))
                content_y.append(int(label))
    return cue_x, cue_y, content_x, content_y


def fit_linear(features: list[list[str]], labels: list[int], c: float = REGULARISATION_C) -> LinearModel:
    """A logistic regression over binary features, returned as plain weights."""
    from collections import Counter

    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    counts = Counter(f for feats in features for f in set(feats))
    rows = [{f: 1.0 for f in feats if counts[f] >= MIN_FEATURE_COUNT} for feats in features]
    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform(rows).tocsr()
    # liblinear takes 32-bit sparse indices only
    matrix.indices = matrix.indices.astype("int32")
    matrix.indptr = matrix.indptr.astype("int32")
    model = LogisticRegression(C=c, max_iter=2000, solver="liblinear")
    model.fit(matrix, labels)
    weights = {name: round(float(w), 4) for name, w in zip(vectorizer.get_feature_names_out(), model.coef_[0])
               if abs(w) >= 1e-3}
    return LinearModel(weights, round(float(model.intercept_[0]), 4))


def score(extractor, pairs) -> dict:
    tallies = new_tallies()
    for doc, spacy_doc in pairs:
        score_document(doc.text, doc.attributions, extractor.extract(spacy_doc), tallies)
    return summarise(tallies)


def tune_thresholds(extractor: LearnedExtractor, pairs) -> tuple[float, float, dict]:
    """The cue and content thresholds with the best end-to-end F1 on the hold-out."""
    best = (-1.0, 0.5, 0.5, {})
    for cue_t in (0.3, 0.35, 0.4, 0.45, 0.5):
        for content_t in (0.0, 0.3):
            extractor.cue_model.threshold, extractor.content_model.threshold = cue_t, content_t
            metrics = score(extractor, pairs)
            print(f"  cue>={cue_t} content>={content_t}: content_f1 {metrics['content_f1']} "
                  f"e2e {metrics['end_to_end_f1']}", file=sys.stderr)
            if metrics["end_to_end_f1"] > best[0]:
                best = (metrics["end_to_end_f1"], cue_t, content_t, metrics)
    return best[1], best[2], best[3]


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
    extractor = LearnedExtractor(fit_linear(cue_x, cue_y), fit_linear(content_x, content_y))
    cue_t, content_t, holdout_metrics = tune_thresholds(extractor, holdout)

    cue_x, cue_y, content_x, content_y = examples(train)
    final = LearnedExtractor(fit_linear(cue_x, cue_y), fit_linear(content_x, content_y))
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
