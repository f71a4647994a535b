"""Stored reports: every analysis kept in the one database (SQLite by default, PostgreSQL by URL).

A report is written in one transaction (the report row and its technique counts together), so
a reader never sees half of one. Storing the same article again replaces its report: the id is
the article's id (a hash of title, text and URL), so storing is idempotent.

The per-outlet aggregates behind the dashboard are computed from `report_techniques`, one row
per (report, technique) with the number of spans, beside the report's domain and month.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from datetime import datetime, timezone
from typing import Any, Iterable

from sqlalchemy import (Column, DateTime, Float, ForeignKey, Index, Integer, String, Table, Text, delete,
                        func, insert, select)
from sqlalchemy.exc import IntegrityError, OperationalError

from newssift.db import get_engine, metadata

log = logging.getLogger(__name__)

reports = Table(
    "reports", metadata,
    Column("id", String(64), primary_key=True),  # the article id
    Column("external_id", String(512), nullable=True, index=True),  # a corpus item id (batch runs)
    Column("url", Text, nullable=True),
    Column("domain", String(255), nullable=True, index=True),
    Column("title", Text, nullable=True),
    Column("published", String(64), nullable=True),
    Column("month", String(7), nullable=False, index=True),  # YYYY-MM: published, else analysed
    Column("created", String(40), nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False),
    Column("n_chars", Integer, nullable=False),
    Column("low_credibility", Float, nullable=True),
    Column("report_json", Text, nullable=False),
)

report_techniques = Table(
    "report_techniques", metadata,
    Column("report_id", String(64), ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("technique", String(80), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("domain", String(255), nullable=True),
    Column("month", String(7), nullable=False),
    Index("ix_report_techniques_domain_month", "domain", "month"),
)

# Failed batch items written to a database: a rerun skips them as done, like the JSONL output.
batch_errors = Table(
    "batch_errors", metadata,
    Column("item_id", String(512), primary_key=True),
    Column("error", Text, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False),
)

_MONTH = re.compile(r"^(\d{4})-(\d{2})")
_RETRIES = 8


def report_month(report: dict) -> str:
    """YYYY-MM of the article's publication date, else of the analysis."""
    for value in (report.get("article", {}).get("published"), report.get("created")):
        match = _MONTH.match(value or "")
        if match and 1 <= int(match.group(2)) <= 12:
            return f"{match.group(1)}-{match.group(2)}"
    return datetime.now(timezone.utc).strftime("%Y-%m")


def _as_dict(report: Any) -> dict:
    return report if isinstance(report, dict) else report.to_dict()


