"""Claims matched to published fact-checks: BM25 and dense candidates, fused, re-ranked,
and shown only above a calibrated threshold."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from newssift.article import span_dict
from newssift.coverage.bm25 import BM25, tokens
from newssift.coverage.features import candidate_features, day_number, speaker_key
from newssift.coverage.gate import article_year, other_event, parse_factchecks
from newssift.coverage.model import MatchModel
from newssift.errors import ModelMissing, ResourceMissing
from newssift.head import Doc, Head

MIN_CLAIM_TOKENS = 4  # sentences with fewer content words are not claims worth a search
MAX_CLAIMS = 60  # per article: the most check-worthy first


@dataclass
class Hit:
    index: int  # row in the matcher's collection
    record_id: object  # the collection's id for it (vclaim_id, or the store's id)
    score: float  # by the method asked for; for "reranked" a 0..1 probability of a match
    cosine: float
    bm25: float


def score_candidates(model: MatchModel, query: str, cand_texts: list[str], cosine: np.ndarray,
                     cosine_context: np.ndarray, bm25: np.ndarray, method: str, meta: dict | None = None,
                     cand_speakers: list | None = None, cand_days: list | None = None,
                     cand_titles: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    meta = meta or {}
    feats = candidate_features(query, cand_texts, cosine, cosine_context, bm25, speaker_key(meta.get("speaker")),
                               day_number(meta.get("date")), cand_speakers, cand_days, cand_titles)
    return model.score(feats, method), feats


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    idx = np.argpartition(-scores, k - 1)[:k]
    return idx[np.argsort(-scores[idx], kind="stable")]


class InMemoryMatcher:
    """A whole collection in memory: BM25 matrix and an exact dense matrix. Used by
    evaluation and training; the store uses the same scoring with an ANN index."""

    def __init__(self, ids: list, texts: list[str], vectors: np.ndarray | None, embed, model: MatchModel,
                 speakers: list | None = None, dates: list | None = None, titles: list | None = None):
        self.ids, self.texts, self.vectors, self.embed, self.model = ids, texts, vectors, embed, model
        self.speakers = [speaker_key(s) for s in speakers] if speakers else [None] * len(texts)
        self.days = [day_number(d) for d in dates] if dates else [None] * len(texts)
        self.titles = list(titles) if titles else [None] * len(texts)
        self.bm25 = BM25(texts)

    @classmethod
    def from_records(cls, records: list[dict], embedder=None, model: MatchModel | None = None,
                     vectors: np.ndarray | None = None) -> "InMemoryMatcher":
        from newssift.coverage.checkthat import collection_text
        from newssift.coverage.embedding import matching_embedder

        model = model or MatchModel.load()
        embedder = embedder or matching_embedder()
        model.check_encoder(embedder.fingerprint)
        texts = [collection_text(r) for r in records]
        if vectors is None:
            vectors = embedder.embed(texts)
        ids = [r.get("vclaim_id", i) for i, r in enumerate(records)]
        return cls(ids, texts, np.asarray(vectors, dtype=np.float32), embedder.embed, model,
                   *record_metadata(records))

    def rank_many(self, queries: dict[str, str], context: dict[str, str] | None = None, method: str = "reranked",
                  k: int = 5, qvecs: np.ndarray | None = None, cvecs: np.ndarray | None = None,
                  with_features: bool = False, meta: dict[str, dict] | None = None) -> dict:
        context = context or {}
        meta = meta or {}
        qids = list(queries)
        if qvecs is None:
            qvecs = self.embed([queries[q] for q in qids])
        if cvecs is None:
            with_ctx = [q for q in qids if context.get(q)]
            cvecs = qvecs.copy()
            if with_ctx:
                extra = self.embed([(context[q] + " " + queries[q]).strip() for q in with_ctx])
                pos = {q: i for i, q in enumerate(qids)}
                for q, v in zip(with_ctx, extra):
                    cvecs[pos[q]] = v
        qvecs, cvecs = self.model.project(qvecs), self.model.project(cvecs)
        n_cand = self.model.candidates
        out = {}
        for i, qid in enumerate(qids):
            text = queries[qid]
            bm = self.bm25.scores(text)
            cos = self.vectors @ qvecs[i]
            cand = np.unique(np.concatenate([_top_k(bm, n_cand), _top_k(cos, n_cand)]))
            ccos = self.vectors[cand] @ cvecs[i]
            scores, feats = score_candidates(self.model, text, [self.texts[j] for j in cand], cos[cand], ccos,
                                             bm[cand], method, meta.get(qid),
                                             [self.speakers[j] for j in cand], [self.days[j] for j in cand],
                                             [self.titles[j] for j in cand])
            order = _top_k(scores, k)
            hits = [Hit(int(cand[j]), self.ids[cand[j]], float(scores[j]), float(cos[cand[j]]), float(bm[cand[j]]))
                    for j in order]
            out[qid] = (hits, cand, feats) if with_features else hits
        return out


def record_metadata(records: list[dict]) -> tuple[list, list, list]:
    """Speakers, dates and headlines of collection records (InMemoryMatcher's last arguments)."""
    from newssift.coverage.factchecks import parse_date

    return ([r.get("speaker") for r in records], [parse_date(r.get("date")) for r in records],
            [r.get("title") for r in records])


# -- the store ----------------------------------------------------------------------------------------
def _dedupe(hits: list[dict]) -> list[dict]:
    """One result per distinct claim: collections overlap (LIAR and CheckThat! PolitiFact)."""
    seen, out = set(), []
    for h in hits:
        key = re.sub(r"\W+", " ", h["factcheck"]["claim"].lower()).strip()
        if key in seen:
            continue
        seen.add(key)
        out.append(h)
    return out


class StoreMatcher:
    """Search over the installed fact-check store: the persisted ANN and BM25 indexes."""

    def __init__(self, db_url: str | None = None, model: MatchModel | None = None, embedder=None):
        from newssift.coverage.embedding import matching_embedder
        from newssift.coverage.index import load_index

        self.db_url = db_url
        self.model = model or MatchModel.load()
        self.embedder = embedder or matching_embedder()
        self.model.check_encoder(self.embedder.fingerprint)  # before any index is built with it
        self.index = load_index(db_url, self.embedder)

    def match(self, texts: list[str], contexts: list[str] | None = None, limit: int = 5,
              threshold: float | None = None, metas: list[dict] | None = None) -> list[list[dict]]:
        """For each text, up to `limit` fact-checks scoring at least `threshold`
        (default: the calibrated one; pass 0 for the best ones whatever their score)."""
        from newssift.coverage import store

        if not texts:
            return []
        threshold = self.model.threshold if threshold is None else threshold
        qvecs = self.model.project(self.embedder.embed(texts))
        if contexts and any(contexts):
            cvecs = self.model.project(self.embedder.embed([(c + " " + t).strip() for c, t in zip(contexts, texts)]))
        else:
            cvecs = qvecs
        n_cand = self.model.candidates
        found = []
        for i, text in enumerate(texts):
            dense_ids = self.index.dense_candidates(qvecs[i], n_cand)
            sparse_ids, sparse_scores = self.index.sparse_candidates(text, n_cand)
            cand = np.unique(np.concatenate([dense_ids, sparse_ids]).astype(np.int64))
            vecs = self.index.vectors(cand)
            bm = self.index.bm25_scores(text, cand)
            speakers, days = self.index.speakers_days(cand)
            scores, _ = score_candidates(self.model, text, self.index.texts(cand), vecs @ qvecs[i], vecs @ cvecs[i],
                                         bm, "reranked", metas[i] if metas else None, speakers, days,
                                         self.index.titles(cand))
            order = _top_k(scores, limit * 3)
            keep = [(int(cand[j]), float(scores[j]), float(vecs[j] @ qvecs[i])) for j in order
                    if scores[j] >= threshold]
            found.append(keep)
        records = store.fetch([fid for keep in found for fid, _, _ in keep], self.db_url)
        results = []
        for keep in found:
            hits = [{"factcheck": _public(records[fid]), "similarity": round(score, 4), "cosine": round(cos, 4)}
                    for fid, score, cos in keep if fid in records]
            results.append(_dedupe(hits)[:limit])
        return results


def _public(rec: dict) -> dict:
    return {k: rec.get(k) for k in ("claim", "verdict", "verdict_normalised", "truth", "publisher", "url", "date",
                                    "speaker", "collection", "title")}


def _require_store(db_url: str | None) -> None:
    from newssift.coverage import store

    if store.count(db_url) == 0:
        raise ResourceMissing("No fact-checks are installed: run `newssift resources install --from DIR` "
                              "(a folder laid out like the public data sets) or `newssift factchecks import FILE`.")


def search(text: str, limit: int = 5, db_url: str | None = None, threshold: float | None = None) -> list[dict]:
    """Published fact-checks matching `text`, best first, above the calibrated threshold
    (`threshold=0` shows the closest ones whatever their score)."""
    text = (text or "").strip()
    if not text:
        from newssift.errors import InputError

        raise InputError("Give a claim to search for.")
    _require_store(db_url)
    matcher = StoreMatcher(db_url)
    hits = matcher.match([text], limit=limit, threshold=threshold)[0]
    for h in hits:
        h["query"] = text
        h["threshold"] = matcher.model.threshold
    return hits


def _sentence(doc: Doc, start: int, end: int):
    """The parsed sentence [start, end) of the article (parsed on its own without the article's parse)."""
    if doc.spacy is not None:
        span = doc.spacy.char_span(start, end, alignment_mode="expand")
        if span is not None:
            return span
    from newssift.nlp import get_nlp

    return get_nlp()(doc.text[start:end])


# -- the analysis head --------------------------------------------------------------------------------
class CoverageHead(Head):
    name = "coverage"
    section = "coverage"
    # the parse names each sentence's persons for the gate (newssift.coverage.gate); the quotes
    # head needs it too, so a full analysis parses once for both
    needs = ("encoder", "spacy")
    description = "Claims matched to published fact-checks."

    def load(self) -> None:
        _require_store(self.context.db_url)
        self.matcher = StoreMatcher(self.context.db_url)

    def _claims(self, doc: Doc) -> list[tuple[int, int, dict]]:
        text = doc.text
        claims = doc.shared.get("claims")
        if claims:
            out = []
            ranked = sorted(claims, key=lambda c: -(c.get("checkworthiness") or 0))[:MAX_CLAIMS]
            for c in sorted(ranked, key=lambda c: c["start"]):
                extra = {k: c[k] for k in ("checkworthiness",) if k in c}
                out.append((int(c["start"]), int(c["end"]), extra))
            return out
        return [(s, e, {}) for s, e in doc.article.sentences
                if len(tokens(text[s:e])) >= MIN_CLAIM_TOKENS][:MAX_CLAIMS]

    def __call__(self, doc: Doc) -> None:
        # Claims are embedded on their own (embed_sentences), not pooled from the article pass
        # (doc.encoded): the fact-checks were embedded on their own, and like must meet like.
        text = doc.text
        claims = self._claims(doc)
        sentences = doc.article.sentences
        contexts = []
        for start, _end, _ in claims:
            prev = [text[s:e] for s, e in sentences if e <= start][-1:]
            contexts.append(" ".join(prev))
        meta = {"date": doc.article.published, "speaker": None}
        found = self.matcher.match([text[s:e] for s, e, _ in claims], contexts, limit=3,
                                   metas=[meta] * len(claims))
        year = article_year(doc.article.published)
        parse_factchecks([h["factcheck"]["claim"] or "" for hits in found for h in hits])
        matches, withheld = [], []
        for (start, end, extra), context, hits in zip(claims, contexts, found):
            for h in hits:
                match = {"claim": span_dict(text, start, end, **extra), "factcheck": h["factcheck"],
                         "similarity": h["similarity"]}
                # a fact-check about another event is withheld, with the reason, however close
                reason = other_event(_sentence(doc, start, end), h["factcheck"]["claim"] or "", year, context)
                if reason:
                    withheld.append({**match, "reason": reason})
                else:
                    matches.append(match)
        matches.sort(key=lambda m: -m["similarity"])
        withheld.sort(key=lambda m: -m["similarity"])
        section = doc.report.coverage
        section["matches"] = matches
        section["withheld"] = withheld
        section["threshold"] = self.matcher.model.threshold
        section["claims_searched"] = len(claims)
        section["factchecks_searched"] = self.matcher.index.size
