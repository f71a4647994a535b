"""The PTC corpus (SemEval-2020 Task 11): articles, technique spans, a fixed validation split."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

TECHNIQUES: tuple[str, ...] = (
    "Appeal_to_Authority",
    "Appeal_to_fear-prejudice",
    "Bandwagon,Reductio_ad_hitlerum",
    "Black-and-White_Fallacy",
    "Causal_Oversimplification",
    "Doubt",
    "Exaggeration,Minimisation",
    "Flag-Waving",
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Slogans",
    "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring",
)
TECHNIQUE_INDEX = {t: i for i, t in enumerate(TECHNIQUES)}
VALIDATION_PERCENT = 15


@dataclass
class PTCArticle:
    id: str
    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, technique)


def load_corpus(path: Path | str) -> list[PTCArticle]:
    """Articles of a folder holding ``articles/article<ID>.txt`` and (optionally) ``labels-TC.tsv``."""
    path = Path(path)
    articles: dict[str, PTCArticle] = {}
    for file in sorted((path / "articles").glob("article*.txt")):
        art_id = file.stem.removeprefix("article")
        # newline="" keeps "\r\n" as two characters: PTC offsets count every character.
        with open(file, encoding="utf-8", newline="") as fh:
            articles[art_id] = PTCArticle(art_id, fh.read())
    labels = path / "labels-TC.tsv"
    if labels.is_file():
        for line in labels.read_text(encoding="utf-8").splitlines():
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 4 or parts[0] not in articles:
                continue
            articles[parts[0]].spans.append((int(parts[2]), int(parts[3]), parts[1]))
    return list(articles.values())


def is_validation(article_id: str, percent: int = VALIDATION_PERCENT) -> bool:
    """A fixed split by id hash: the same articles are held back on every machine."""
    digest = hashlib.sha256(f"ptc-validation:{article_id}".encode()).hexdigest()
    return int(digest[:8], 16) % 100 < percent


def split(articles: list[PTCArticle]) -> tuple[list[PTCArticle], list[PTCArticle]]:
    train = [a for a in articles if not is_validation(a.id)]
    valid = [a for a in articles if is_validation(a.id)]
    return train, valid
