"""Corpus readers: many articles from one input, as ``(item_id, Article)`` or ``(item_id, error)``.

Formats: JSONL (``{"id","title","text","url"}`` per line, or ``"html"`` instead of ``"text"``),
CSV (the same columns), a folder of ``.html``/``.htm``/``.txt`` files (optionally ``.gz``), and
WARC files (response records with an HTML payload, as in Common Crawl news).

A bad item (a torn JSON line, an empty text, a binary file) is yielded with its error message so
that a batch run records it and goes on; only an input that cannot be opened at all raises.
Item ids are the corpus's own ids where it has them (the JSONL/CSV ``id``, the WARC record id),
else the folder's name and the file's path inside it (``pages/2016/a.html``), or ``FILE:LINE``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from pathlib import Path
from typing import Iterator, Union

from newssift import settings
from newssift.article import Article
from newssift.errors import InputError, NewssiftError

Item = tuple[str, Union[Article, str]]  # (item id, Article or an error message)

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")


# -- reading one document ------------------------------------------------------------------------
def html_article(data: bytes, url: str | None = None) -> Article:
    """An Article from a page's HTML, as every ingest path makes it (domain, language filled)."""
    from newssift.ingest.html import read_html
    from newssift.ingest.reader import finish

    return finish(read_html(data, url=url))


def text_article(text: str, url: str | None = None, title: str | None = None) -> Article:
    """An Article from plain text (chrome removed; the title from the first line if none is given)."""
    from newssift.ingest.reader import finish
    from newssift.ingest.text import read_text

    return finish(read_text(text, url=url, title=title))


def _article_from_record(record: dict, item_id: str) -> Article:
    """A JSONL/CSV record to an Article: ``text`` (or ``html``), with optional ``title`` and ``url``."""
    url = record.get("url") or None
    title = record.get("title") or None
    if url is not None and not isinstance(url, str) or title is not None and not isinstance(title, str):
        raise InputError("The url and title must be strings.")
    if isinstance(record.get("text"), str) and record["text"].strip():
        if len(record["text"]) > settings.MAX_TEXT_CHARS:
            raise InputError(f"The text is longer than {settings.MAX_TEXT_CHARS:,} characters.")
        article = text_article(record["text"], url=url, title=title)
    elif isinstance(record.get("html"), str) and record["html"].strip():
        article = html_article(record["html"].encode("utf-8"), url=url)
        if title and not article.title:
            article.title = title
    else:
        raise InputError("The item has no text (a non-empty \"text\" or \"html\" field).")
    article.external_id = item_id
    return article


def _guard(item_id: str, make) -> Item:
    """Call `make()`; a failure becomes the item's error message, never a crash of the run."""
    try:
        return item_id, make()
    except NewssiftError as exc:
        return item_id, str(exc)
    except RecursionError:
        return item_id, "The document is nested too deeply to read."
    except Exception as exc:  # a reader bug on one hostile item must not end a run over millions
        return item_id, f"The item could not be read: {type(exc).__name__}: {exc}"


# -- formats --------------------------------------------------------------------------------------
def read_jsonl(path: Path) -> Iterator[Item]:
    with _open_binary(path) as handle:
        for lineno, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            fallback_id = f"{path.name}:{lineno}"
            try:
                record = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                yield fallback_id, f"Line {lineno} is not valid JSON: {exc}"
                continue
            if not isinstance(record, dict):
                yield fallback_id, f"Line {lineno} is not a JSON object."
                continue
            item_id = str(record["id"]) if record.get("id") not in (None, "") else fallback_id
            yield _guard(item_id, lambda: _article_from_record(record, item_id))


def read_csv(path: Path) -> Iterator[Item]:
    csv.field_size_limit(min(sys.maxsize, 2 ** 31 - 1))  # article bodies are longer than csv's default
    with _open_binary(path) as binary:
        handle = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="")
        delimiter = "\t" if ".tsv" in path.name.lower() else ","
        reader = csv.DictReader(handle, delimiter=delimiter)
        if not reader.fieldnames or not ({"text", "html"} & set(reader.fieldnames)):
            raise InputError(f"{path}: a CSV corpus needs a header with a text (or html) column.")
        row_number = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                row_number += 1
                yield f"{path.name}:{row_number}", f"Row {row_number} cannot be read: {exc}"
                continue
            row_number += 1
            item_id = row.get("id") or f"{path.name}:{row_number}"
            yield _guard(item_id, lambda: _article_from_record({k: v for k, v in row.items() if k}, item_id))


