"""A word-list baseline for propaganda spans: words seen mostly inside annotated spans in training.

This is what the learned head must beat; `newssift evaluate propaganda PATH` scores it with
``system="wordlist"``.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from newssift.models.ptc import TECHNIQUES

WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
LEXICON_FILE = Path(__file__).resolve().parents[1] / "models" / "artefacts" / "propaganda" / "wordlist.json"
# Technique prior (training frequency order), used when no word votes.
PRIOR = ("Loaded_Language", "Name_Calling,Labeling", "Repetition", "Doubt", "Exaggeration,Minimisation",
         "Appeal_to_fear-prejudice", "Flag-Waving", "Causal_Oversimplification", "Appeal_to_Authority", "Slogans",
         "Whataboutism,Straw_Men,Red_Herring", "Black-and-White_Fallacy", "Thought-terminating_Cliches",
         "Bandwagon,Reductio_ad_hitlerum")


def build(articles, min_count: int = 2, min_ratio: float = 0.4, max_span_chars: int = 60) -> dict:
    """Words (lower-cased) inside short annotated spans at least `min_ratio` of the times they occur."""
    inside, total = Counter(), Counter()
    techniques: dict[str, Counter] = defaultdict(Counter)
    for art in articles:
        short = [(s, e, t) for s, e, t in art.spans if e - s <= max_span_chars]
        for m in WORD.finditer(art.text):
            word = m.group().lower()
            total[word] += 1
            hits = [t for s, e, t in short if s <= m.start() and m.end() <= e]
            if hits:
                inside[word] += 1
                techniques[word].update(hits)
    return {w: techniques[w].most_common(1)[0][0] for w, n in inside.items()
            if n >= min_count and n / total[w] >= min_ratio}


def save(lexicon: dict, path: Path) -> None:
    path.write_text(json.dumps(dict(sorted(lexicon.items())), indent=0) + "\n", encoding="utf-8")


def load(path: Path = LEXICON_FILE) -> "WordList":
    from newssift.errors import ModelMissing

    if not path.is_file():
        raise ModelMissing("The propaganda word list is missing: run `newssift train propaganda`.")
    return WordList(json.loads(path.read_text(encoding="utf-8")))


class WordList:
    def __init__(self, lexicon: dict):
        self.lexicon = lexicon

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Runs of listed words (one unlisted word may sit between two listed ones)."""
        words = [(m.start(), m.end(), m.group().lower()) for m in WORD.finditer(text)]
        out, run, gap = [], [], 0
        for s, e, w in words:
            if w in self.lexicon:
                run.append((s, e, self.lexicon[w]))
                gap = 0
            elif run:
                gap += 1
                if gap > 1:
                    out.append(run)
                    run, gap = [], 0
        if run:
            out.append(run)
        result = []
        for r in out:
            tech = Counter(t for _, _, t in r).most_common(1)[0][0]
            result.append((r[0][0], r[-1][1], tech))
        return result

    def predict_spans(self, texts: list[str]) -> list[list[tuple[int, int, str]]]:
        return [self.spans(t) for t in texts]

    def classify_spans(self, text: str, spans) -> list[list[str]]:
        out = []
        for s, e in spans:
            votes = Counter(self.lexicon[m.group().lower()] for m in WORD.finditer(text[s:e])
                            if m.group().lower() in self.lexicon)
            ranked = [t for t, _ in votes.most_common()]
            out.append(ranked + [t for t in PRIOR if t not in ranked])
        return out


assert set(PRIOR) == set(TECHNIQUES)
