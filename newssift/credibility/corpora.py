"""The public fake-news corpora as one list of labelled articles, each tagged with its corpus.

- FakeNewsAMT and Celebrity (Pérez-Rosas et al. 2018): ``<corpus>/{fake,legit}/*.txt``, first line the title.
- BuzzFeed and PolitiFact (FakeNewsNet v1): ``<corpus>/{Fake,Real}NewsContent/*-Webpage.json``.
- A JSONL of ``{"title","text","label"}`` (label fake/real/satire), the evaluation format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from newssift.errors import InputError

CORPORA = ("FakeNewsAMT", "Celebrity", "BuzzFeed", "PolitiFact")


@dataclass
class LabelledArticle:
    corpus: str
    title: str
    text: str
    label: str  # "fake", "real" or "satire"
    domain: str | None = None  # the outlet, where the corpus names it


def _read_perezrosas(folder: Path, corpus: str) -> list[LabelledArticle]:
    out = []
    for sub, label in (("fake", "fake"), ("legit", "real")):
        for f in sorted((folder / sub).glob("*.txt")):
            raw = f.read_text("utf-8", errors="replace").strip()
            title, _, body = raw.partition("\n")
            out.append(LabelledArticle(corpus, title.strip(), body.strip(), label))
    return out


def _read_fakenewsnet(folder: Path, corpus: str) -> list[LabelledArticle]:
    out = []
    for sub, label in (("FakeNewsContent", "fake"), ("RealNewsContent", "real")):
        for f in sorted((folder / sub).glob("*.json")):
            data = json.loads(f.read_text("utf-8", errors="replace"))
            text = (data.get("text") or "").strip()
            if text:
                out.append(LabelledArticle(corpus, (data.get("title") or "").strip(), text, label,
                                           _domain(data.get("canonical_link") or data.get("source") or "")))
    return out


def _domain(url: str) -> str | None:
    from urllib.parse import urlparse

    host = urlparse(url).netloc.lower() if "//" in url else ""
    return host.removeprefix("www.") or None


def read_corpora(data_dir: str | Path) -> list[LabelledArticle]:
    root = Path(data_dir)
    articles = []
    articles += _read_perezrosas(root / "fakenews-perezrosas2018" / "fakeNewsDataset", "FakeNewsAMT")
    articles += _read_perezrosas(root / "fakenews-perezrosas2018" / "celebrityDataset", "Celebrity")
    articles += _read_fakenewsnet(root / "fakenews-fakenewsnet-v1" / "BuzzFeed", "BuzzFeed")
    articles += _read_fakenewsnet(root / "fakenews-fakenewsnet-v1" / "PolitiFact", "PolitiFact")
    if not articles:
        raise InputError(f"No fake-news corpora under {root}.")
    return articles


def read_jsonl(path: str | Path) -> list[LabelledArticle]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                raise InputError(f"{path}: line {n} is not JSON.") from None
            label = str(row.get("label", "")).lower()
            if label not in ("fake", "real", "satire"):
                raise InputError(f"{path}: line {n} has label {row.get('label')!r}; expected fake, real or satire.")
            out.append(LabelledArticle(str(row.get("corpus", "")), row.get("title") or "", row.get("text") or "", label))
    return out