def technique_counts(report: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for span in report.get("stop", {}).get("techniques") or []:
        name = span.get("technique")
        if name:
            counts[name] = counts.get(name, 0) + 1
    return counts


def _with_retries(work, what: str):
    """Run `work()` again when SQLite is busy or two writers of one id race (PostgreSQL)."""
    for attempt in range(_RETRIES):
        try:
            return work()
        except (OperationalError, IntegrityError) as exc:
            retryable = isinstance(exc, IntegrityError) or "locked" in str(exc) or "busy" in str(exc)
            if not retryable or attempt == _RETRIES - 1:
                raise
            log.debug("%s: retrying after %s", what, exc)
            time.sleep(min(2.0, 0.05 * 2 ** attempt) * (0.5 + random.random()))


def store_report(report: Any, db_url: str | None = None, item_id: str | None = None) -> str:
    """Store a report (a `Report` or its dict) and return its id; storing it again replaces it."""
    data = _as_dict(report)
    article = data["article"]
    report_id = article["id"]
    month = report_month(data)
    domain = article.get("domain")
    row = {
        "id": report_id,
        "external_id": item_id or article.get("external_id"),
        "url": article.get("url"),
        "domain": domain,
        "title": article.get("title"),
        "published": article.get("published"),
        "month": month,
        "created": data.get("created") or "",
        "stored_at": datetime.now(timezone.utc),
        "n_chars": len(article.get("text") or ""),
        "low_credibility": (data.get("summary") or {}).get("low_credibility"),
        "report_json": json.dumps(data, ensure_ascii=False),
    }
    technique_rows = [{"report_id": report_id, "technique": name, "count": count, "domain": domain, "month": month}
                      for name, count in sorted(technique_counts(data).items())]
    engine = get_engine(db_url)

    def write():
        # writes only, no read first: an SQLite writer then waits on the busy timeout instead of
        # failing on a stale read snapshot
        with engine.begin() as conn:
            conn.execute(delete(report_techniques).where(report_techniques.c.report_id == report_id))
            conn.execute(delete(reports).where(reports.c.id == report_id))
            conn.execute(insert(reports), [row])
            if technique_rows:
                conn.execute(insert(report_techniques), technique_rows)

    _with_retries(write, f"store report {report_id}")
    return report_id


def get_report(report_id: str, db_url: str | None = None) -> dict | None:
    """The stored report's dict, or None."""
    with get_engine(db_url).connect() as conn:
        value = conn.execute(select(reports.c.report_json).where(reports.c.id == report_id)).scalar()
    return json.loads(value) if value is not None else None


def list_reports(limit: int = 20, domain: str | None = None, db_url: str | None = None) -> list[dict]:
    """The most recently stored reports, newest first: id, title, url, domain, month."""
    query = select(reports.c.id, reports.c.title, reports.c.url, reports.c.domain, reports.c.month,
                   reports.c.created).order_by(reports.c.stored_at.desc()).limit(limit)
    if domain:
        query = query.where(reports.c.domain == domain)
    with get_engine(db_url).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def stored_item_ids(db_url: str | None = None) -> set[str]:
    """Batch item ids already done in this database (stored or recorded as failed)."""
    with get_engine(db_url).connect() as conn:
        done = {r[0] for r in conn.execute(select(reports.c.external_id).where(reports.c.external_id.is_not(None)))}
        done.update(r[0] for r in conn.execute(select(batch_errors.c.item_id)))
    return done


def store_batch_error(item_id: str, error: str, db_url: str | None = None) -> None:
    engine = get_engine(db_url)

    def write():
        with engine.begin() as conn:
            conn.execute(delete(batch_errors).where(batch_errors.c.item_id == item_id))
            conn.execute(insert(batch_errors), [{"item_id": item_id, "error": error,
                                                 "stored_at": datetime.now(timezone.utc)}])

    _with_retries(write, f"store error of {item_id}")


# -- aggregates for the outlet dashboard ------------------------------------------------------------
def outlet_summary(db_url: str | None = None, limit: int = 50) -> list[dict]:
    """Outlets with stored reports: domain, articles, technique spans, spans per article (most articles first)."""
    engine = get_engine(db_url)
    with engine.connect() as conn:
        articles = conn.execute(
            select(reports.c.domain, func.count().label("articles"))
            .where(reports.c.domain.is_not(None)).group_by(reports.c.domain)
            .order_by(func.count().desc(), reports.c.domain).limit(limit)).all()
        spans = dict(conn.execute(
            select(report_techniques.c.domain, func.sum(report_techniques.c.count))
            .where(report_techniques.c.domain.is_not(None)).group_by(report_techniques.c.domain)).all())
    return [{"domain": d, "articles": n, "techniques": int(spans.get(d) or 0),
             "techniques_per_article": round(int(spans.get(d) or 0) / n, 3) if n else 0.0}
            for d, n in articles]


def outlet_stats(domains: Iterable[str] | None = None, db_url: str | None = None) -> dict:
    """Technique counts by outlet and month, with the number of articles behind each.

    Returns ``{"outlets": {domain: {"articles": n, "months": {month: articles},
    "techniques": {technique: count}, "by_month": {month: {technique: count}}}}}``;
    divide by articles for frequencies (spans per article).
    """
    domains = list(domains) if domains is not None else None
    article_query = select(reports.c.domain, reports.c.month, func.count()).where(reports.c.domain.is_not(None)) \
        .group_by(reports.c.domain, reports.c.month)
    technique_query = select(report_techniques.c.domain, report_techniques.c.month, report_techniques.c.technique,
                             func.sum(report_techniques.c.count)).where(report_techniques.c.domain.is_not(None)) \
        .group_by(report_techniques.c.domain, report_techniques.c.month, report_techniques.c.technique)
    if domains is not None:
        article_query = article_query.where(reports.c.domain.in_(domains))
        technique_query = technique_query.where(report_techniques.c.domain.in_(domains))
    outlets: dict[str, dict] = {}
    with get_engine(db_url).connect() as conn:
        for domain, month, n in conn.execute(article_query):
            outlet = outlets.setdefault(domain, {"articles": 0, "months": {}, "techniques": {}, "by_month": {}})
            outlet["articles"] += n
            outlet["months"][month] = n
        for domain, month, technique, count in conn.execute(technique_query):
            outlet = outlets.get(domain)
            if outlet is None:
                continue
            outlet["techniques"][technique] = outlet["techniques"].get(technique, 0) + int(count)
            outlet["by_month"].setdefault(month, {})[technique] = int(count)
    return {"outlets": outlets}
