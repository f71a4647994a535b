"""Plain text to an Article: the title from the first line when it is one, page chrome removed."""

from __future__ import annotations

import re

from newssift import settings
from newssift.article import Article, Removed
from newssift.errors import InputError
from newssift.ingest.chrome import classify_lines, is_story_shaped

_WORD = re.compile(r"[^\W\d_]{2,}")


def is_fragment(line: str) -> bool:
    """Scraping debris such as "in ," : fewer than two real words."""
    return len(_WORD.findall(line)) < 2


def looks_like_title(line: str, next_blank: bool) -> bool:
    stripped = line.strip()
    words = stripped.split()
    if not (2 <= len(words) <= 30) or len(stripped) > 250:
        return False
    if stripped.endswith((".", ",", ";", ":")) and not stripped.endswith("..."):
        return False
    # a title stands alone: a blank line follows, or it does not read like a sentence of prose
    return next_blank or not is_story_shaped(stripped)


def split_paragraphs(text: str) -> list[str]:
    """Non-empty lines, stripped: each line of a text file is one paragraph (or heading)."""
    return [line.strip() for line in text.split("\n") if line.strip()]


def read_text(text: str, url: str | None = None, title: str | None = None, find_title: bool = True,
              remove_chrome: bool = True) -> Article:
    """Build an Article from plain text (as scraped or pasted)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > settings.MAX_TEXT_CHARS:
        raise InputError(f"The text has {len(text):,} characters; the limit is {settings.MAX_TEXT_CHARS:,}.")
    raw_lines = text.split("\n")
    removed: list[Removed] = []

    # leading debris, then the title
    index = 0
    while index < len(raw_lines) and (not raw_lines[index].strip() or is_fragment(raw_lines[index])):
        if raw_lines[index].strip():
            removed.append(Removed(raw_lines[index].strip(), "page fragment"))
        index += 1
    if find_title and title is None and index < len(raw_lines):
        candidate = raw_lines[index]
        next_blank = index + 1 >= len(raw_lines) or not raw_lines[index + 1].strip()
        rest_has_text = any(l.strip() for l in raw_lines[index + 1:])
        if rest_has_text and looks_like_title(candidate, next_blank):
            title = candidate.strip()
            index += 1

    paragraphs = split_paragraphs("\n".join(raw_lines[index:]))
    if remove_chrome:
        reasons = classify_lines(paragraphs)
        kept = []
        for paragraph, reason in zip(paragraphs, reasons):
            if reason is None:
                kept.append(paragraph)
            else:
                removed.append(Removed(paragraph, reason))
        paragraphs = kept
    if title and paragraphs and paragraphs[0].strip().lower() == title.strip().lower():
        paragraphs = paragraphs[1:]  # the title repeated as the first line of the body
    body = "\n\n".join(paragraphs)
    if not body.strip():
        raise InputError("The input has no article text (it is empty, or only page chrome).")
    return Article(text=body, title=title, url=url, removed=removed, source_format="text")
