"""Tables for rating lists and their ratings, on the one `newssift.db.metadata`.

A list row keeps the provenance a reader needs to judge a verdict (who published the list,
which version, on what scale, under what licence, from where); a rating row keeps the raw
value exactly as the list gives it beside the 0–1 quality derived from it.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table, Text, delete, insert, select

from newssift.db import get_engine as _get_engine
from newssift.db import metadata, normalise_url

rating_lists = Table(
    "source_rating_lists",
    metadata,
    Column("name", String(100), primary_key=True),  # short id shown in reports: "lin2023", "mbfc"
    Column("title", Text, nullable=False),
    Column("publisher", Text),
    Column("version", Text),  # version as the publisher states it
    Column("date", String(40)),  # when the list's verdicts were made (year, or a snapshot date)
    Column("scale", Text, nullable=False),  # the list's own scale, in words
    Column("quality_rule", Text),  # how the raw value becomes the 0–1 quality (null: no quality notion)
    Column("licence", Text),
    Column("url", Text),  # the publisher's public page for the list
    Column("citation", Text),
    Column("kind", String(20), nullable=False, default="builtin"),  # "builtin" or "user"
    Column("installed_from", Text),  # the folder or URLs the files came from
    Column("files", Text),  # JSON: [{"path", "url", "sha256"}]
    Column("count", Integer, nullable=False, default=0),
    Column("installed_at", String(40)),
)

ratings = Table(
    "source_ratings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("list_name", String(100), ForeignKey("source_rating_lists.name", ondelete="CASCADE"), nullable=False),
    Column("domain", String(300), nullable=False),  # normalised host (or host/account)
    Column("outlet", Text),  # the outlet's name where the list gives one
    Column("value", Text, nullable=False),  # JSON of the raw value as the list gives it
    Column("quality", Float),  # 0 lowest .. 1 highest, or null where the list has no quality notion
    Column("rater", String(100)),  # who judged this row (lists derived from MBFC say "mbfc")
    Column("detail", Text),  # JSON: other fields of the row (bias, tags, notes)
    Index("ix_source_ratings_domain", "domain"),
    Index("ix_source_ratings_list", "list_name"),
)

outlet_names = Table(
    "source_outlet_names",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("domain", String(300), nullable=False),
    Column("name", Text, nullable=False),  # how the outlet calls itself: "The Duran", "Reuters"
    Column("origin", Text, nullable=False),  # which table the name comes from
    Index("ix_source_outlet_names_domain", "domain"),
)


_ready: set[str] = set()


def get_engine(db_url: str | None = None):
    """The engine, creating tables on first use per database only (lookups run per article)."""
    url = normalise_url(db_url)
    if url in _ready:
        return _get_engine(url, create=False)
    engine = _get_engine(url)
    _ready.add(url)
    return engine


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def replace_list(meta: dict, rows: list[dict], db_url: str | None = None) -> int:
    """Store one list, replacing any earlier install of the same name (one transaction)."""
    engine = get_engine(db_url)
    meta = {**meta, "count": len(rows), "installed_at": now_iso()}
    if isinstance(meta.get("files"), (list, dict)):
        meta["files"] = json.dumps(meta["files"])
    with engine.begin() as conn:
        conn.execute(delete(ratings).where(ratings.c.list_name == meta["name"]))
        conn.execute(delete(rating_lists).where(rating_lists.c.name == meta["name"]))
        conn.execute(insert(rating_lists), [meta])
        batch = []
        for row in rows:
            batch.append({
                "list_name": meta["name"],
                "domain": row["domain"],
                "outlet": row.get("outlet"),
                "value": json.dumps(row["value"], ensure_ascii=False),
                "quality": row.get("quality"),
                "rater": row.get("rater"),
                "detail": json.dumps(row["detail"], ensure_ascii=False) if row.get("detail") else None,
            })
            if len(batch) >= 5000:
                conn.execute(insert(ratings), batch)
                batch = []
        if batch:
            conn.execute(insert(ratings), batch)
    return len(rows)


def replace_names(origin_prefix: str, names: list[dict], db_url: str | None = None) -> int:
    """Store outlet names, replacing earlier names whose origin starts with `origin_prefix`."""
    engine = get_engine(db_url)
    with engine.begin() as conn:
        conn.execute(delete(outlet_names).where(outlet_names.c.origin.startswith(origin_prefix)))
        if names:
            conn.execute(insert(outlet_names), [{"domain": n["domain"], "name": n["name"], "origin": n["origin"]}
                                                for n in names])
    return len(names)


def all_names(db_url: str | None = None) -> list[dict]:
    engine = get_engine(db_url)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(outlet_names.c.domain, outlet_names.c.name,
                                                     outlet_names.c.origin)).mappings()]


def names_for(keys: list[str], db_url: str | None = None) -> list[dict]:
    if not keys:
        return []
    engine = get_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(outlet_names.c.domain, outlet_names.c.name, outlet_names.c.origin)
                            .where(outlet_names.c.domain.in_(keys))).mappings().all()
    return [dict(r) for r in rows]


def delete_list(name: str, db_url: str | None = None) -> None:
    engine = get_engine(db_url)
    with engine.begin() as conn:
        conn.execute(delete(ratings).where(ratings.c.list_name == name))
        conn.execute(delete(rating_lists).where(rating_lists.c.name == name))


def list_rows(db_url: str | None = None) -> list[dict]:
    engine = get_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(rating_lists).order_by(rating_lists.c.kind, rating_lists.c.name)).mappings().all()
    out = []
    for row in rows:
        item = dict(row)
        item["files"] = json.loads(item["files"]) if item.get("files") else []
        out.append(item)
    return out


def ratings_for(keys: list[str], db_url: str | None = None) -> list[dict]:
    """Every rating stored under any of `keys`, with its list's provenance."""
    if not keys:
        return []
    engine = get_engine(db_url)
    query = (
        select(ratings, rating_lists.c.title, rating_lists.c.publisher, rating_lists.c.version,
               rating_lists.c.date, rating_lists.c.scale, rating_lists.c.quality_rule, rating_lists.c.licence, rating_lists.c.url,
               rating_lists.c.kind, rating_lists.c.installed_at)
        .join(rating_lists, rating_lists.c.name == ratings.c.list_name)
        .where(ratings.c.domain.in_(keys))
    )
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    out = []
    for row in rows:
        item = dict(row)
        item["value"] = json.loads(item["value"])
        item["detail"] = json.loads(item["detail"]) if item.get("detail") else {}
        out.append(item)
    return out


def all_ratings(db_url: str | None = None, columns=("list_name", "domain", "outlet", "quality", "rater")):
    engine = get_engine(db_url)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(*[ratings.c[c] for c in columns])).mappings()]
