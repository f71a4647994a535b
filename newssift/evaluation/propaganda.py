"""`newssift evaluate propaganda PATH`: SemEval-2020 Task 11 scores on a PTC-layout folder.

PATH holds ``articles/article<ID>.txt`` and ``labels-TC.tsv``. The scorer functions are pure and
follow the official task scorers:

* SI (span identification): per article, overlapping gold spans are merged (technique ignored),
  and so are overlapping predicted spans. Precision = sum over predicted s and gold t of
  |s∩t|/|s|, divided by the number of predicted spans; recall = sum of |s∩t|/|t| divided by the
  number of gold spans (character overlap, spans are [start, end)). F1 is their harmonic mean.
* TC (technique classification): one technique per gold span row; a span annotated with k
  techniques gets the model's k best distinct techniques. Micro-F1 over rows.
* full: SI scored per technique (spans only overlap-credited when the techniques agree),
  spans pooled over all techniques: how well the report's labelled spans match the annotation.
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable, Mapping, Sequence

Interval = tuple[int, int]


# -- pure scorer functions -----------------------------------------------------------------------
def merge_spans(spans: Iterable[Interval]) -> list[Interval]:
    """Merge spans that share at least one character; touching spans stay apart."""
    merged: list[list[int]] = []
    for s, e in sorted((int(s), int(e)) for s, e in spans if e > s):
        if merged and s < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def overlap(a: Interval, b: Interval) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _credit(pred: Sequence[Interval], gold: Sequence[Interval]) -> tuple[float, float]:
    """(sum over s,t of |s∩t|/|s|, sum over s,t of |s∩t|/|t|) for one article's merged spans."""
    p_sum = r_sum = 0.0
    for s in pred:
        for t in gold:
            inter = overlap(s, t)
            if inter:
                p_sum += inter / (s[1] - s[0])
                r_sum += inter / (t[1] - t[0])
    return p_sum, r_sum


def _prf(p_sum: float, n_pred: int, r_sum: float, n_gold: int) -> dict:
    precision = p_sum / n_pred if n_pred else 0.0
    recall = r_sum / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "n_pred": n_pred, "n_gold": n_gold}


def _pooled(groups: Iterable[tuple[Iterable[Interval], Iterable[Interval]]]) -> dict:
    """Precision/recall/F1 pooled over (predicted, gold) groups, spans merged within each group."""
    p_sum = r_sum = 0.0
    n_pred = n_gold = 0
    for pred_spans, gold_spans in groups:
        p, g = merge_spans(pred_spans), merge_spans(gold_spans)
        n_pred += len(p)
        n_gold += len(g)
        ps, rs = _credit(p, g)
        p_sum += ps
        r_sum += rs
    return _prf(p_sum, n_pred, r_sum, n_gold)


def si_scores(pred: Mapping[str, Iterable[Interval]], gold: Mapping[str, Iterable[Interval]]) -> dict:
    """Official SI precision/recall/F1 over articles (keys: article ids)."""
    return _pooled((pred.get(art, ()), gold.get(art, ())) for art in set(pred) | set(gold))


def full_scores(pred: Mapping[str, Iterable[tuple[int, int, str]]],
                gold: Mapping[str, Iterable[tuple[int, int, str]]]) -> dict:
    """SI scored within each technique, pooled: a span is credited only where techniques agree."""
    def groups():
        for art in set(pred) | set(gold):
            by_tech_p: dict[str, list[Interval]] = defaultdict(list)
            by_tech_g: dict[str, list[Interval]] = defaultdict(list)
            for s, e, t in pred.get(art, ()):
                by_tech_p[t].append((s, e))
            for s, e, t in gold.get(art, ()):
                by_tech_g[t].append((s, e))
            for tech in set(by_tech_p) | set(by_tech_g):
                yield by_tech_p.get(tech, ()), by_tech_g.get(tech, ())

    return _pooled(groups())


