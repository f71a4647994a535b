"""Tuning claim matching on the CheckThat! train splits: the fusion weight, the re-ranker
(logistic regression blended with gradient-boosted trees), and the threshold calibrated on dev
(``newssift train coverage``).

Embeddings come from the shared encoder (the base MiniLM weights through transformers when the
encoder is not built) and are cached, so a retrain after the first is a matter of seconds."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from newssift.coverage import checkthat as ct
from newssift.coverage.experiments import Task, politifact_task, snopes_task
from newssift.coverage.match import InMemoryMatcher, record_metadata
from newssift.coverage.model import ARTEFACT, METHODS, MatchModel
from newssift.evaluation.claim_matching import score_rankings

FUSION_GRID = [round(x, 2) for x in np.arange(0.0, 0.55, 0.05)]
# the matching delta's training (newssift.coverage.finetune, `newssift train coverage --finetune-encoder`);
# of the variants tried, the one that kept both tasks' dev MAP@5 closest to the base weights once
# re-ranked (none beat them: benchmarks/coverage.md)
FINETUNE = {"epochs": 2, "lr": 5e-4, "rank": 8, "alpha": 16.0, "batch": 32, "hard_k": 10, "with_2b": False,
            "share": 0.5}
# the re-ranker's boosted trees (scikit-learn HistGradientBoostingClassifier, exported to the
# artefact) and their weight against the logistic regression on the logit scale; chosen on the
# dev queries of both tasks (benchmarks/coverage.md: the trees alone raise 2A and lower 2B, the
# logistic regression alone the reverse; equal weights keep 2B and most of the 2A gain)
TREES = {"max_iter": 200, "learning_rate": 0.05, "max_leaf_nodes": 15, "min_samples_leaf": 40,
         "l2_regularization": 1.0, "early_stopping": True, "validation_fraction": 0.1, "random_state": 0}
TREES_WEIGHT = 0.5


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Prepared:
    """A task with its collection indexed and its queries embedded once."""

    def __init__(self, task: Task, embedder, model: MatchModel):
        self.task = task
        ids = sorted(task.queries)
        qv = embedder.embed([task.queries[q] for q in ids])
        if task.context:
            cv = embedder.embed([(task.context.get(q, "") + " " + task.queries[q]).strip() for q in ids])
        else:
            cv = qv
        self.qvec = {q: qv[i] for i, q in enumerate(ids)}
        self.cvec = {q: cv[i] for i, q in enumerate(ids)}
        texts = [ct.collection_text(r) for r in task.collection]
        vectors = embedder.embed(texts)
        self._candidates: dict = {}
        self.matcher = InMemoryMatcher([r["vclaim_id"] for r in task.collection], texts, vectors, embedder.embed, model,
                                       *record_metadata(task.collection))

    def rank(self, split: str, method: str, k: int = 5, with_features: bool = False) -> tuple[dict, dict]:
        queries, qrels = self.task.split(split)
        qids = list(queries)
        ranked = self.matcher.rank_many(queries, method=method, k=k, with_features=with_features, meta=self.task.meta,
                                        qvecs=np.stack([self.qvec[q] for q in qids]),
                                        cvecs=np.stack([self.cvec[q] for q in qids]))
        return ranked, qrels

    def candidates(self, split: str) -> tuple[dict, dict]:
        """Per query: (candidate rows, their features). Candidates and features depend only on
        the query projection, so they are computed once per projection and rescored cheaply
        for every fusion weight and re-ranker tried."""
        key = (split, id(self.matcher.model.projection))
        if self._candidates.get("key") != key:
            ranked, qrels = self.rank(split, "fusion", k=1, with_features=True)
            self._candidates = {"key": key, "value": ({q: (cand, feats) for q, (_h, cand, feats) in ranked.items()}, qrels)}
        return self._candidates["value"]

    def evaluate(self, split: str, method: str) -> dict:
        from newssift.coverage.match import _top_k

        found, qrels = self.candidates(split)
        model = self.matcher.model
        rankings = {q: [self.matcher.ids[cand[j]] for j in _top_k(model.score(feats, method), 5)]
                    for q, (cand, feats) in found.items()}
        return score_rankings(rankings, qrels)


def _pairs(prep: Prepared, split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate features, labels, and query group of every candidate of every query."""
    found, qrels = prep.candidates(split)
    xs, ys, groups = [], [], []
    for g, (qid, (cand, feats)) in enumerate(found.items()):
        rel = qrels[qid]
        xs.append(feats)
        ys.append(np.array([prep.matcher.ids[j] in rel for j in cand], dtype=np.int8))
        groups.append(np.full(len(cand), g))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(groups)


