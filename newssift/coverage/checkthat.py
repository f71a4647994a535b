"""Readers for the CheckThat! claim-matching layout: queries, TREC qrels, verified-claim
collections (JSONL or JSONL.gz) and the debate transcripts of 2021 Task 2B."""

from __future__ import annotations

import csv
import gzip
import json
import re
from pathlib import Path

# The tweet's trailer ("— Name (@handle) January 1, 2020") and picture links carry no claim.
_TWEET_TRAILER = re.compile(r"\s*[—–-]{1,2}\s*[^—–]{0,80}\(@\w+\)\s+\w+ \d{1,2}, \d{4}\s*$")
_PIC_LINK = re.compile(r"\b(?:pic\.twitter\.com|https?://)\S+")


def open_text(path: str | Path):
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def read_collection(path: str | Path) -> list[dict]:
    """Verified claims, one JSON object a line (``vclaim_id``, ``vclaim``, ``title`` …)."""
    with open_text(path) as fh:
        return [json.loads(line) for line in fh if line.strip()]


def read_queries(path: str | Path) -> dict[str, str]:
    """``id<TAB>text`` lines (the 2022 files quote some texts CSV-style)."""
    queries: dict[str, str] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if len(row) >= 2 and row[0].strip():
                queries[row[0].strip()] = "\t".join(row[1:]).strip()
    return queries


def read_qrels(path: str | Path) -> dict[str, set[str]]:
    """TREC qrels ``qid 0 docid relevance``; only relevance > 0 counts."""
    qrels: dict[str, set[str]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 4 and parts[3] not in ("0", "0.0"):
                qrels.setdefault(parts[0], set()).add(parts[2])
            elif len(parts) == 3:  # some files leave out the iteration column
                qrels.setdefault(parts[0], set()).add(parts[1])
    return qrels


def clean_tweet(text: str) -> str:
    text = _TWEET_TRAILER.sub("", text)
    text = _PIC_LINK.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def collection_text(record: dict) -> str:
    """The searchable text of a verified claim: the claim and, if different, its headline."""
    claim = (record.get("vclaim") or "").strip()
    title = (record.get("title") or "").strip()
    if title and title.lower() not in claim.lower():
        return f"{claim} {title}".strip()
    return claim


def _read_transcript(path: Path) -> dict[int, str]:
    lines: dict[int, str] = {}
    with open(path, encoding="utf-8") as fh:
        for row in fh:
            parts = row.rstrip("\n").split("\t")
            if len(parts) >= 3 and parts[0].strip().isdigit():
                lines[int(parts[0])] = parts[2]
    return lines


def _norm(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def transcript_context(queries: dict[str, str], transcripts_dir: str | Path, before: int = 2) -> dict[str, str]:
    """For debate queries ``<debate>_<line>``: the `before` lines spoken before the sentence,
    joined, so that a sentence such as "That's not true" is read with what it answers. Query ids
    misspell some debate names, so a transcript is found by its name, else by the query's text
    at that line."""
    transcripts = {p.stem.lower(): _read_transcript(p) for p in sorted(Path(transcripts_dir).glob("*.tsv"))}
    out: dict[str, str] = {}
    for qid, text in queries.items():
        stem, _, num = qid.rpartition("_")
        if not num.isdigit():
            continue
        n = int(num)
        lines = transcripts.get(stem.lower())
        if lines is None or _norm(lines.get(n, "")) != _norm(text):
            lines = next((t for t in transcripts.values() if _norm(t.get(n, "")) == _norm(text)), lines)
        if lines is not None:
            out[qid] = " ".join(lines[i] for i in range(n - before, n) if i in lines)
    return out


_TWEET_DATE = re.compile(r"\(@\w+\)\s+(\w+ \d{1,2}, \d{4})\s*$")
_ID_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})_")


def query_meta(queries: dict[str, str], transcripts_dir: str | Path | None = None) -> dict[str, dict]:
    """When and by whom each query was said, where the data tells: a debate id starts with its
    date and its transcript names the speaker; a tweet ends with its date."""
    from newssift.coverage.factchecks import parse_date

    transcripts = {}
    if transcripts_dir and Path(transcripts_dir).is_dir():
        for p in sorted(Path(transcripts_dir).glob("*.tsv")):
            rows = {}
            with open(p, encoding="utf-8") as fh:
                for row in fh:
                    parts = row.rstrip("\n").split("\t")
                    if len(parts) >= 3 and parts[0].strip().isdigit():
                        rows[int(parts[0])] = (parts[1], parts[2])
            transcripts[p.stem.lower()] = rows
    out: dict[str, dict] = {}
    for qid, text in queries.items():
        meta: dict = {"speaker": None, "date": None}
        m = _ID_DATE.match(qid)
        if m:
            meta["date"] = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
            stem, _, num = qid.rpartition("_")
            if num.isdigit():
                n = int(num)
                rows = transcripts.get(stem.lower())
                if rows is None or _norm(rows.get(n, ("", ""))[1]) != _norm(text):
                    rows = next((r for r in transcripts.values() if _norm(r.get(n, ("", ""))[1]) == _norm(text)), rows)
                if rows and n in rows:
                    meta["speaker"] = rows[n][0]
        else:
            m = _TWEET_DATE.search(text)
            if m:
                meta["date"] = parse_date(m.group(1))
        out[qid] = meta
    return out
