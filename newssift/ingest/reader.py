"""read_input: the one entry point from a user's INPUT to an Article (filled in by the ingest work)."""

from __future__ import annotations

from pathlib import Path

from newssift.article import Article


def read_input(source: str, url: str | None = None, allow_private_network: bool = False) -> Article:
    text = Path(source).read_text("utf-8")
    return Article(text=text, url=url)
