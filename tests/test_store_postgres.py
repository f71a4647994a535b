"""Stored reports against a real PostgreSQL server (started here) and SQLite under concurrent writers."""

from __future__ import annotations

import glob
import multiprocessing
import os
import shutil
import subprocess
import tempfile
import threading

import pytest

from tests.servekit import LiveServer, example_report, free_port, shared_analyzer


def _pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _as_postgres(args: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: tests running as root start it as the postgres user
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="module")
def pg_url():
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries are not installed (apt-get install postgresql)")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root without runuser: cannot start PostgreSQL as the postgres user")
    data = tempfile.mkdtemp(prefix="newssift-pg-")
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    os.chmod(data, 0o700)
    port = free_port()
    subprocess.run(_as_postgres([f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8"]),
                   check=True, capture_output=True)
    subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", data, "-w", "-l", f"{data}/log", "-o",
                                 f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]),
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-t", "20", "stop"]), capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def _variants(n: int, prefix: str = ""):
    """`n` distinct reports over the example article (different months and outlets)."""
    reports = []
    for i in range(n):
        report = example_report(published=f"2016-{(i % 12) + 1:02d}-01", extra_text=f"\n\n{prefix}Edition {i}.",
                                validate=i == 0)
        if i % 3 == 0:
            report.article.domain = "other.example.net"
            report.stop["techniques"] = report.stop["techniques"][:2]
        reports.append(report)
    return reports


def _check_store(db_url: str) -> None:
    from newssift.store import get_report, list_reports, outlet_stats, outlet_summary, store_report

    reports = _variants(6, prefix=db_url[:5])
    ids = [store_report(r, db_url=db_url) for r in reports]
    assert store_report(reports[0], db_url=db_url) == ids[0]  # idempotent: stored again, still one
    first = get_report(ids[0], db_url=db_url)
    assert first == reports[0].to_dict()
    assert get_report("missing", db_url=db_url) is None
    assert len({r["id"] for r in list_reports(limit=100, db_url=db_url)} & set(ids)) == 6
    stats = outlet_stats(["theduran.com", "other.example.net"], db_url=db_url)["outlets"]
    duran, other = stats["theduran.com"], stats["other.example.net"]
    assert duran["articles"] >= 4 and other["articles"] >= 2
    assert duran["techniques"]["Name_Calling,Labeling"] == 2 * duran["articles"]
    assert other["techniques"].get("Doubt", 0) == 0 and other["techniques"]["Loaded_Language"] == other["articles"]
    assert sum(duran["months"].values()) == duran["articles"]
    summary = {row["domain"]: row for row in outlet_summary(db_url=db_url)}
    assert summary["theduran.com"]["techniques_per_article"] == 6.0


def test_store_on_postgres(pg_url):
    _check_store(pg_url)


def test_store_on_sqlite(tmp_path):
    _check_store(f"sqlite:///{tmp_path / 'r.db'}")


def test_concurrent_writers_on_postgres(pg_url):
    from newssift.store import get_report, store_report

    reports = _variants(24, prefix="threads ")
    errors = []

    def write(chunk):
        try:
            for r in chunk:
                store_report(r, db_url=pg_url)
                store_report(reports[0], db_url=pg_url)  # every thread also rewrites one shared report
        except Exception as exc:  # collected: a failure in a thread must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(reports[i::6],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(get_report(r.article.id, db_url=pg_url) is not None for r in reports)


def _write_many(db_url: str, worker: int, n: int) -> int:
    from newssift.store import store_report

    for report in _variants(n, prefix=f"process {worker} "):
        store_report(report, db_url=db_url)
    return n


def test_concurrent_writer_processes_on_sqlite(tmp_path):
    """Several processes writing one SQLite file: no "database is locked" failure, nothing lost."""
    from sqlalchemy import func, select

    from newssift.db import get_engine
    from newssift.store import report_techniques, reports

    db_url = f"sqlite:///{tmp_path / 'shared.db'}"
    get_engine(db_url)
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        written = pool.starmap(_write_many, [(db_url, w, 20) for w in range(3)])
    with get_engine(db_url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(reports)).scalar() == sum(written) == 60
        # atomic: every report has its technique rows
        assert conn.execute(select(func.count(func.distinct(report_techniques.c.report_id)))).scalar() == 60