def tc_scores(gold: Sequence[tuple[str, int, int, str]],
              ranked: Mapping[tuple[str, int, int], Sequence[str]]) -> dict:
    """Micro-F1 of technique labels for gold span rows (article, start, end, technique).

    `ranked` gives, per (article, start, end), the model's techniques best first; a span with k
    gold rows is labelled with the k best distinct ones. Every gold row gets a prediction, so
    micro precision, recall and F1 coincide unless a span has no prediction at all.
    """
    rows_by_span: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    for art, s, e, tech in gold:
        rows_by_span[(art, s, e)].append(tech)
    correct = n_pred = 0
    for key, techs in rows_by_span.items():
        guesses = list(dict.fromkeys(ranked.get(key, ())))[: len(techs)]
        n_pred += len(guesses)
        remaining = Counter(techs)
        for g in guesses:
            if remaining[g] > 0:
                remaining[g] -= 1
                correct += 1
    n_gold = len(gold)
    precision = correct / n_pred if n_pred else 0.0
    recall = correct / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "n_gold": n_gold}


# -- evaluate a system on a folder ---------------------------------------------------------------
def score_system(articles, predict_spans, classify_spans) -> dict:
    """Scores of a system given as two functions over article texts.

    predict_spans(texts) -> per text, a list of (start, end, technique);
    classify_spans(text, spans) -> per span, techniques best first.
    """
    pred_si, gold_si, pred_full, gold_full = {}, {}, {}, {}
    gold_rows, ranked = [], {}
    predictions = predict_spans([a.text for a in articles])
    for art, spans in zip(articles, predictions):
        pred_si[art.id] = [(s, e) for s, e, _ in spans]
        pred_full[art.id] = list(spans)
        gold_si[art.id] = [(s, e) for s, e, _ in art.spans]
        gold_full[art.id] = list(art.spans)
        unique = sorted({(s, e) for s, e, _ in art.spans})
        if unique:
            for (s, e), techs in zip(unique, classify_spans(art.text, unique)):
                ranked[(art.id, s, e)] = techs
        gold_rows.extend((art.id, s, e, t) for s, e, t in art.spans)
    si = si_scores(pred_si, gold_si)
    tc = tc_scores(gold_rows, ranked)
    full = full_scores(pred_full, gold_full)
    return {
        "si_f1": si["f1"], "si_precision": si["precision"], "si_recall": si["recall"],
        "si_predicted_spans": si["n_pred"], "si_gold_spans": si["n_gold"],
        "tc_micro_f1": tc["f1"],
        "full_f1": full["f1"], "full_precision": full["precision"], "full_recall": full["recall"],
        "articles": len(articles), "gold_rows": len(gold_rows),
    }


def evaluate(path, system: str = "model") -> dict:
    """Scores of the propaganda head (or of the word-list baseline: system="wordlist") on PATH."""
    from newssift.errors import InputError
    from newssift.models.ptc import load_corpus

    path = Path(path)
    if not (path / "articles").is_dir():
        raise InputError(f"{path} has no articles/ folder (expected the PTC layout).")
    articles = load_corpus(path)
    if not articles:
        raise InputError(f"{path}/articles holds no article<ID>.txt files.")
    t0 = time.perf_counter()
    if system == "wordlist":
        from newssift.stop import propaganda_wordlist as wl

        model = wl.load()
        result = score_system(articles, model.predict_spans, model.classify_spans)
    else:
        from newssift.stop.propaganda import load_model

        from newssift.models.encoder import get_encoder

        model = load_model()
        encoder = get_encoder()
        encoded: dict[str, object] = {}  # one encoder pass per article serves both tasks

        def encode(texts):
            todo = [t for t in dict.fromkeys(texts) if t not in encoded]
            for i in range(0, len(todo), 8):
                for text, enc in zip(todo[i:i + 8], encoder.encode_batch(todo[i:i + 8])):
                    encoded[text] = enc
            return [encoded[t] for t in texts]

        result = score_system(
            articles,
            lambda texts: [model.predict_encoded(e) for e in encode(texts)],
            lambda text, spans: model.classify_spans(text, spans, encoded=encode([text])[0]))
    elapsed = time.perf_counter() - t0
    result.update({"system": system, "seconds": round(elapsed, 1),
                   "articles_per_second": round(len(articles) / elapsed, 3) if elapsed else None})
    print(f"scored {len(articles)} articles in {elapsed:.1f}s", file=sys.stderr)
    return result
