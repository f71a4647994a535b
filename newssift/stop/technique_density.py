"""How much of an article the propaganda head marks, per technique: the hyperpartisan model's
`techniques` block. Loaded language and name-calling crowd a one-sided article; a plain report has few.

The spans come from the propaganda head (its report entries at analysis time; the same model run on
the same encoding in training), so the block is only used with the propaganda artefact it was trained
with (`propaganda_identity`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from newssift.models.ptc import TECHNIQUES
from newssift.stop.technique_labels import LOADED_TECHNIQUES

TECHNIQUE_FEATURES: tuple[str, ...] = tuple(f"{t}_per_sentence" for t in TECHNIQUES) + (
    "techniques_per_sentence", "technique_char_share", "loaded_sentence_share")


def technique_vector(text: str, sentences: list[tuple[int, int]], spans) -> np.ndarray:
    """TECHNIQUE_FEATURES of one article from its technique spans (dicts with start, end, technique)."""
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
    """A digest of the propaganda artefact's files (None when it is not built)."""
    from newssift.stop.propaganda import ARTEFACT_DIR

    folder = Path(directory or ARTEFACT_DIR)
    files = [folder / "head.npz", folder / "config.json"]
    if not all(f.is_file() for f in files):
        return None
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.read_bytes())
    return digest.hexdigest()[:16]
