"""Features of a (claim, fact-check) pair for the re-ranker, computed over each query's
candidate list so that scores can be read relative to the best candidate."""

from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np

from newssift.coverage.bm25 import tokens

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z]+")
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")

FEATURES = (
    "cosine", "cosine_context", "cosine_gap", "cosine_rrank", "bm25_scaled", "bm25_log", "bm25_rrank",
    "jaccard", "fc_coverage", "query_coverage", "number_overlap", "number_mismatch", "name_overlap",
    "length_ratio", "speaker_known", "speaker_match", "date_known", "date_gap_years", "date_after",
    "year_conflict", "year_unstated", "subject_missing",
    # what the claim shares with the fact-check's claim and its headline apart, read from the
    # claim's side (the features above mostly read the fact-check's side)
    "tag_overlap", "caps_in_claim", "caps_in_title", "numbers_found", "char3", "char3_title", "char3_gap",
)
_TAG = re.compile(r"[#@](\w+)")
_CAPS = re.compile(r"\b[A-Z][a-zA-Z]+")
_TITLES = {"mr", "mrs", "ms", "dr", "president", "senator", "sen", "governor", "gov", "rep", "secretary",
           "vice", "former", "the", "jr", "sr"}


def speaker_key(name: str | None) -> str | None:
    """A speaker's surname, lower-cased: "PRESIDENT OBAMA" and "Barack Obama" both give "obama"."""
    words = [w for w in re.findall(r"[a-z]+", (name or "").lower()) if w not in _TITLES]
    return words[-1] if words else None


def day_number(iso: str | None) -> int | None:
    """Days since 0001-01-01 for an ISO date, None when there is none."""
    from datetime import date

    if not iso or len(iso) < 10:
        return None
    try:
        return date.fromisoformat(iso[:10]).toordinal()
    except ValueError:
        return None


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text or "")}


def _names(text: str) -> set[str]:
    return {w.lower() for w in _CAPITALISED.findall(text or "")}


def _years(text: str) -> set[str]:
    return set(_YEAR.findall(text or ""))


def _subject(text: str) -> str | None:
    """The first name in a fact-check's claim, lower-cased: usually who did or said the thing
    checked ("President Obama congratulated Putin ..." -> "obama")."""
    for word in _CAPITALISED.findall(text or ""):
        if word.lower() not in _TITLES:
            return word.lower()
    return None


def split_text(text: str, title: str | None) -> str:
    """The fact-check's claim out of its searchable text (`checkthat.collection_text`: the
    claim, then the headline when the claim does not contain it)."""
    title = (title or "").strip()
    if title and text.endswith(" " + title) and title.lower() not in text[: -len(title) - 1].lower():
        return text[: -len(title) - 1]
    return text


@lru_cache(maxsize=1 << 16)
def _chargrams(text: str, n: int = 3) -> frozenset[str]:
    """Character n-grams of the lower-cased words (kept: fact-checks come back for many claims)."""
    t = " " + " ".join(re.sub(r"[^a-z0-9 ]+", " ", (text or "").lower()).split()) + " "
    return frozenset(t[i:i + n] for i in range(len(t) - n + 1))


@lru_cache(maxsize=1 << 16)
def _caps(text: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _CAPS.findall(text or ""))


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / max(1, len(a | b))


def _rrank(values: np.ndarray) -> np.ndarray:
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float32)
    ranks[order] = np.arange(1, len(values) + 1)
    return 1.0 / ranks


def candidate_features(query: str, candidates: list[str], cosine: np.ndarray, cosine_context: np.ndarray,
                       bm25: np.ndarray, query_speaker: str | None = None, query_day: int | None = None,
                       cand_speakers: list[str | None] | None = None,
                       cand_days: list[int | None] | None = None,
                       cand_titles: list[str | None] | None = None) -> np.ndarray:
    """(n_candidates, len(FEATURES)) float32. Speakers are surname keys, days day numbers
    (see speaker_key, day_number); None where unknown. `cand_titles`: the fact-checks'
    headlines, which their texts end with (see split_text)."""
    n = len(candidates)
    out = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if n == 0:
        return out
    cosine = np.asarray(cosine, dtype=np.float32)
    bm25 = np.asarray(bm25, dtype=np.float32)
    qtok = set(tokens(query))
    qnum = _numbers(query)
    qnames = _names(query)
    qlen = max(1, len(qtok))
    qyears = _years(query)
    qwords = {w.lower() for w in re.findall(r"[A-Za-z]+", query or "")}
    qtags = {t.lower() for t in _TAG.findall(query or "")}
    qcaps = _caps(query)
    qgrams = _chargrams(query)
    top_bm25 = float(bm25.max()) if n else 0.0
    out[:, 0] = cosine
    out[:, 1] = cosine_context
    out[:, 2] = cosine - cosine.max()
    out[:, 3] = _rrank(cosine)
    out[:, 4] = bm25 / top_bm25 if top_bm25 > 0 else 0.0
    out[:, 5] = np.log1p(np.maximum(bm25, 0))
    out[:, 6] = _rrank(bm25)
    for i, text in enumerate(candidates):
        dtok = set(tokens(text))
        common = len(qtok & dtok)
        out[i, 7] = common / max(1, len(qtok | dtok))
        out[i, 8] = common / max(1, len(dtok))
        out[i, 9] = common / qlen
        dnum = _numbers(text)
        out[i, 10] = len(qnum & dnum) / len(dnum) if dnum else 0.0
        out[i, 11] = 1.0 if (dnum and qnum and not (qnum & dnum)) else 0.0
        dnames = _names(text)
        out[i, 12] = len(qnames & dnames) / len(dnames) if dnames else 0.0
        out[i, 13] = math.log((len(dtok) + 1) / (qlen + 1))
        spk = cand_speakers[i] if cand_speakers else None
        if query_speaker and spk:
            out[i, 14] = 1.0
            out[i, 15] = float(query_speaker == spk)
        day = cand_days[i] if cand_days else None
        if query_day and day:
            gap = (day - query_day) / 365.25
            out[i, 16] = 1.0
            out[i, 17] = max(-3.0, min(1.0, gap))
            out[i, 18] = float(gap > 30 / 365.25)
        # a fact-check about another year or another person is about another event, however
        # close the wording ("Obama congratulated Putin in 2012" for "Putin congratulated Trump")
        dyears = _years(text)
        out[i, 19] = float(bool(dyears and qyears and not (dyears & qyears)))
        out[i, 20] = float(bool(dyears and not qyears))
        subject = _subject(text)
        out[i, 21] = float(subject is not None and subject not in qwords)
        title = ((cand_titles[i] if cand_titles else None) or "").strip()
        claim = split_text(text, title)
        if qtags:
            flat = re.sub(r"[^a-z0-9]+", "", text.lower())
            out[i, 22] = sum(t in flat for t in qtags) / len(qtags)
        if qcaps:
            out[i, 23] = len(qcaps & _caps(claim)) / len(qcaps)
            out[i, 24] = len(qcaps & _caps(title)) / len(qcaps) if title else 0.0
        if qnum:
            out[i, 25] = len(qnum & dnum) / len(qnum)
        out[i, 26] = _jaccard(qgrams, _chargrams(claim))
        out[i, 27] = _jaccard(qgrams, _chargrams(title)) if title else 0.0
    out[:, 28] = out[:, 26] - out[:, 26].max()
    return out
