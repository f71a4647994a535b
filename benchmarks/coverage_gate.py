"""What the coverage head's gate (newssift.coverage.gate) withholds, and variants of it.

Every query is searched in both CheckThat! collections together, as the threshold was
calibrated (newssift.coverage.train.calibrate_threshold), and its top-1 match is shown when it
scores at least the shipped threshold. For each gate variant: how many shown top-1 matches it
removes, how many of those were right, and the precision and recall of what stays shown.

Sets: 2022-2A dev and 2021-2B dev queries plus the 400 ClaimBuster calibration sentences (the
set the threshold was chosen on: "dev"), 2022-2A dev-test (shown, never used for a choice), and
the sentences of the 422 FakeNewsNet articles with their publication date (297 have one) and the
sentence before each (no labels: the pairs removed are printed for judging by hand).

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/coverage_gate.py --cache /work/cache/coverage/emb-shared [--below]

Not part of the test suite (about 10 minutes of CPU, most of it embedding and ranking the
article sentences; embeddings are cached)."""

from __future__ import annotations

import argparse
import datetime
import glob
import json
from pathlib import Path

import numpy as np

from newssift.coverage import train as T
from newssift.coverage.bm25 import tokens
from newssift.coverage.embedding import CachedEmbedder, training_embedder
from newssift.coverage.experiments import data_dir, politifact_task, snopes_task
from newssift.coverage.gate import article_year, other_event, signs
from newssift.coverage.match import MIN_CLAIM_TOKENS, MAX_CLAIMS, InMemoryMatcher, record_metadata
from newssift.coverage.model import MatchModel
from newssift.nlp import get_nlp, regex_sentences

VARIANTS = {
    "none": lambda s: False,
    "actor absent": lambda s: s.actor_absent,
    "actor absent, sentence names a person": lambda s: s.actor_absent and s.sentence_names_person,
    "fact-check's years >= 2 before, sentence states none": lambda s: bool(s.earlier_years) and not s.sentence_year,
    "roles reversed": lambda s: s.roles_reversed,
    "shipped (other_event)": None,
}


