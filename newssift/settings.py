"""Settings in one place: where newssift keeps its database, caches and installed resources.

Every path can be moved with an environment variable, so tests and CI never touch a user's files.
"""

from __future__ import annotations

import os
from pathlib import Path

# Limits on input, each with a clear error when exceeded.
MAX_INPUT_BYTES = 10 * 1024 * 1024  # a page or a text file, after decompression
MAX_DECOMPRESSED_BYTES = MAX_INPUT_BYTES
MAX_TEXT_CHARS = 300_000  # the clean body (a long feature is ~60,000); longer is refused, never cut silently
MAX_SECONDS_PER_ARTICLE = 300  # `newssift analyze` gives up with a clear error past this
MAX_HTML_DEPTH = 2_000  # nesting depth of an HTML document
FETCH_TIMEOUT_S = 15.0
FETCH_MAX_REDIRECTS = 5


def home() -> Path:
    """Where newssift keeps its data: $NEWSSIFT_HOME, else ~/.local/share/newssift."""
    env = os.environ.get("NEWSSIFT_HOME")
    path = Path(env) if env else Path.home() / ".local" / "share" / "newssift"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    path = home() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """$NEWSSIFT_DB (an SQLAlchemy URL, e.g. postgresql+psycopg://…), else SQLite in `home()`."""
    return os.environ.get("NEWSSIFT_DB") or f"sqlite:///{home() / 'newssift.db'}"


def shared_data_dir() -> Path | None:
    """A folder laid out like the public data sets (``../shared/data``), if one is near."""
    env = os.environ.get("NEWSSIFT_DATA")
    if env:
        return Path(env)
    for candidate in (Path.cwd().parent / "shared" / "data", Path(__file__).resolve().parents[2] / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return None


def share_cores(workers: int) -> None:
    """In a worker process: give its encoder an equal share of the cores (unless NEWSSIFT_THREADS
    says otherwise), so that N workers do not start N x cores busy threads."""
    if workers > 1 and not os.environ.get("NEWSSIFT_THREADS"):
        os.environ["NEWSSIFT_THREADS"] = str(max(1, (os.cpu_count() or 1) // workers))
