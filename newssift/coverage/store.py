"""The fact-check store: one row per published fact-check, from any collection.

Tables live on ``newssift.db.metadata`` so ``get_engine`` creates them on SQLite and PostgreSQL
alike. ``key`` makes imports idempotent: a collection's record id, or for ClaimReview the review
URL and claim, identify a fact-check across re-imports.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from sqlalchemy import Column, Float, Index, Integer, String, Table, Text, func, select

from newssift.db import get_engine, metadata

factchecks = Table(
    "factchecks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(512), nullable=False, unique=True),
    Column("collection", String(64), nullable=False),
    Column("claim", Text, nullable=False),
    Column("title", Text),
    Column("verdict", String(256)),  # as the publisher wrote it
    Column("verdict_normalised", String(32), nullable=False),  # see verdicts.SCALE
    Column("truth", Float),  # 0 (false) .. 1 (true); null where the verdict has no truth value
    Column("publisher", String(256)),
    Column("url", Text),
    Column("date", String(32)),  # ISO 8601 date when it could be read, else as written
    Column("speaker", String(256)),
    Column("language", String(16)),
)
Index("ix_factchecks_collection", factchecks.c.collection)

FIELDS = ("claim", "verdict", "verdict_normalised", "truth", "publisher", "url", "date", "speaker",
          "collection", "title")


def insert_new(records: Iterable[dict], db_url: str | None = None, batch: int = 2000) -> tuple[int, int]:
    """Insert records whose ``key`` is not in the store yet; returns (added, already there)."""
    engine = get_engine(db_url)
    added = skipped = 0
    chunk: list[dict] = []

    def flush() -> None:
        nonlocal added, skipped
        if not chunk:
            return
        unique = {r["key"]: r for r in chunk}  # a file may repeat a record
        skipped += len(chunk) - len(unique)
        with engine.begin() as conn:
            existing = set(conn.execute(select(factchecks.c.key).where(factchecks.c.key.in_(list(unique)))).scalars())
            new = [r for k, r in unique.items() if k not in existing]
            if new:
                conn.execute(factchecks.insert(), new)
        added += len(new)
        skipped += len(existing)
        chunk.clear()

    for rec in records:
        chunk.append(rec)
        if len(chunk) >= batch:
            flush()
    flush()
    return added, skipped


def count(db_url: str | None = None) -> int:
    with get_engine(db_url).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(factchecks)).scalar_one())


def state(db_url: str | None = None) -> tuple[int, int]:
    """(row count, highest id): changes whenever records are added or removed."""
    with get_engine(db_url).connect() as conn:
        n, top = conn.execute(select(func.count(), func.max(factchecks.c.id)).select_from(factchecks)).one()
    return int(n or 0), int(top or 0)


def counts_by_collection(db_url: str | None = None) -> dict[str, int]:
    with get_engine(db_url).connect() as conn:
        rows = conn.execute(select(factchecks.c.collection, func.count()).group_by(factchecks.c.collection))
        return {c: int(n) for c, n in rows}


def iter_claims(after_id: int = 0, db_url: str | None = None, batch: int = 5000) -> Iterator[list[tuple]]:
    """Batches of (id, claim, title, speaker, date) with id > after_id, in id order."""
    engine = get_engine(db_url)
    last = after_id
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(factchecks.c.id, factchecks.c.claim, factchecks.c.title, factchecks.c.speaker,
                       factchecks.c.date)
                .where(factchecks.c.id > last).order_by(factchecks.c.id).limit(batch)
            ).all()
        if not rows:
            return
        yield [(int(r[0]), *r[1:]) for r in rows]
        last = int(rows[-1][0])


def fetch(ids: list[int], db_url: str | None = None) -> dict[int, dict]:
    """The records with these ids, as dicts of FIELDS plus ``id``."""
    if not ids:
        return {}
    cols = [factchecks.c.id] + [factchecks.c[f] for f in FIELDS]
    with get_engine(db_url).connect() as conn:
        rows = conn.execute(select(*cols).where(factchecks.c.id.in_([int(i) for i in ids]))).mappings().all()
    return {int(r["id"]): dict(r) for r in rows}