def article_sentences(root: Path) -> dict[str, dict]:
    """FakeNewsNet sentences as the head takes them (MIN_CLAIM_TOKENS, MAX_CLAIMS), with the
    article's date and the sentence before."""
    out = {}
    for path in sorted(glob.glob(str(root / "fakenews-fakenewsnet-v1" / "*" / "*Content" / "*.json"))):
        page = json.loads(Path(path).read_text(encoding="utf-8"))
        stamp = page.get("publish_date")
        date = None
        if isinstance(stamp, dict) and "$date" in stamp:
            date = datetime.datetime.fromtimestamp(stamp["$date"] / 1000, datetime.timezone.utc).date().isoformat()
        text = page.get("text") or ""
        spans = [(s, e) for s, e in regex_sentences(text) if len(tokens(text[s:e])) >= MIN_CLAIM_TOKENS][:MAX_CLAIMS]
        prev = ""
        for i, (s, e) in enumerate(spans):
            out[f"{Path(path).name}#{i}"] = {"text": text[s:e], "context": prev, "date": date}
            prev = text[s:e]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None)
    ap.add_argument("--cache", required=True, help="embedding cache folder")
    ap.add_argument("--below", action="store_true",
                    help="also list the article candidates under the threshold that the gate would withhold")
    args = ap.parse_args()
    root = data_dir(args.data)
    model = MatchModel.load()
    emb = CachedEmbedder(training_embedder(), args.cache)
    preps = [T.Prepared(snopes_task(str(root)), emb, model), T.Prepared(politifact_task(str(root)), emb, model)]
    records = [r for p in preps for r in p.task.collection]
    claims = {r["vclaim_id"]: r["vclaim"] for r in records}
    merged = InMemoryMatcher([r["vclaim_id"] for r in records], [t for p in preps for t in p.matcher.texts],
                             np.concatenate([p.matcher.vectors for p in preps]), emb.embed, model,
                             *record_metadata(records))
    rows = []  # (set, query, context, date, score, vclaim id, right or None)

    def top1(name, queries, qrels, meta, context, qv, cv):
        ranked = merged.rank_many(queries, k=1, meta=meta, qvecs=qv, cvecs=cv)
        for q, hits in ranked.items():
            h = hits[0]
            rows.append((name, queries[q], context.get(q, ""), (meta.get(q) or {}).get("date"), h.score, h.record_id,
                         (h.record_id in qrels[q]) if qrels is not None else None))

    for p in preps:
        for split in ("dev", "dev-test"):
            if split in p.task.qrels:
                qs, qr = p.task.split(split)
                ids = list(qs)
                top1(f"{p.task.name}/{split}", qs, qr, p.task.meta, p.task.context,
                     np.stack([p.qvec[q] for q in ids]), np.stack([p.cvec[q] for q in ids]))
    neg = T.unmatched_sentences(str(root))
    v = emb.embed(neg)
    top1("negatives", {f"n{i}": t for i, t in enumerate(neg)}, {f"n{i}": set() for i in range(len(neg))},
         {f"n{i}": m for i, m in enumerate(T.unmatched_meta(str(root)))}, {}, v, v)
    arts = article_sentences(root)
    ids = list(arts)
    qv = emb.embed([arts[k]["text"] for k in ids])
    cv = emb.embed([(arts[k]["context"] + " " + arts[k]["text"]).strip() for k in ids])
    top1("articles", {k: arts[k]["text"] for k in ids}, None, {k: {"date": arts[k]["date"]} for k in ids},
         {k: arts[k]["context"] for k in ids}, qv, cv)

    shown = [r for r in rows if r[4] >= model.threshold]
    nlp = get_nlp()
    docs = dict(zip([r[1] for r in shown], nlp.pipe([r[1] for r in shown], batch_size=64)))
    read = [signs(docs[r[1]], claims[r[5]], article_year(r[3]), r[2]) for r in shown]
    gated = [other_event(docs[r[1]], claims[r[5]], article_year(r[3]), r[2]) is not None for r in shown]
    n_pos = {name: sum(1 for r in rows if r[0] == name) for name in {r[0] for r in rows}}
    print(f"threshold {model.threshold}; top-1 shown: " + ", ".join(
        f"{name} {sum(1 for r in shown if r[0] == name)}/{n}" for name, n in sorted(n_pos.items())))
    print("\n| gate | dev: shown (removed, of them right) | dev precision | dev recall | 2A dev | 2B dev | "
          "2A dev-test: removed (right) | dev-test precision | articles: removed of shown |")
    print("|---|---|---|---|---|---|---|---|---|")
    dev_sets = ("2022-2A/dev", "2021-2B/dev", "negatives")
    for vname, fn in VARIANTS.items():
        fired = gated if fn is None else [fn(s) for s in read]

        def part(names):
            sel = [(r, f) for r, f in zip(shown, fired) if r[0] in names]
            kept = [r for r, f in sel if not f]
            removed = [r for r, f in sel if f]
            right = sum(bool(r[6]) for r in kept)
            return len(kept), len(removed), sum(bool(r[6]) for r in removed), right / max(1, len(kept)), right

        k, rm, rr, prec, right = part(dev_sets)
        queries = n_pos["2022-2A/dev"] + n_pos["2021-2B/dev"]
        a = part(("2022-2A/dev",))
        b = part(("2021-2B/dev",))
        t = part(("2022-2A/dev-test",))
        art = part(("articles",))
        print(f"| {vname} | {k} (-{rm}, {rr} right) | {prec:.3f} | {right / queries:.3f} | -{a[1]} ({a[2]} right) | "
              f"-{b[1]} ({b[2]} right) | -{t[1]} ({t[2]} right) | {t[3]:.3f} | -{art[1]} of {art[0] + art[1]} |")
    listed = [r for r, f in zip(shown, gated) if f and r[0] == "articles"]
    if args.below:
        under = [r for r in rows if r[0] == "articles" and r[4] < model.threshold]
        for r, doc in zip(under, nlp.pipe([r[1] for r in under], batch_size=64)):
            if other_event(doc, claims[r[5]], article_year(r[3]), r[2]):
                listed.append(r)
    print(f"\nArticle top-1 candidates the shipped gate withholds (judge by hand): {len(listed)}")
    for r in listed:
        print(f"- {r[4]:.3f} [{r[3]}] {r[1]!r}\n    before: {r[2]!r}\n    fact-check: {claims[r[5]]!r}")


if __name__ == "__main__":
    main()
