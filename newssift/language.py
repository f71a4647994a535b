"""Language identification of the clean body (py3langid ships its model: no download)."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability), or (None, 0.0) when there is too little text to tell."""
    sample = text[:5000]
    if sum(ch.isalpha() for ch in sample) < 20:
        return None, 0.0
    lang, prob = _identifier().classify(sample)
    return lang, float(prob)