def _negative_pairs(prep: Prepared, sentences: list[str], metas: list[dict] | None = None) -> np.ndarray:
    """Candidate features of sentences that no fact-check matches (every candidate is wrong)."""
    neg = {f"neg-{i}": t for i, t in enumerate(sentences)}
    meta = {f"neg-{i}": m for i, m in enumerate(metas or [])}
    vecs = prep.matcher.embed(sentences)
    ranked = prep.matcher.rank_many(neg, method="fusion", k=1, with_features=True, qvecs=vecs, cvecs=vecs, meta=meta)
    return np.concatenate([feats for _hits, _cand, feats in ranked.values()])


def fit_reranker(model: MatchModel, preps: list[Prepared], split: str = "train", c: float = 1.0,
                 negatives: list[str] | None = None, negative_meta: list[dict] | None = None,
                 trees_weight: float = TREES_WEIGHT) -> None:
    """Logistic regression over candidate pairs and, with `trees_weight` > 0, gradient-boosted
    trees on the same pairs, blended on the logit scale. `negatives`: sentences without any
    fact-check, searched in every collection; without them the re-ranker only learns which
    candidate is best *relative* to the others, and scores the best of unrelated candidates high."""
    from sklearn.linear_model import LogisticRegression

    from newssift.coverage.model import export_trees

    xs, ys = [], []
    for prep in preps:
        x, y, _ = _pairs(prep, split)
        xs.append(x)
        ys.append(y)
        if negatives:
            xn = _negative_pairs(prep, negatives, negative_meta)
            xs.append(xn)
            ys.append(np.zeros(len(xn), dtype=np.int8))
    x, y = np.concatenate(xs), np.concatenate(ys)
    mean, scale = x.mean(0), x.std(0) + 1e-6
    lr = LogisticRegression(C=c, max_iter=2000)
    lr.fit((x - mean) / scale, y)
    model.mean, model.scale = mean.tolist(), scale.tolist()
    model.coef, model.intercept = lr.coef_[0].tolist(), float(lr.intercept_[0])
    model.trees, model.trees_weight = None, 0.0
    if trees_weight > 0:
        from sklearn.ensemble import HistGradientBoostingClassifier

        gb = HistGradientBoostingClassifier(**TREES).fit(x, y)
        model.trees, model.trees_weight = export_trees(gb), float(trees_weight)
        _log(f"re-ranker trees: {gb.n_iter_} trees")
    _log(f"re-ranker: {len(y)} candidate pairs, {int(y.sum())} positive")


def fit_projection(model: MatchModel, preps: list[Prepared], split: str = "train", epochs: int = 60,
                   temperature: float = 0.05, anchor: float = 1.0, lr: float = 2e-3) -> None:
    """A linear map of query embeddings (the collection's stay as the encoder gives them, so the
    index needs no re-embedding), trained to rank each query's fact-check first among the whole
    collection (softmax over every verified claim), kept near the identity by a penalty."""
    import torch

    torch.manual_seed(0)
    dim = preps[0].matcher.vectors.shape[1]
    w = torch.nn.Parameter(torch.eye(dim))
    opt = torch.optim.Adam([w], lr=lr)
    batches = []
    for p in preps:
        queries, qrels = p.task.split(split)
        row = {vid: i for i, vid in enumerate(p.matcher.ids)}
        qs, targets = [], []
        for q in queries:
            for vid in qrels[q]:
                if vid in row:
                    qs.append(p.qvec[q])
                    targets.append(row[vid])
        batches.append((torch.from_numpy(np.stack(qs)), torch.tensor(targets),
                         torch.from_numpy(p.matcher.vectors)))
    eye = torch.eye(dim)
    for _ in range(epochs):
        opt.zero_grad()
        loss = anchor * ((w - eye) ** 2).sum()
        for q, t, coll in batches:
            z = torch.nn.functional.normalize(q @ w, dim=-1)
            loss = loss + torch.nn.functional.cross_entropy((z @ coll.T) / temperature, t)
        loss.backward()
        opt.step()
    model.projection = w.detach().numpy().astype(float).round(6).tolist()


