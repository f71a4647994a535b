"""How much of an article the propaganda head marks, per technique: the hyperpartisan model's
`techniques` block. Loaded language and name-calling crowd a one-sided article; a plain report has few.

The block reads the propaganda head's per-token tagger probabilities, not its decoded spans: per
technique (and for "any technique"), the share of the article's tokens whose probability reaches 0.3
(`technique_token_shares`). Threshold-free of the span decoding, it measured better than the density of
the decoded spans (`technique_vector`, kept for comparison) with the tagger that reads layer-3 states
(benchmarks/hyperpartisan.md). The probabilities come from the propaganda model run on the article's
encoding (the propaganda head shares them at analysis time), so the block is only used with the
propaganda artefact it was trained with (`propaganda_identity`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from newssift.models.ptc import TECHNIQUES
from newssift.stop.technique_labels import LOADED_TECHNIQUES

TOKEN_SHARE_THRESHOLD = 0.3  # chosen by repeated CV among 0.2-0.6 (benchmarks/hyperpartisan.md)
TECHNIQUE_FEATURES: tuple[str, ...] = tuple(f"{t}_token_share" for t in TECHNIQUES) + ("any_technique_token_share",)
# the density of decoded spans (the block before; benchmarks and tests)
SPAN_FEATURES: tuple[str, ...] = tuple(f"{t}_per_sentence" for t in TECHNIQUES) + (
    "techniques_per_sentence", "technique_char_share", "loaded_sentence_share")


def technique_token_shares(probs: np.ndarray, threshold: float = TOKEN_SHARE_THRESHOLD) -> np.ndarray:
    """TECHNIQUE_FEATURES of one article from the propaganda tagger's (tokens, 14 + 1) probabilities:
    per technique and for "any technique", the share of tokens at or above `threshold`."""
    probs = np.asarray(probs)
    if not len(probs):
        return np.zeros(len(TECHNIQUE_FEATURES))
    return (probs >= threshold).mean(axis=0).astype(np.float64)


def technique_vector(text: str, sentences: list[tuple[int, int]], spans) -> np.ndarray:
    """SPAN_FEATURES of one article from its technique spans (dicts with start, end, technique)."""
    n_sent = max(len(sentences), 1)
    counts = np.zeros(len(TECHNIQUES))
    chars = 0
    loaded_sentences: set[int] = set()
    starts = np.array([s for s, _ in sentences]) if len(sentences) else np.zeros(0, int)
    for d in spans:
        counts[TECHNIQUES.index(d["technique"])] += 1
        chars += d["end"] - d["start"]
        if d["technique"] in LOADED_TECHNIQUES and len(starts):
            k = int(np.searchsorted(starts, d["start"], side="right")) - 1
            if k >= 0 and d["start"] < sentences[k][1]:
                loaded_sentences.add(k)
    return np.concatenate([counts / n_sent,
                           [counts.sum() / n_sent, chars / max(len(text), 1), len(loaded_sentences) / n_sent]])


def propaganda_identity(directory: Path | None = None) -> str | None:
    """A digest of the propaganda artefact's weights, `head.npz` (None when it is not built). The block
    reads the tagger's token probabilities only, so the span decoding (`config.json`) can change
    without retraining the hyperpartisan model."""
    from newssift.stop.propaganda import ARTEFACT_DIR

    weights = Path(directory or ARTEFACT_DIR) / "head.npz"
    if not weights.is_file():
        return None
    return hashlib.sha256(weights.read_bytes()).hexdigest()[:16]
