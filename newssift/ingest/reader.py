"""read_input: from what a user gives (a path, a URL, "-") to an Article, with clear errors."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from newssift import settings
from newssift.article import Article
from newssift.errors import FetchError, InputError
from newssift.ingest.decode import decode_text, maybe_gunzip

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def read_bytes_capped(stream, limit: int, name: str) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{name} is larger than the limit of {limit:,} bytes.")
    return data


def read_input(source: str, url: str | None = None, allow_private_network: bool = False) -> Article:
    """INPUT is a path (HTML or text, optionally gzipped), an http(s) URL, or "-" for stdin."""
    source = str(source)
    scheme = _SCHEME.match(source)
    if scheme and len(scheme.group(1)) > 1:  # "C:" is a drive, not a scheme
        if scheme.group(1).lower() in ("http", "https"):
            return read_url(source, allow_private_network=allow_private_network)
        raise FetchError(f"Only http and https URLs can be read, not {scheme.group(1)}: {source}")
    if source == "-":
        data = read_bytes_capped(sys.stdin.buffer, settings.MAX_INPUT_BYTES * 2, "standard input")
        return read_document(data, url=url, name="standard input")
    path = Path(source)
    if not path.exists():
        raise InputError(f"No such file: {source}")
    if path.is_dir():
        raise InputError(f"{source} is a folder; give one file (use `newssift batch` for a folder).")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{source} is empty.")
    compressed = path.suffix == ".gz"
    limit = settings.MAX_INPUT_BYTES if not compressed else settings.MAX_INPUT_BYTES  # gz is capped after inflating
    if size > limit and not compressed:
        raise InputError(f"{source} is {size:,} bytes; the limit is {limit:,}.")
    try:
        with path.open("rb") as handle:
            data = read_bytes_capped(handle, limit, source)
    except OSError as exc:
        raise InputError(f"Cannot read {source}: {exc.strerror or exc}.") from None
    return read_document(data, url=url, name=source)


def read_document(data: bytes, url: str | None = None, name: str = "input", content_type: str | None = None,
                  charset: str | None = None) -> Article:
    """Bytes of a page or a text, HTML recognised by its content type or its first bytes."""
    from newssift.ingest.html import looks_like_html, read_html
    from newssift.ingest.text import read_text

    data = maybe_gunzip(data, name=name)
    if not data.strip():
        raise InputError(f"{name} is empty.")
    if len(data) > settings.MAX_INPUT_BYTES:
        raise InputError(f"{name} is {len(data):,} bytes; the limit is {settings.MAX_INPUT_BYTES:,}.")
    is_html = content_type in ("text/html", "application/xhtml+xml") if content_type else looks_like_html(data)
    if is_html:
        article = read_html(data, url=url)
    else:
        article = read_text(decode_text(data, declared=charset, name=name), url=url)
    return finish(article)


def read_url(url: str, allow_private_network: bool = False) -> Article:
    from newssift.ingest.fetch import fetch

    fetched = fetch(url, allow_private_network=allow_private_network)
    article = read_document(fetched.content, url=fetched.url, name=fetched.url,
                            content_type=fetched.content_type, charset=fetched.charset)
    return article


def finish(article: Article) -> Article:
    """Fields every ingest path fills the same way: the domain and the language."""
    from newssift.language import detect_language

    if article.url and not article.domain:
        article.domain = registrable_domain(article.url)
    if not article.language:
        article.language, _ = detect_language(article.text)
    return article


def registrable_domain(url: str) -> str | None:
    try:
        from newssift.source.domains import registrable_domain as normalise
    except ImportError:
        from urllib.parse import urlsplit

        host = urlsplit(url if "//" in url else "//" + url).hostname or ""
        return host.removeprefix("www.") or None
    return normalise(url)
