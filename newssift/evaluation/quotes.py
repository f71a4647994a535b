"""`newssift evaluate quotes PATH`: quote attribution on a PolNeAR split folder.

Predicted and gold contents are matched one to one when their token IoU is at least 0.5
(greedily, best IoU first; tokens are ``\\w+`` runs). On matched pairs the speaker is right when
the predicted speaker span shares a token with the gold source; a gold attribution without a
source needs no speaker. ``end_to_end`` counts a prediction right when its content is matched and
its speaker is right. Each metric is also given for direct quotes (the content stands inside
quotation marks) and indirect ones; gold and predicted contents are typed the same way.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterable, Sequence

from newssift.claims.quote_structure import is_direct

Spans = Sequence[tuple[int, int]]

_TOKEN = re.compile(r"\w+")
MATCH_IOU = 0.5


def token_index(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _TOKEN.finditer(text)]


def tokens_in(tokens: list[tuple[int, int]], spans: Spans) -> frozenset[int]:
    """Indices of the tokens that overlap any of the character spans."""
    import bisect

    starts = [s for s, _ in tokens]
    found = set()
    for start, end in spans:
        i = max(bisect.bisect_right(starts, start) - 1, 0)
        while i < len(tokens) and tokens[i][0] < end:
            if tokens[i][1] > start:
                found.add(i)
            i += 1
    return frozenset(found)


def _iou(a: frozenset[int], b: frozenset[int]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def match(gold: list[frozenset[int]], pred: list[frozenset[int]]) -> list[tuple[int, int]]:
    """One-to-one (gold index, predicted index) pairs with IoU >= 0.5, best IoU first."""
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if g and p and (g & p):
                iou = _iou(g, p)
                if iou >= MATCH_IOU:
                    pairs.append((iou, gi, pi))
    pairs.sort(key=lambda x: (-x[0], x[1], x[2]))
    used_g, used_p, out = set(), set(), []
    for _, gi, pi in pairs:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            out.append((gi, pi))
    return out


class Tally:
    """Counts for one slice (all, direct, indirect)."""

    def __init__(self):
        self.gold = self.pred = self.matched_gold = self.matched_pred = 0
        self.source_right = 0
        # right end to end, counted by the gold item's kind (recall) and the prediction's (precision)
        self.end_to_end_gold = self.end_to_end_pred = 0

    def metrics(self, prefix: str = "") -> dict:
        def ratio(a, b):
            return round(a / b, 4) if b else 0.0

        def f1(p, r):
            return round(2 * p * r / (p + r), 4) if p + r else 0.0

        precision, recall = ratio(self.matched_pred, self.pred), ratio(self.matched_gold, self.gold)
        e2e_p, e2e_r = ratio(self.end_to_end_pred, self.pred), ratio(self.end_to_end_gold, self.gold)
        return {
            f"{prefix}content_f1": f1(precision, recall),
            f"{prefix}content_precision": precision,
            f"{prefix}content_recall": recall,
            f"{prefix}source_accuracy": ratio(self.source_right, self.matched_gold),
            f"{prefix}end_to_end_f1": f1(e2e_p, e2e_r),
            f"{prefix}end_to_end_precision": e2e_p,
            f"{prefix}end_to_end_recall": e2e_r,
            f"{prefix}n_gold": self.gold,
            f"{prefix}n_predicted": self.pred,
        }


def score_document(text: str, gold: Iterable, predicted: Iterable, tallies: dict[str, Tally]) -> None:
    """Add one article to the tallies. Gold and predicted items need `.content` and `.source`
    (lists of (start, end) character spans; an empty source means none)."""
    gold, predicted = list(gold), list(predicted)
    tokens = token_index(text)
    gold_tokens = [tokens_in(tokens, g.content) for g in gold]
    pred_tokens = [tokens_in(tokens, p.content) for p in predicted]
    gold_kind = ["direct" if is_direct(text, g.content) else "indirect" for g in gold]
    pred_kind = ["direct" if is_direct(text, p.content) else "indirect" for p in predicted]
    for kind in gold_kind:
        for key in ("all", kind):
            tallies[key].gold += 1
    for kind in pred_kind:
        for key in ("all", kind):
            tallies[key].pred += 1
    for gi, pi in match(gold_tokens, pred_tokens):
        gold_source = tokens_in(tokens, gold[gi].source) if gold[gi].source else frozenset()
        pred_source = tokens_in(tokens, predicted[pi].source) if predicted[pi].source else frozenset()
        right = not gold[gi].source or bool(gold_source & pred_source)
        for key in ("all", gold_kind[gi]):
            tallies[key].matched_gold += 1
            tallies[key].source_right += right
            tallies[key].end_to_end_gold += right
        for key in ("all", pred_kind[pi]):
            tallies[key].matched_pred += 1
            tallies[key].end_to_end_pred += right


def new_tallies() -> dict[str, Tally]:
    return {key: Tally() for key in ("all", "direct", "indirect")}


def summarise(tallies: dict[str, Tally]) -> dict:
    out = tallies["all"].metrics()
    out.update(tallies["direct"].metrics("direct_"))
    out.update(tallies["indirect"].metrics("indirect_"))
    return out


def evaluate(path: str | Path, baseline: bool = False, limit: int | None = None,
             predict: Callable | None = None) -> dict:
    """Score quote attribution on a PolNeAR split folder (``text/``, ``attributions/``).

    ``predict(spacy_doc) -> list of objects with .content and .source`` defaults to the learned
    extractor (``baseline=True``: the rule baseline)."""
    from newssift.claims.polnear import load_split
    from newssift.evaluation.common import log, require
    from newssift.nlp import get_nlp

    path = Path(path)
    require(path, "text")
    docs = load_split(path)[:limit] if limit else load_split(path)
    if predict is None:
        from newssift.claims.quotes import load_extractor

        predict = load_extractor(baseline=baseline).extract
    tallies = new_tallies()
    nlp = get_nlp()
    for i, (doc, parsed) in enumerate(zip(docs, nlp.pipe((d.text for d in docs), batch_size=8)), 1):
        score_document(doc.text, doc.attributions, predict(parsed), tallies)
        if i % 20 == 0:
            log(f"quotes: {i}/{len(docs)} articles")
    result = summarise(tallies)
    result["n_articles"] = len(docs)
    return result