def _unmatched_rows(root: str | None, n: int, part: int) -> list[dict]:
    """ClaimBuster's non-factual (-1) and unimportant factual (0) sentences of eight words or more,
    a fixed spread-out sample; `part` 0 and 1 are disjoint samples."""
    import csv

    from newssift.coverage.experiments import data_dir

    path = data_dir(root) / "checkworthy-claimbuster" / "crowdsourced.csv"
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["Verdict"] in ("-1", "0") and len(r["Text"].split()) >= 8]
    step = max(2, len(rows) // n)
    return rows[part * (step // 2)::step][:n]


def unmatched_sentences(root: str | None = None, n: int = 400, part: int = 0) -> list[str]:
    """Debate sentences that no fact-check should match (see `_unmatched_rows`).
    `part` 0 (calibration) and 1 (re-ranker training) are disjoint samples."""
    return [r["Text"] for r in _unmatched_rows(root, n, part)]


def unmatched_meta(root: str | None = None, n: int = 400, part: int = 0) -> list[dict]:
    """The debate date and speaker of each of `unmatched_sentences` (same arguments): matched
    queries carry them, so negatives without them would let the date features tell the two
    apart instead of the text."""
    return [{"date": r["File_id"][:10], "speaker": r["Speaker"]} for r in _unmatched_rows(root, n, part)]


def calibrate_threshold(model: MatchModel, preps: list[Prepared], split: str = "dev", target: float = 0.8,
                        negatives: list[str] | None = None, negative_meta: list[dict] | None = None) -> dict:
    """The lowest re-ranker score above which the top-1 match is right at least `target` of
    the time, on dev queries searched against all collections together (a match from the
    other collection counts as wrong), plus `negatives`: sentences without any fact-check,
    whose every match is wrong. Without them the threshold would be far too low for articles,
    where most sentences have never been checked."""
    records = [r for p in preps for r in p.task.collection]
    vectors = np.concatenate([p.matcher.vectors for p in preps])
    texts = [t for p in preps for t in p.matcher.texts]
    merged = InMemoryMatcher([r["vclaim_id"] for r in records], texts, vectors, preps[0].matcher.embed, model,
                             *record_metadata(records))
    tops = []
    for p in preps:
        queries, qrels = p.task.split(split)
        qids = list(queries)
        ranked = merged.rank_many(queries, k=1, meta=p.task.meta, qvecs=np.stack([p.qvec[q] for q in qids]),
                                  cvecs=np.stack([p.cvec[q] for q in qids]))
        tops += [(hits[0].score, hits[0].record_id in qrels[q]) for q, hits in ranked.items() if hits]
    n_positive = len(tops)
    if negatives:
        neg = {f"neg-{i}": t for i, t in enumerate(negatives)}
        vecs = preps[0].matcher.embed(negatives)
        meta = {f"neg-{i}": m for i, m in enumerate(negative_meta or [])}
        ranked = merged.rank_many(neg, k=1, qvecs=vecs, cvecs=vecs, meta=meta)
        tops += [(hits[0].score, False) for hits in ranked.values() if hits]
    tops.sort(key=lambda t: -t[0])
    threshold, correct, best = 1.0, 0, None
    for n, (score, ok) in enumerate(tops, 1):
        correct += ok
        if correct / n >= target:
            best = (score, n, correct)
    if best:
        threshold = best[0]
    shown = [t for t in tops if t[0] >= threshold]
    negatives_shown = sum(1 for score, _ in tops if score >= threshold) - sum(1 for score, ok in tops if score >= threshold and ok)
    return {"threshold": round(float(threshold), 4), "queries": n_positive, "negatives": len(tops) - n_positive,
            "wrong_shown": negatives_shown,
            "top1_shown": len(shown), "top1_precision_shown": round(sum(ok for _, ok in shown) / max(1, len(shown)), 4),
            "top1_recall": round(sum(ok for _, ok in shown) / max(1, n_positive), 4)}


def train_coverage(data_dir: str | Path | None = None, out: str | Path | None = None,
                   cache_dir: str | Path | None = None, projection: bool = True, epochs: int = 60,
                   candidates: int = 30, c: float = 1.0, train_negatives: int = 400,
                   embedder=None, finetune: bool = False, trees_weight: float = TREES_WEIGHT) -> dict:
    """Everything claim matching learns, in order: with `finetune` (and no `embedder` given), a
    matching delta of the encoder, written next to the matcher; then, on embeddings of the
    matching encoder (with that delta), the query projection, the fusion weight, the re-ranker
    and the threshold.

    `finetune` is off by default: the delta improves dense retrieval but not the re-ranked
    ranking (benchmarks/coverage.md), so the shipped matcher runs on the base weights."""
    from newssift import settings
    from newssift.coverage.embedding import (CachedEmbedder, SharedEncoderEmbedder, reset_matching_encoder,
                                             training_embedder)

    t0 = time.process_time()
    root = str(data_dir) if data_dir else None
    cache = Path(cache_dir or settings.cache_dir() / "coverage-embeddings")
    delta_stats = None
    if finetune and embedder is None:
        from newssift.coverage import finetune as ft
        from newssift.models.encoder import load_encoder

        # the delta lies next to the matcher it was trained with (in the package by default,
        # where `matching_encoder` reads it)
        delta_path = (Path(out).parent if out else ARTEFACT.parent) / ft.DELTA_FILE.name
        delta_stats, table = ft.train_delta(root, cache, delta_path, **FINETUNE)
        reset_matching_encoder()
        # texts outside the table (none in training) go through the runtime encoder with the delta
        table.fallback = CachedEmbedder(SharedEncoderEmbedder(load_encoder("encoder for claim matching",
                                                                           lora_path=delta_path)), cache)
        embedder = table
    if embedder is None:
        embedder = CachedEmbedder(training_embedder(), cache)
    model = MatchModel(fingerprint=embedder.fingerprint, candidates=candidates)
    preps = [Prepared(snopes_task(root), embedder, model), Prepared(politifact_task(root), embedder, model)]
    # what the projection, fusion weight and re-ranker are fitted on: the train queries the
    # delta did not learn from (its own ones would show cosines it will never give at run time)
    fit = "train"
    if delta_stats is not None:
        from newssift.coverage.finetune import delta_share

        fit = "train-unseen"
        for p in preps:
            seen = p.task.name in delta_stats["tasks"]
            p.task.qrels[fit] = {q: r for q, r in p.task.qrels["train"].items()
                                 if not (seen and delta_share(q, delta_stats["share"]))}
    _log(f"embedded with {embedder.fingerprint} ({time.process_time() - t0:.0f}s CPU)")
    baseline = {}
    for p in preps:
        for method in ("bm25", "dense"):
            baseline[f"{p.task.name}/dev/{method}-base"] = p.evaluate("dev", method)
    if projection:
        fit_projection(model, preps, fit, epochs=epochs)
        _log(f"query projection fitted ({time.process_time() - t0:.0f}s CPU)")

    # fusion weight: best mean MAP@5 over the two tasks' train queries
    best = None
    for w in FUSION_GRID:
        model.fusion_weight = w
        score = np.mean([p.evaluate(fit, "fusion")["map_at_5"] for p in preps])
        if best is None or score > best[0]:
            best = (score, w)
    model.fusion_weight = best[1]
    _log(f"fusion weight {model.fusion_weight} (train MAP@5 {best[0]:.4f})")

    fit_reranker(model, preps, fit, c=c, trees_weight=trees_weight,
                 negatives=unmatched_sentences(root, train_negatives, part=1) if train_negatives else None,
                 negative_meta=unmatched_meta(root, train_negatives, part=1) if train_negatives else None)
    calibration = calibrate_threshold(model, preps, "dev", model.threshold_precision, unmatched_sentences(root),
                                      unmatched_meta(root))
    model.threshold = calibration["threshold"]

    metrics = {}
    for p in preps:
        for split in p.task.qrels:
            if split.startswith("train"):
                continue
            for method in METHODS:
                metrics[f"{p.task.name}/{split}/{method}"] = p.evaluate(split, method)
            if model.trees_weight:
                # the logistic regression alone, for comparison (same candidates and features)
                weight, model.trees_weight = model.trees_weight, 0.0
                metrics[f"{p.task.name}/{split}/reranked-linear"] = p.evaluate(split, "reranked")
                model.trees_weight = weight
    metrics.update(baseline)
    model.trained = {"date": time.strftime("%Y-%m-%d"), "metrics": metrics, "calibration": calibration,
                     "train_negatives": train_negatives, "matching_delta": delta_stats,
                     "cpu_seconds": round(time.process_time() - t0, 1)}
    path = Path(out) if out else ARTEFACT
    model.save(path)
    write_model_card(path.parent / "MODEL_CARD.md", model)
    for name, m in metrics.items():
        _log(f"{name}: MAP@5 {m['map_at_5']:.4f} MRR {m['mrr']:.4f} R@1 {m['recall_at_1']:.4f} R@5 {m['recall_at_5']:.4f}")
    _log(f"threshold {model.threshold}: {calibration}")
    return {"fusion_weight": model.fusion_weight, "threshold": model.threshold, "calibration": calibration,
            "metrics": metrics}


def delta_cpu(d: dict | None) -> str:
    if not d:
        return " (after the embeddings are cached)"
    return (f", of which {d['cpu_seconds']} s for the matching delta ({d['train_cpu_seconds']} s fine-tuning; the "
            "rest embeds every text once through the frozen lower layers and then through the tuned "
            "ones, both cached)")


def reranker_text(model: MatchModel) -> str:
    if not (model.trees and model.trees_weight):
        return "The re-ranker is a logistic regression."
    return (f"""The re-ranker blends a logistic regression with {len(model.trees['trees'])} gradient-boosted trees
(scikit-learn HistGradientBoosting, at most {TREES['max_leaf_nodes']} leaves, learning rate {TREES['learning_rate']},
exported to `matcher.json` as node lists) on the logit scale, weight {model.trees_weight} each way; both are
fitted on the same train pairs. On the dev queries the trees alone raise 2A and lower 2B, the
logistic regression alone the reverse ("reranked-linear" rows below: the logistic regression
of this artefact alone); see `benchmarks/coverage.md`. The last seven features read the
claim's side against the fact-check's claim and its headline apart: the share of the claim's
hashtags and handles, capitalised words and numbers found there, and character-trigram overlap.""")


def write_model_card(path: Path, model: MatchModel) -> None:
    t = model.trained
    rows = []
    for name, m in sorted(t["metrics"].items()):
        rows.append(f"| {name} | {m['map_at_5']:.4f} | {m['mrr']:.4f} | {m['recall_at_1']:.4f} | {m['recall_at_5']:.4f} |")
    cal = t["calibration"]
    d = t.get("matching_delta")
    if d:
        encoder = (f"""the shared encoder's
base weights with a matching delta (`matching-delta.safetensors`, LoRA rank {d['rank']} on layers
{', '.join(map(str, d['layers']))}, not the propaganda delta: see `newssift.coverage.embedding.matching_encoder`).
The delta was trained contrastively (temperature {d['temperature']}, {d['epochs']} epochs, learning rate {d['lr']},
batches of {d['batch']}) on {d['pairs']} train pairs of {' and '.join(d['tasks'])}: each query against its fact-check,
the other fact-checks of its batch and one of its query's top {d['hard_negatives']} BM25 results that is
wrong. It learns from a fixed {d['share']:.0%} of the train queries (by a hash of their id); the
projection, fusion weight and re-ranker are fitted on the others (a re-ranker fitted on the
delta's own queries trusts the cosine more than unseen queries warrant);""")
    else:
        encoder = """the shared encoder's
base weights (without its fine-tuned delta: see `newssift.coverage.embedding.matching_encoder`;
a matching delta fine-tuned on the CheckThat! train pairs, `newssift train coverage
--finetune-encoder`, improves dense retrieval but not the re-ranked ranking on the dev queries,
so it is not used: see `benchmarks/coverage.md`);"""
    path.write_text(f"""# Claim matching (coverage head)

What it is: how newssift ranks published fact-checks for a claim. Candidates come from BM25
(over claim + headline) and from the dense index of sentence embeddings by {encoder}
a linear map of the query embedding (learned, {'on' if model.projection else 'off'}), a fusion
weight and a re-ranker over {len(model.features)} features
({', '.join(model.features)}) order them; a calibrated threshold decides what is shown.
{reranker_text(model)}
The re-ranker also learns from {t.get('train_negatives', 0)} ClaimBuster debate sentences that no fact-check matches
(every candidate of theirs is a negative; a sample disjoint from the one used for the threshold):
trained only on queries that all have a fact-check, it would learn which candidate is best
*relative* to the others and score the best of unrelated candidates high. The negatives carry
their debate's date and speaker, as matched queries do (without them the date features alone
would tell negatives apart). year_conflict, year_unstated and subject_missing flag a fact-check about another year or
another person ("Obama congratulated Putin in 2012" for "Putin congratulated Trump"); on these
data they get almost no weight. The analysis head therefore withholds, after the threshold, a
match whose fact-check is about another event (its actor named neither in the sentence nor the one
before, and roles reversed or every year it states well before the article's date):
`newssift.coverage.gate`, measured in `benchmarks/coverage.md`; this artefact is not involved.

- Encoder fingerprint: `{model.fingerprint}`. The query projection, re-ranker and threshold only
  hold for embeddings of this encoder: loading the model with another encoder fails with a clear
  message (the coverage section reports "unavailable"), never scores silently. Retrain with
  `newssift train coverage` when the encoder changes.
- Data: CLEF CheckThat! 2022 Task 2A (tweets -> Snopes, train 997 queries) and 2021 Task 2B
  (debate sentences -> PolitiFact, train 472 queries), `../shared/data`.
- Fusion weight of rescaled BM25: {model.fusion_weight} (chosen on train); candidates: {model.candidates} + {model.candidates}
- Threshold: {model.threshold} on the re-ranker score: on the dev queries of both tasks searched against
  both collections together, plus {cal.get('negatives', 0)} ClaimBuster sentences that no fact-check
  should match, top-1 precision {cal['top1_precision_shown']} above it ({cal['top1_shown']} of
  {cal['queries'] + cal.get('negatives', 0)} shown; {cal['top1_recall']} of the dev queries get their
  fact-check; target precision {model.threshold_precision}).
- Date: {t['date']}; CPU time: {t['cpu_seconds']} s{delta_cpu(d)}.
- Retrain: `newssift train coverage` (or `newssift train coverage --data ../shared/data`).

Validation (queries never used for fitting; "-base" rows are before the query projection; every
choice was made on the dev queries: 2022-2A dev-test is shown, never used to choose):

| task/split/method | MAP@5 | MRR | R@1 | R@5 |
|---|---|---|---|---|
""" + "\n".join(rows) + "\n", encoding="utf-8")


def recalibrate(data_dir: str | Path | None = None, path: Path = ARTEFACT, cache_dir: str | Path | None = None) -> dict:
    """Refit only the threshold of a trained model (seconds once embeddings are cached)."""
    from newssift import settings
    from newssift.coverage.embedding import CachedEmbedder, training_embedder

    root = str(data_dir) if data_dir else None
    model = MatchModel.load(path)
    embedder = CachedEmbedder(training_embedder(), cache_dir or settings.cache_dir() / "coverage-embeddings")
    preps = [Prepared(snopes_task(root), embedder, model), Prepared(politifact_task(root), embedder, model)]
    calibration = calibrate_threshold(model, preps, "dev", model.threshold_precision, unmatched_sentences(root),
                                      unmatched_meta(root))
    model.threshold = calibration["threshold"]
    model.trained["calibration"] = calibration
    model.save(path)
    write_model_card(path.parent / "MODEL_CARD.md", model)
    return calibration
