"""The data model: one article, character offsets everywhere.

`Article.text` is the clean body and the coordinate system for every span in a report:
for any span, ``article.text[span.start:span.end] == span.text``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Span:
    """A labelled stretch of `Article.text`: ``[start, end)`` in characters."""

    start: int
    end: int
    label: str = ""
    score: float | None = None

    def __post_init__(self):
        if not (0 <= self.start <= self.end):
            raise ValueError(f"bad span offsets {self.start}..{self.end}")

    def text_in(self, text: str) -> str:
        return text[self.start:self.end]

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end


def span_dict(text: str, start: int, end: int, **fields: Any) -> dict:
    """The JSON form of a span: ``start``, ``end``, ``text`` (the slice), then extra fields."""
    if not (0 <= start <= end <= len(text)):
        raise ValueError(f"span {start}..{end} outside a text of {len(text)} characters")
    return {"start": int(start), "end": int(end), "text": text[start:end], **fields}


@dataclass(slots=True)
class Removed:
    """A piece of the page that ingest left out of `Article.text`, and why."""

    text: str
    reason: str  # e.g. "rating widget", "comment prompt", "donation appeal", "related headlines"


@dataclass(slots=True)
class Article:
    text: str
    title: str | None = None
    url: str | None = None
    domain: str | None = None
    published: str | None = None  # ISO 8601 date or datetime, as found
    authors: list[str] = field(default_factory=list)
    language: str | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    sentences: list[tuple[int, int]] = field(default_factory=list)
    source_format: str = "text"  # "html" or "text"
    removed: list[Removed] = field(default_factory=list)
    external_id: str | None = None  # an id given by a corpus line, kept for batch output
    # the targets of the links in the main content, in order (absolute where the page's URL resolves
    # them); None when the input carries no links to read (plain text)
    links: list[str] | None = None

    @property
    def id(self) -> str:
        """A stable id: the same title, text and URL always give the same id."""
        key = "\x00".join([self.title or "", self.text, self.url or ""])
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]

    def sentence_spans(self) -> list[Span]:
        return [Span(s, e, "sentence") for s, e in self.sentences]

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "external_id": self.external_id,
            "title": self.title,
            "text": self.text,
            "url": self.url,
            "canonical_url": self.canonical_url,
            "domain": self.domain,
            "site_name": self.site_name,
            "published": self.published,
            "authors": list(self.authors),
            "language": self.language,
            "source_format": self.source_format,
            "sentences": [[s, e] for s, e in self.sentences],
            "removed": [{"text": r.text, "reason": r.reason} for r in self.removed],
            "links": None if self.links is None else list(self.links),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Article":
        return cls(
            text=data["text"],
            title=data.get("title"),
            url=data.get("url"),
            domain=data.get("domain"),
            published=data.get("published"),
            authors=list(data.get("authors") or []),
            language=data.get("language"),
            site_name=data.get("site_name"),
            canonical_url=data.get("canonical_url"),
            sentences=[tuple(s) for s in data.get("sentences") or []],
            source_format=data.get("source_format", "text"),
            removed=[Removed(r["text"], r["reason"]) for r in data.get("removed") or []],
            external_id=data.get("external_id"),
            links=None if data.get("links") is None else list(data["links"]),
        )
