"""One database layer for every store (ratings, fact-checks, reports): SQLite by default,
PostgreSQL by URL (``postgresql+psycopg://user@host/db``), one code path through SQLAlchemy Core.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine

from newssift import settings

metadata = MetaData()  # every table of every store is declared on this one MetaData
_create_lock = threading.Lock()


def normalise_url(url: str | None) -> str:
    url = url or settings.database_url()
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            # WAL lets readers run beside one writer; busy_timeout makes writers wait, not fail
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def get_engine(url: str | None = None, create: bool = True) -> Engine:
    """The engine for `url` (default: settings.database_url()), with every table created."""
    engine = _engine(normalise_url(url))
    if create:
        with _create_lock:
            _import_table_modules()
            metadata.create_all(engine)
    return engine


def _import_table_modules() -> None:
    """Modules that declare tables on `metadata`; importing them registers the tables."""
    import importlib

    for name in ("newssift.source.store", "newssift.coverage.store", "newssift.store"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a missing module inside a store is a real error
                raise