def test_api_on_postgres(pg_url):
    import httpx

    from newssift.api import create_app

    app = create_app(db_url=pg_url, analyzer=shared_analyzer("summary", db_url=pg_url))
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=120) as client:
        body = {"text": "The council said on Tuesday that the bridge will reopen in May after repairs costing "
                        "four million euros.", "url": "https://news.example.org/bridge"}
        posted = client.post("/api/analyze", json=body)
        assert posted.status_code == 200, posted.text
        fetched = client.get(f"/api/reports/{posted.json()['id']}")
        assert fetched.status_code == 200 and fetched.json()["article"]["text"].startswith("The council said")
        assert posted.json()["article"]["domain"] in client.get("/outlets").text


def test_batch_into_postgres_resumes(pg_url, tmp_path):
    import json as json_module

    from newssift.batch import run
    from tests.test_batch import FAST_HEADS, ptc_records, write_jsonl

    records = ptc_records(8)
    corpus = write_jsonl(tmp_path / "c.jsonl", records)
    with open(corpus, "a", encoding="utf-8") as handle:
        handle.write(json_module.dumps({"id": "no-text", "text": ""}) + "\n")
    assert run([corpus], db_url=pg_url, heads=FAST_HEADS, progress=False) == {"analysed": 8, "errors": 1, "skipped": 0}
    assert run([corpus], db_url=pg_url, heads=FAST_HEADS, progress=False) == {"analysed": 0, "errors": 0, "skipped": 9}


_WRITER = """
import sys
from tests.servekit import example_report
from newssift.store import store_report
reports = [example_report(extra_text=f"\\n\\nKill test {i}.", validate=False) for i in range(400)]
print("ready", flush=True)
for report in reports:
    store_report(report, db_url=sys.argv[1])
"""


def test_a_writer_killed_mid_run_leaves_no_half_written_report(tmp_path):
    import json as json_module
    import signal
    import sys
    import time
    from pathlib import Path

    from sqlalchemy import select

    from newssift.db import get_engine
    from newssift.store import report_techniques, reports, technique_counts

    db_url = f"sqlite:///{tmp_path / 'killed.db'}"
    get_engine(db_url)
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, db_url], cwd=root, stdout=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])})
    assert proc.stdout.readline().strip() == b"ready"
    from sqlalchemy import func

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill it once some reports are in, while it is still writing
        with get_engine(db_url).connect() as conn:
            if conn.execute(select(func.count()).select_from(reports)).scalar() >= 20:
                break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with get_engine(db_url).connect() as conn:
        stored = conn.execute(select(reports.c.id, reports.c.report_json)).all()
        rows = conn.execute(select(report_techniques.c.report_id, report_techniques.c.technique,
                                   report_techniques.c.count)).all()
    assert 0 < len(stored) < 400, "the writer was not killed partway"
    by_report: dict[str, dict[str, int]] = {}
    for report_id, technique, count in rows:
        by_report.setdefault(report_id, {})[technique] = count
    for report_id, report_json in stored:  # every stored report is whole, with all its technique rows
        assert by_report.pop(report_id) == technique_counts(json_module.loads(report_json))
    assert by_report == {}  # and no technique rows without their report


def test_rating_lists_install_and_lookup_on_postgres(pg_url):
    """The rating lists install into PostgreSQL through the same code path as SQLite."""
    from rich.console import Console

    from newssift.resources import install
    from newssift.source.ratings import lookup_source

    from tests.conftest_sources import DATA

    if not (DATA / "sources").is_dir():
        pytest.skip("the public data sets are not here")
    install(from_dir=DATA, db_url=pg_url, console=Console(stderr=True, quiet=True), factchecks=False)
    assert lookup_source("www.reuters.com", db_url=pg_url)["quality"] >= 0.9
    assert lookup_source("theduran.com", db_url=pg_url)["quality"] <= 0.35
