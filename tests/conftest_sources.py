"""Rating lists installed once per test session from ../shared/data into a temporary database.

Imported by the source test modules (`from tests.conftest_sources import sources_db`); the install is
cached here so that several modules importing the fixture share one database.
"""

from __future__ import annotations

import pytest

from tests.conftest import DATA, EXAMPLE  # noqa: F401  (re-exported for the source tests)

_installed: dict[str, dict] = {}


@pytest.fixture(scope="session")
def sources_db(tmp_path_factory) -> dict:
    """{"home": Path, "db_url": str, "results": install() output} with every rating list installed."""
    if "db" not in _installed:
        if not (DATA / "sources").is_dir():
            pytest.fail(f"the public data sets are expected at {DATA}")
        from rich.console import Console

        from newssift.resources import install

        home = tmp_path_factory.mktemp("sources-home")
        db_url = f"sqlite:///{home / 'newssift.db'}"
        results = install(from_dir=DATA, db_url=db_url, console=Console(stderr=True, quiet=True), factchecks=False)
        _installed["db"] = {"home": home, "db_url": db_url, "results": results}
    return _installed["db"]
