"""A bounded load test of `newssift serve` on loopback: no 5xx, concurrent SQLite writers included.

The full figure (2,000 requests at concurrency 16) is `python benchmarks/load_test.py`; CI runs
a smaller mix of the same requests.
"""

import asyncio
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT

spec = importlib.util.spec_from_file_location("load_test", ROOT / "benchmarks" / "load_test.py")
load_test = importlib.util.module_from_spec(spec)
spec.loader.exec_module(load_test)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("load-home")
    db_url = f"sqlite:///{home / 'load.db'}"
    env = {**os.environ, "NEWSSIFT_HOME": str(home)}
    for args in (["resources", "install", "--from", str(DATA), "--ratings-only", "--db", db_url],
                 ["factchecks", "import", str(ROOT / "tests" / "data" / "claimreview" / "feed.json"), "--db", db_url]):
        done = subprocess.run([sys.executable, "-m", "newssift.cli", *args], env=env, capture_output=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    process, base = load_test.start_server(db_url, str(home))
    yield base
    process.terminate()
    process.wait(10)


def test_no_server_errors_under_concurrent_load(server):
    result = asyncio.run(load_test.run_load(server, requests=400, concurrency=16, analyze_share=0.02))
    assert result["transport_errors"] == 0, result
    assert result["errors_5xx"] == 0, result
    assert sum(v for k, v in result["statuses"].items() if k.startswith("2")) >= 0.95 * 400, result
