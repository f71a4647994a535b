"""HTML to an Article: trafilatura (comments excluded) for the body and metadata, then the same
chrome removal as plain text, line by line."""

from __future__ import annotations

import re

from newssift import settings
from newssift.article import Article
from newssift.errors import InputError
from newssift.ingest.decode import check_not_binary, maybe_gunzip

_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*?(/?)>")
_VOID = {b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta", b"param",
         b"source", b"track", b"wbr", b"p", b"li", b"option", b"td", b"tr", b"th", b"dt", b"dd"}


def nesting_depth(data: bytes, limit: int) -> int:
    """An upper bound on element nesting, found by scanning tags (no tree is built)."""
    depth = peak = 0
    for match in _TAG.finditer(data):
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if name in _VOID or self_closing:
            continue
        if closing:
            depth = max(0, depth - 1)
        else:
            depth += 1
            if depth > peak:
                peak = depth
                if peak > limit:
                    return peak
    return peak


def looks_like_html(data: bytes) -> bool:
    head = data[:4096].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml")) or bool(
        re.search(rb"<(html|head|body|article|div|p|meta|title)[\s>]", head))


def read_html(data: bytes | str, url: str | None = None) -> Article:
    """Extract the article from a page's HTML (bytes preferred: trafilatura detects the charset)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = maybe_gunzip(data, name="the page")
    if len(data) > settings.MAX_INPUT_BYTES:
        raise InputError(f"The page is {len(data):,} bytes; the limit is {settings.MAX_INPUT_BYTES:,}.")
    if not data.strip():
        raise InputError("The page is empty.")
    check_not_binary(data, "the page")
    depth = nesting_depth(data, settings.MAX_HTML_DEPTH)
    if depth > settings.MAX_HTML_DEPTH:
        raise InputError(f"The page nests elements more than {settings.MAX_HTML_DEPTH:,} deep; refusing it.")

    import trafilatura

    precise_options = {"url": url, "include_comments": False, "favor_precision": True, "with_metadata": True}
    try:
        precise = _as_dict(trafilatura.bare_extraction(data, **precise_options))
        text = (precise or {}).get("text") or ""
        meta = precise or {}
        options = precise_options
        if len(text) < 200:
            # favouring precision can drop a short story whole; the defaults then do better
            fallback_options = {"url": url, "include_comments": False, "with_metadata": True}
            fallback = _as_dict(trafilatura.bare_extraction(data, **fallback_options))
            if len(fallback.get("text") or "") > len(text):
                text = fallback.get("text") or ""
                meta = {**fallback, **{k: v for k, v in meta.items() if isinstance(v, str) and v}}
                options = fallback_options
    except (ValueError, RecursionError) as exc:
        raise InputError(f"The page cannot be parsed as HTML ({type(exc).__name__}).") from None
    if not text.strip():
        raise InputError("No article text was found in the page.")

    from newssift.ingest.text import read_text

    title = _clean(meta.get("title"))
    article = read_text(text, url=url, title=title or None, find_title=False)
    article.source_format = "html"
    article.published = _clean(meta.get("date"))
    author = _clean(meta.get("author"))
    article.authors = [a.strip() for a in re.split(r";|\band\b", author) if a.strip()] if author else []
    article.site_name = _clean(meta.get("sitename"))
    article.canonical_url = _clean(meta.get("url"))
    article.links = _main_links(data, options)
    # the page's declared language is often a site default: the body's language is detected instead
    return article


def _main_links(data: bytes, options: dict) -> list[str] | None:
    """The link targets of the main content, in order: the same extraction kept with its links
    (trafilatura resolves relative targets against the page's URL when it is given). The text is
    taken from the extraction without links, which writes links into the text as Markdown."""
    import trafilatura

    try:
        document = trafilatura.bare_extraction(data, **{**options, "with_metadata": False, "include_links": True})
    except (ValueError, RecursionError):
        return None
    body = getattr(document, "body", None)
    if body is None:
        return []
    return [target.strip() for ref in body.iter("ref") if (target := ref.get("target") or "").strip()]


def _as_dict(document) -> dict:
    return document.as_dict() if document is not None else {}


def _clean(value) -> str:
    return str(value).strip() if value else ""
