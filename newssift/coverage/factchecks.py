"""Importers into the fact-check store: CheckThat! PolitiFact and Snopes collections, LIAR, and
schema.org ClaimReview (a JSON-LD feed file, or a folder of pages that embed it).

``import_path`` detects the format; re-importing a file adds nothing new (records are keyed).
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator

from newssift.coverage import store
from newssift.coverage.verdicts import normalise
from newssift.errors import InputError

LIAR_LABELS = {"pants-fire", "false", "barely-true", "half-true", "mostly-true", "true"}
POLITIFACT_SITE = "https://www.politifact.com"
_DATE_FORMATS = ("%B %d, %Y", "%d %B %Y", "%b %d, %Y", "%d %b %Y", "%Y-%m-%d", "%B %d %Y")
_LD_SCRIPT = re.compile(r"<script[^>]*type\s*=\s*[\"']application/ld\+json[\"'][^>]*>(.*?)</script>", re.S | re.I)


# -- helpers -----------------------------------------------------------------------------------------
def parse_date(raw: str | None) -> str | None:
    """ISO date from "26 May 2015", "stated on October 22, 2019 in …", "2019-10-22T…"; else raw."""
    if not raw:
        return None
    text = str(raw).strip()
    m = re.match(r"(\d{4}-\d{2}-\d{2})", text)
    if m:
        return m.group(1)
    m = re.search(r"([A-Z][a-z]+\.? \d{1,2},? \d{4}|\d{1,2} [A-Z][a-z]+ \d{4})", text)
    if m:
        candidate = m.group(1).replace(".", "")
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(candidate, fmt).date().isoformat()
            except ValueError:
                continue
    return text[:32]


def _record(key: str, collection: str, claim: str, verdict: str | None, publisher: str | None,
            url: str | None = None, date: str | None = None, speaker: str | None = None,
            title: str | None = None, language: str | None = "en", rating: dict | None = None) -> dict | None:
    claim = re.sub(r"\s+", " ", html.unescape(claim or "")).strip()
    if not claim:
        return None
    rating = rating or {}
    label, truth = normalise(verdict, _num(rating.get("ratingValue")), _num(rating.get("bestRating")),
                             _num(rating.get("worstRating")))
    return {
        "key": key[:512], "collection": collection, "claim": claim, "title": (title or None),
        "verdict": (verdict or None), "verdict_normalised": label, "truth": truth,
        "publisher": publisher, "url": url or None, "date": parse_date(date),
        "speaker": (speaker or None), "language": language,
    }


def _num(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _open(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


def _jsonl(path: Path) -> Iterator[dict]:
    with _open(path) as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}: line {n} is not JSON ({exc.msg}).") from None


# -- CheckThat! --------------------------------------------------------------------------------------
def checkthat_records(path: Path) -> Iterator[dict]:
    """CheckThat! verified claims: PolitiFact (``vclaim-pol-…``: verdict, speaker, url) and
    Snopes (``vclaim-sno-…``: no verdict in the collection)."""
    for rec in _jsonl(path):
        vid = rec.get("vclaim_id") or ""
        if vid.startswith("vclaim-pol") or "truth_label" in rec:
            url = rec.get("url") or ""
            if url.startswith("/"):
                url = POLITIFACT_SITE + url
            out = _record(f"checkthat-politifact:{vid}", "checkthat-politifact", rec.get("vclaim"),
                          rec.get("truth_label"), "PolitiFact", url, rec.get("date"), rec.get("speaker"),
                          rec.get("title"))
        else:
            out = _record(f"checkthat-snopes:{vid}", "checkthat-snopes", rec.get("vclaim"), None, "Snopes",
                          None, rec.get("date"), None, rec.get("title"))
        if out:
            yield out


# -- LIAR --------------------------------------------------------------------------------------------
def liar_records(path: Path) -> Iterator[dict]:
    """LIAR: 14 tab-separated columns, no header, no quoting (Wang 2017)."""
    with _open(path) as fh:
        for n, line in enumerate(fh, 1):
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 14:
                if line.strip():
                    print(f"{path.name}: line {n} has {len(cols)} columns, skipped", file=sys.stderr)
                continue
            sid = cols[0].removesuffix(".json")
            speaker = cols[4].replace("-", " ").title() if cols[4] else None
            out = _record(f"liar:{sid}", "liar", cols[2], cols[1], "PolitiFact", None, None, speaker)
            if out:
                yield out


# -- ClaimReview -------------------------------------------------------------------------------------
def _types(obj: dict) -> set[str]:
    t = obj.get("@type") or obj.get("type") or []
    return {str(x).rsplit("/", 1)[-1] for x in (t if isinstance(t, list) else [t])}


def _name(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return value.get("name") or value.get("url")
    return str(value) if value else None


def find_claim_reviews(data) -> Iterator[dict]:
    """Every ClaimReview object anywhere in a JSON-LD document: a list, an @graph, a DataFeed's
    dataFeedElement items, or nested."""
    if isinstance(data, list):
        for item in data:
            yield from find_claim_reviews(item)
    elif isinstance(data, dict):
        if "ClaimReview" in _types(data):
            yield data
            return
        for value in data.values():
            if isinstance(value, (list, dict)):
                yield from find_claim_reviews(value)


def claim_review_record(obj: dict, collection: str = "claimreview") -> dict | None:
    rating = obj.get("reviewRating") or {}
    if isinstance(rating, list):
        rating = rating[0] if rating else {}
    item = obj.get("itemReviewed") or {}
    if isinstance(item, list):
        item = item[0] if item else {}
    claim = obj.get("claimReviewed") or (item.get("name") if isinstance(item, dict) else None)
    verdict = None
    if isinstance(rating, dict):
        verdict = rating.get("alternateName") or rating.get("name")
        if not verdict and rating.get("ratingValue") is not None:
            # a numeric rating alone: keep it readable, the scale position is normalised below
            verdict = f"{rating.get('ratingValue')} on a scale of {rating.get('worstRating', 1)} to {rating.get('bestRating', 5)}"
    url = obj.get("url") or obj.get("@id")
    publisher = _name(obj.get("author")) or _name(obj.get("publisher"))
    speaker = _name(item.get("author")) if isinstance(item, dict) else None
    key_src = f"{url or ''}\x00{claim or ''}"
    key = "claimreview:" + hashlib.sha256(key_src.encode("utf-8")).hexdigest()[:32]
    return _record(key, collection, claim, verdict, publisher, url, obj.get("datePublished"), speaker,
                   obj.get("headline") or obj.get("name"), obj.get("inLanguage") if isinstance(obj.get("inLanguage"), str) else "en",
                   rating if isinstance(rating, dict) else None)


def claim_review_records_from_json(data, collection: str = "claimreview") -> Iterator[dict]:
    for obj in find_claim_reviews(data):
        rec = claim_review_record(obj, collection)
        if rec:
            yield rec


def claim_review_records_from_html(text: str, collection: str = "claimreview") -> Iterator[dict]:
    for block in _LD_SCRIPT.findall(text):
        block = block.strip().removeprefix("<!--").removesuffix("-->").strip()
        try:
            data = json.loads(block)
        except json.JSONDecodeError:
            try:
                data = json.loads(html.unescape(block))
            except json.JSONDecodeError:
                continue  # a page's broken block is not the whole import's failure
        yield from claim_review_records_from_json(data, collection)


# -- detection ---------------------------------------------------------------------------------------
def _first_line(path: Path) -> str:
    with _open(path) as fh:
        for line in fh:
            if line.strip():
                return line
    return ""


def detect(path: Path) -> str:
    """One of "checkthat", "liar", "claimreview-json", "claimreview-jsonl", "claimreview-html"."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".html", ".htm")):
        return "claimreview-html"
    first = _first_line(path)
    if name.endswith(".jsonl") or (first.lstrip().startswith("{") and first.rstrip().endswith("}") and not name.endswith(".json")):
        try:
            obj = json.loads(first)
        except json.JSONDecodeError:
            obj = None
        if isinstance(obj, dict) and "vclaim" in obj:
            return "checkthat"
        if isinstance(obj, dict):
            return "claimreview-jsonl"
    if name.endswith((".tsv", ".txt")) or "\t" in first:
        cols = first.rstrip("\n").split("\t")
        if len(cols) == 14 and cols[1] in LIAR_LABELS:
            return "liar"
    if name.endswith((".json", ".jsonld")) or first.lstrip().startswith(("[", "{")):
        return "claimreview-json"
    if "<script" in first.lower() or "<html" in first.lower() or "<!doctype" in first.lower():
        return "claimreview-html"
    raise InputError(f"{path}: not a fact-check format newssift reads (CheckThat! JSONL, LIAR TSV, ClaimReview JSON-LD).")


