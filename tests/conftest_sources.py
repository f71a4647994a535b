"""Rating lists installed once per test session from ../shared/data into a temporary home.

Imported by the source test modules (`from tests.conftest_sources import sources_db`); the install is
cached here so that several modules importing the fixture share one database.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA = Path(os.environ.get("NEWSSIFT_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
if not (DATA / "sources").is_dir():
    DATA = Path("/work/shared/data")
EXAMPLE = DATA.parent / "examples" / "theduran-2016-trump-putin.txt"

_installed: dict[str, object] = {}


@pytest.fixture(scope="session")
def sources_db(tmp_path_factory) -> dict:
    """{"home": Path, "db_url": str, "results": install() output} with every rating list installed."""
    if "db" not in _installed:
        if not (DATA / "sources").is_dir():
            pytest.skip(f"public data not found at {DATA}")
        from newssift.resources import install

        home = tmp_path_factory.mktemp("sources-home")
        db_url = f"sqlite:///{home / 'newssift.db'}"
        results = install(from_dir=DATA, db_url=db_url)
        _installed["db"] = {"home": home, "db_url": db_url, "results": results}
    return _installed["db"]
