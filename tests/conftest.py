"""Fixtures shared by every test module: real data from ../shared, an isolated NEWSSIFT_HOME."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NEWSSIFT_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "data"
EXAMPLE = SHARED / "examples" / "theduran-2016-trump-putin.txt"
SAMPLE = ROOT / "newssift" / "examples" / "sample-article.txt"


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory):
    """No test touches the user's ~/.local/share/newssift; the encoder cache is shared across tests."""
    home = tmp_path_factory.mktemp("newssift-home")
    old = os.environ.get("NEWSSIFT_HOME")
    os.environ["NEWSSIFT_HOME"] = str(home)
    os.environ.pop("NEWSSIFT_DB", None)
    yield home
    if old is None:
        os.environ.pop("NEWSSIFT_HOME", None)
    else:
        os.environ["NEWSSIFT_HOME"] = old


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.fail(f"the public data sets are expected at {DATA}")
    return DATA


@pytest.fixture(scope="session")
def example_path() -> Path:
    return EXAMPLE


@pytest.fixture(scope="session")
def example_text() -> str:
    return EXAMPLE.read_text("utf-8")


def run_cli(*args: str, stdin: bytes | None = None, timeout: float = 120, env: dict | None = None):
    """Run `newssift ARGS` in a fresh process, as a user would."""
    import subprocess

    return subprocess.run([sys.executable, "-m", "newssift.cli", *args], input=stdin, capture_output=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, cwd=ROOT)
