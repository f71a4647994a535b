"""Interpretable style measurements of a text: sentiment intensity, shouting, quoting, certainty.

Each measurement is a number a reader can check by looking at the text; the heads feed them to
their models and cite them (with the spans behind them) as reasons.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
# ALL-CAPS words of three letters or more; short acronyms (US, UN, FBI) are too common in news
CAPS_WORD = re.compile(r"\b[A-Z][A-Z'’]{3,}\b")
QUOTE_OPEN = re.compile(r"[\"“]")
ATTRIBUTION = re.compile(r"\b(said|says|told|according to|stated|reported|reports|announced|claimed|added|explained)\b",
                         re.I)
FIRST_SECOND_PERSON = re.compile(r"\b(we|us|our|ours|you|your|yours)\b", re.I)
# words that assert certainty or urgency; in a headline they promise more than a report does
CERTAINTY = re.compile(
    r"\b(confirmed|confirms|proof|proves|proven|breaking|exposed|busted|undeniable|definitely|"
    r"shocking|bombshell|finally|truth|revealed|reveals|official|officially|must see|destroy|destroys|"
    r"slams|annihilate[sd]?|never|always|every|all)\b", re.I)
HEDGE = re.compile(
    r"\b(may|might|could|reportedly|allegedly|alleged|apparently|possibly|perhaps|unconfirmed|rumou?r|"
    r"claim|claims|claimed|suggests?|appears?|seems?|likely|unclear|expected|plans?|intends?|would|"
    r"aims?|hopes?|discuss(?:ed|es|ing)?|talks?|according)\b", re.I)
REFUTE = re.compile(
    r"\b(fake|fraud|hoax|false|deny|denies|denied|denial|not|despite|nope|doubt|doubts|bogus|debunk|"
    r"debunked|pranks?|retract|retracted|refute[sd]?|untrue|no evidence|misleading)\b", re.I)

STYLE_FEATURES = (
    "vader_mean_abs", "vader_strong_share", "vader_neg_mean", "vader_pos_mean",
    "exclamations_per_sentence", "questions_per_sentence", "caps_words_per_100",
    "quotes_per_sentence", "attributions_per_sentence", "first_second_person_per_100",
    "certainty_per_100", "hedges_per_100", "log_words",
)


@lru_cache(maxsize=1)
def vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentence_polarities(text: str, sentences: list[tuple[int, int]], limit: int = 200) -> np.ndarray:
    """VADER (neg, pos, compound) per sentence; long articles are sampled evenly to bound the cost."""
    if not sentences:
        return np.zeros((0, 3))
    idx = np.linspace(0, len(sentences) - 1, min(limit, len(sentences))).round().astype(int)
    analyzer = vader()
    rows = []
    for i in sorted(set(idx.tolist())):
        s, e = sentences[i]
        scores = analyzer.polarity_scores(text[s:e][:1000])
        rows.append((scores["neg"], scores["pos"], scores["compound"]))
    return np.array(rows)


def style_measurements(text: str, sentences: list[tuple[int, int]]) -> dict[str, float]:
    """The STYLE_FEATURES of a text, as a dict of floats."""
    # several heads (hyperpartisan, credibility) measure the same article: measure it once
    return dict(_style_measurements(text, tuple(map(tuple, sentences))))


@lru_cache(maxsize=32)
def _style_measurements(text: str, sentences: tuple[tuple[int, int], ...]) -> dict[str, float]:
    words = WORD.findall(text)
    n_words = max(len(words), 1)
    n_sent = max(len(sentences), 1)
    pol = sentence_polarities(text, sentences)
    compound = np.abs(pol[:, 2]) if len(pol) else np.zeros(1)
    return {
        "vader_mean_abs": float(compound.mean()),
        "vader_strong_share": float((compound >= 0.6).mean()),
        "vader_neg_mean": float(pol[:, 0].mean()) if len(pol) else 0.0,
        "vader_pos_mean": float(pol[:, 1].mean()) if len(pol) else 0.0,
        "exclamations_per_sentence": text.count("!") / n_sent,
        "questions_per_sentence": text.count("?") / n_sent,
        "caps_words_per_100": 100 * len(CAPS_WORD.findall(text)) / n_words,
        "quotes_per_sentence": len(QUOTE_OPEN.findall(text)) / 2 / n_sent,
        "attributions_per_sentence": len(ATTRIBUTION.findall(text)) / n_sent,
        "first_second_person_per_100": 100 * len(FIRST_SECOND_PERSON.findall(text)) / n_words,
        "certainty_per_100": 100 * len(CERTAINTY.findall(text)) / n_words,
        "hedges_per_100": 100 * len(HEDGE.findall(text)) / n_words,
        "log_words": float(np.log1p(len(words))),
    }


def style_vector(text: str, sentences: list[tuple[int, int]]) -> np.ndarray:
    values = style_measurements(text, sentences)
    return np.array([values[k] for k in STYLE_FEATURES], dtype=np.float64)