def read_folder(path: Path) -> Iterator[Item]:
    files = sorted(p for p in path.rglob("*") if p.is_file() and _document_kind(p))
    prefix = path.resolve().name  # two folders in one run may both hold an "index.html"
    for file in files:
        item_id = f"{prefix}/{file.relative_to(path).as_posix()}"
        yield _guard(item_id, lambda: _read_document(file, item_id))


def _document_kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    if name.endswith(HTML_SUFFIXES):
        return "html"
    if name.endswith(TEXT_SUFFIXES):
        return "text"
    return None


def _read_document(file: Path, item_id: str) -> Article:
    from newssift.ingest.reader import read_document

    data = _read_limited(file)
    content_type = "text/html" if _document_kind(file) == "html" else "text/plain"
    article = read_document(data, url=None, name=item_id, content_type=content_type)
    article.external_id = item_id
    return article


def _read_limited(file: Path) -> bytes:
    limit = settings.MAX_INPUT_BYTES
    with _open_binary(file) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"The file is larger than {limit:,} bytes.")
    return data


def read_warc(path: Path) -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as handle:
        records = iter(ArchiveIterator(handle))
        index = 0
        while True:
            try:
                record = next(records)
            except StopIteration:
                break
            except Exception as exc:  # warcio raises many kinds on damaged files; the rest is unreadable
                yield f"{path.name}:record-{index}", f"The WARC file is damaged after {index} records: {exc or type(exc).__name__}"
                break
            index += 1
            try:
                item = _warc_item(record)
            except Exception as exc:
                item = (f"{path.name}:record-{index}", f"The WARC record cannot be read: {type(exc).__name__}: {exc}")
            if item is not None:
                yield item


def _warc_item(record) -> Item | None:
    """A response record with an HTML payload as an item; other records are not articles (None)."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    content_type = (record.http_headers.get_header("Content-Type") or "").lower()
    status = record.http_headers.get_statuscode() or ""
    if "html" not in content_type or not status.startswith("2"):
        return None  # images, redirects, errors
    url = record.rec_headers.get_header("WARC-Target-URI")
    item_id = record.rec_headers.get_header("WARC-Record-ID") or url or "unnamed-record"
    limit = settings.MAX_INPUT_BYTES
    try:
        data = record.content_stream().read(limit + 1)
    except Exception as exc:  # a damaged or bomb-compressed payload
        return item_id, f"The record's payload cannot be read: {type(exc).__name__}: {exc}"
    if len(data) > limit:
        return item_id, f"The page is larger than {limit:,} bytes."

    def make():
        article = html_article(data, url=url)
        article.external_id = item_id
        return article

    return _guard(item_id, make)


def _open_binary(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" and not _is_warc(path) else open(path, "rb")


def _is_warc(path: Path) -> bool:
    return ".warc" in path.name.lower()


def corpus_format(path: Path) -> str:
    """jsonl, csv, warc or folder; an unknown input is a clear error."""
    if path.is_dir():
        return "folder"
    if not path.is_file():
        raise InputError(f"{path}: no such file or folder.")
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    if ".warc" in name or name.endswith(".arc"):
        return "warc"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv")):
        return "csv"
    raise InputError(f"{path}: unknown corpus format (use .jsonl, .csv, .warc(.gz), or a folder).")


READERS = {"jsonl": read_jsonl, "csv": read_csv, "folder": read_folder, "warc": read_warc}


def read_corpus(path: str | Path) -> Iterator[Item]:
    """Every item of one corpus input, in order."""
    path = Path(path)
    return READERS[corpus_format(path)](path)


def count_items(path: str | Path) -> int | None:
    """The number of items, when that is cheap to know (None for WARC files)."""
    path = Path(path)
    kind = corpus_format(path)
    if kind == "folder":
        return sum(1 for p in path.rglob("*") if p.is_file() and _document_kind(p))
    if kind == "jsonl":
        with _open_binary(path) as handle:
            return sum(1 for line in handle if line.strip())
    return None