def records_from_file(path: Path, collection: str | None = None) -> Iterator[dict]:
    kind = detect(path)
    if kind == "checkthat":
        yield from checkthat_records(path)
    elif kind == "liar":
        yield from liar_records(path)
    elif kind == "claimreview-jsonl":
        for obj in _jsonl(path):
            yield from claim_review_records_from_json(obj, collection or "claimreview")
    elif kind == "claimreview-json":
        with _open(path) as fh:
            try:
                data = json.load(fh)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}).") from None
        yield from claim_review_records_from_json(data, collection or "claimreview")
    else:
        with _open(path) as fh:
            yield from claim_review_records_from_html(fh.read(), collection or "claimreview")


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in
                      {".html", ".htm", ".json", ".jsonld", ".jsonl", ".gz"})
    return [path]


def import_path(path: str | Path, db_url: str | None = None, collection: str | None = None) -> dict:
    """Import a fact-check file or folder into the store; returns counts.

    Formats: CheckThat! verified claims (JSONL or JSONL.gz), LIAR TSV, ClaimReview JSON-LD
    (a JSON list, a DataFeed, JSON lines, or a folder of HTML pages with ld+json scripts)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist.")
    files = _files(path)
    if not files:
        raise InputError(f"{path}: no fact-check files found (.json, .jsonl, .html).")

    def records() -> Iterable[dict]:
        for f in files:
            yield from records_from_file(f, collection)

    before = store.count(db_url)
    added, skipped = store.insert_new(records(), db_url)
    if added == 0 and skipped == 0:
        raise InputError(f"{path}: no fact-checks found in it.")
    return {"path": str(path), "added": added, "already_present": skipped, "total": before + added,
            "collections": store.counts_by_collection(db_url)}


# The public collections, as laid out in ``../shared/data``.
PUBLIC_COLLECTIONS = (
    ("claimmatch-clef2022-2a/vclaims.jsonl", "CheckThat! 2022 Snopes"),
    ("claimmatch-clef2021-2b/politifact-vclaims.jsonl.gz", "CheckThat! 2021 PolitiFact"),
    ("claims-liar/train.tsv", "LIAR train"),
    ("claims-liar/valid.tsv", "LIAR valid"),
)


def install_collections(from_dir: str | Path, db_url: str | None = None,
                        progress: Callable[[str], None] | None = None) -> dict:
    """Import every public collection found under `from_dir` (a folder laid out like
    ``../shared/data``), then build the search index if the encoder is available."""
    root = Path(from_dir)
    results = {}
    for rel, label in PUBLIC_COLLECTIONS:
        path = root / rel
        if not path.exists():
            if progress:
                progress(f"{label}: not in {root}, skipped")
            continue
        result = import_path(path, db_url)
        results[label] = {"added": result["added"], "already_present": result["already_present"]}
        if progress:
            progress(f"{label}: {result['added']} added, {result['already_present']} already present")
    if not results:
        raise InputError(f"{root}: none of the public fact-check collections is there.")
    try:
        from newssift.coverage.index import ensure_index

        ensure_index(db_url, progress=progress)
    except Exception as exc:  # the index is built on first search otherwise
        if progress:
            progress(f"search index not built now ({exc}); it is built on first search")
    return {"collections": results, "total": store.count(db_url)}
