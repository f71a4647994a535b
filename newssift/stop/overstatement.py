"""Cues that a headline claims more than its body supports.

Two kinds of cue, and the headline overstates when both are present:
- the headline's own emphasis: certainty words ("CONFIRMED", "PROOF", "BREAKING"), words in
  capitals, exclamation marks;
- a gap to the body: no body sentence says what the headline says (low best similarity), the body
  does not agree with the headline (stance), or the body sentence closest to the headline is hedged,
  attributed or quoted where the headline states the claim flatly.

Cues found in the headline point into ``article.title``, not into ``article.text``: they carry
``"outside_text": true`` and ``"field": "title"``, with offsets into the title.
"""

from __future__ import annotations

import re

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from newssift.stop.style import HEDGE

HEADLINE_CERTAINTY = re.compile(
    r"\b(confirmed|confirms|proof|proves|proven|breaking|exposed|busted|bombshell|shocking|undeniable|"
    r"definitely|finally|officially|it'?s official|revealed|truth|must see|guaranteed|100%|"
    r"destroy(?:s|ed)?|obliterate[sd]?|annihilate[sd]?|slams?|wipe[sd]? out)\b", re.I)
TITLE_CAPS = re.compile(r"\b[A-Z][A-Z'’]{3,}\b")
ATTRIBUTED = re.compile(r"[\"“”]|\b(said|says|told|according to|reported|reportedly|statement|claimed|"
                        r"sources?|agreed to|discussed|announced)\b", re.I)

LOW_SUPPORT = 0.30  # best TF-IDF cosine of headline and a body sentence below this: the body never says it


def title_cue(title: str, start: int, end: int, kind: str, **fields) -> dict:
    return {"kind": kind, "start": start, "end": end, "text": title[start:end], "field": "title",
            "outside_text": True, **fields}


def headline_emphasis(title: str, body: str = "") -> list[dict]:
    cues = []
    seen = set()
    for m in HEADLINE_CERTAINTY.finditer(title):
        cues.append(title_cue(title, m.start(), m.end(), "certainty_word"))
        seen.add((m.start(), m.end()))
    for m in TITLE_CAPS.finditer(title):
        # a headline set entirely in capitals is a style, not emphasis; a word the body also writes
        # in capitals is an acronym (ISIS, NATO)
        if (m.start(), m.end()) in seen or title.isupper() or re.search(r"\b" + re.escape(m.group()) + r"\b", body):
            continue
        cues.append(title_cue(title, m.start(), m.end(), "capitals"))
    for m in re.finditer(r"!+", title):
        cues.append(title_cue(title, m.start(), m.end(), "exclamation"))
    return cues


def closest_sentence(title: str, text: str, sentences: list[tuple[int, int]], tfidf_cos: np.ndarray,
                     embedding_cos: np.ndarray | None = None) -> int:
    """The body sentence that comes closest to saying what the headline says: embedding similarity when
    there is one, else the share of the headline's content words (by their first five letters) plus the
    TF-IDF cosine; sentences of fewer than six words (captions, link text) only when nothing else is."""
    stems = {w[:5] for w in re.findall(r"[a-z0-9]+", title.lower()) if len(w) > 2 and w not in ENGLISH_STOP_WORDS}
    scores = np.array(tfidf_cos, dtype=float)
    for i, (s, e) in enumerate(sentences):
        words = re.findall(r"[a-z0-9]+", text[s:e].lower())
        if embedding_cos is not None and np.any(embedding_cos):
            scores[i] += embedding_cos[i]
        else:
            scores[i] += len(stems & {w[:5] for w in words}) / max(len(stems), 1)
        if len(words) < 6:
            scores[i] -= 10
    return int(np.argmax(scores)) if len(scores) else 0


def body_gap(title: str, stance: str, stance_scores: dict, closest_text: str, closest_similarity: float) -> list[dict]:
    """Gap cues; each names the evidence it rests on (the closest sentence is in the report beside it)."""
    cues = []
    if closest_similarity < LOW_SUPPORT:
        cues.append({"kind": "weak_support", "value": round(closest_similarity, 3),
                     "text": "No sentence of the body says what the headline says "
                             f"(best similarity {closest_similarity:.2f}).",
                     "evidence": [{"path": "stop.headline.closest_sentence"}]})
    if stance in ("disagree", "discuss", "unrelated"):
        cues.append({"kind": "stance", "value": stance,
                     "text": f"The body {_stance_phrase(stance)} the headline "
                             f"(P(agree) {stance_scores.get('agree', 0):.2f}).",
                     "evidence": [{"path": "stop.headline.stance_scores"}]})
    headline_hedged = bool(HEDGE.search(title)) or "?" in title
    closest_hedged = bool(HEDGE.search(closest_text)) or bool(ATTRIBUTED.search(closest_text))
    if closest_hedged and not headline_hedged:
        cues.append({"kind": "hedged_body",
                     "text": "The headline states flatly what the body's closest sentence attributes, quotes or hedges.",
                     "evidence": [{"path": "stop.headline.closest_sentence"}]})
    return cues


def _stance_phrase(stance: str) -> str:
    return {"disagree": "disputes", "discuss": "reports on, without confirming,", "unrelated": "does not address"}[stance]


def overstates(emphasis: list[dict], gaps: list[dict]) -> bool:
    return bool(emphasis) and bool(gaps)
