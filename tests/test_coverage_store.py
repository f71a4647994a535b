"""The fact-check store and its importers, on real collection files and ClaimReview samples."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from newssift.coverage import store
from newssift.coverage.factchecks import detect, import_path, install_collections, parse_date
from newssift.coverage.verdicts import normalise
from newssift.errors import InputError

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA.is_dir():
    DATA = Path("/work/shared/data")
SAMPLES = Path(__file__).parent / "data" / "claimreview"
needs_data = pytest.mark.skipif(not (DATA / "claimmatch-clef2022-2a").is_dir(), reason="public data not present")


@pytest.fixture()
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSSIFT_HOME", str(tmp_path / "home"))
    return f"sqlite:///{tmp_path / 'facts.db'}"


@pytest.mark.parametrize("raw, label, truth", [
    ("pants-fire", "false", 0.0), ("false", "false", 0.0), ("barely-true", "mostly-false", 0.25),
    ("half-true", "mixed", 0.5), ("mostly-true", "mostly-true", 0.75), ("true", "true", 1.0),
    ("Mostly False", "mostly-false", 0.25), ("Not true", "false", 0.0), ("Mixture", "mixed", 0.5),
    ("full-flop", "other", None), ("Satire", "other", None), (None, "other", None),
])
def test_verdicts_on_one_scale(raw, label, truth):
    assert normalise(raw) == (label, truth)


def test_numeric_rating_is_placed_on_the_scale():
    assert normalise(None, 1, 5, 1) == ("false", 0.0)
    assert normalise(None, 5, 5, 1) == ("true", 1.0)
    assert normalise(None, 3, 5, 1) == ("mixed", 0.5)


def test_dates():
    assert parse_date("stated on October 22, 2019 in a campaign mailer.:") == "2019-10-22"
    assert parse_date("26 May 2015") == "2015-05-26"
    assert parse_date("2024-06-11T09:30:00Z") == "2024-06-11"
    assert parse_date(None) is None


def test_claimreview_feed_and_pages_import_once(db):
    first = import_path(SAMPLES, db_url=db)
    assert first["added"] == 3  # two in the DataFeed, one in a page; the other page has none
    again = import_path(SAMPLES, db_url=db)
    assert again["added"] == 0 and again["already_present"] == 3
    recs = {r["url"]: r for r in store.fetch([1, 2, 3], db).values()}
    wage = recs["https://factcheck.example.org/2024/07/minimum-wage-jobs"]
    assert wage["verdict"] == "Mostly False" and wage["verdict_normalised"] == "mostly-false"
    assert wage["speaker"] == "A. Senator" and wage["publisher"] == "Example Fact Check"
    whales = recs["https://factcheck.example.org/2024/06/wind-turbines-whales"]
    assert whales["date"] == "2024-06-11" and whales["verdict_normalised"] == "mostly-false"


def test_claimreview_json_list_and_single_object(db, tmp_path):
    obj = {"@type": "ClaimReview", "claimReviewed": "Drinking bleach cures COVID-19.", "url": "https://x.example/1",
           "author": {"name": "X Check"}, "reviewRating": {"alternateName": "Pants on Fire"}}
    (tmp_path / "one.json").write_text(json.dumps(obj))
    (tmp_path / "list.json").write_text(json.dumps([obj, {**obj, "url": "https://x.example/2"}]))
    assert import_path(tmp_path / "one.json", db_url=db)["added"] == 1
    assert import_path(tmp_path / "list.json", db_url=db)["added"] == 1  # the first is already there
    assert store.counts_by_collection(db) == {"claimreview": 2}


def test_not_a_factcheck_file_is_a_clear_error(db, tmp_path):
    (tmp_path / "notes.json").write_text(json.dumps({"hello": "world"}))
    with pytest.raises(InputError, match="no fact-checks"):
        import_path(tmp_path / "notes.json", db_url=db)
    with pytest.raises(InputError, match="does not exist"):
        import_path(tmp_path / "missing.json", db_url=db)


@needs_data
def test_snopes_collection_imports_idempotently(db):
    path = DATA / "claimmatch-clef2022-2a" / "vclaims.jsonl"
    assert detect(path) == "checkthat"
    assert import_path(path, db_url=db)["added"] == 14231
    assert import_path(path, db_url=db)["added"] == 0
    assert store.count(db) == 14231
    rec = store.fetch([2], db)[2]
    assert rec["publisher"] == "Snopes" and rec["collection"] == "checkthat-snopes"
    assert rec["claim"].startswith("A viral video shows a 10-meter-long anaconda")
    assert rec["date"] == "2021-03-06"


@needs_data
def test_liar_and_politifact_records(db, tmp_path):
    liar = DATA / "claims-liar" / "valid.tsv"
    assert detect(liar) == "liar"
    assert import_path(liar, db_url=db)["added"] == 1284
    # a slice of the PolitiFact collection, as a .jsonl.gz like the original
    sliced = tmp_path / "pf.jsonl.gz"
    with gzip.open(DATA / "claimmatch-clef2021-2b" / "politifact-vclaims.jsonl.gz", "rt") as src, \
            gzip.open(sliced, "wt") as dst:
        for _, line in zip(range(50), src):
            dst.write(line)
    assert import_path(sliced, db_url=db)["added"] == 50
    by_collection = store.counts_by_collection(db)
    assert by_collection == {"liar": 1284, "checkthat-politifact": 50}
    first = next(r for r in store.fetch(list(range(1, 1400)), db).values() if r["collection"] == "checkthat-politifact")
    assert first["url"].startswith("https://www.politifact.com/factchecks/2019/oct/30/")
    assert first["verdict"] == "false" and first["truth"] == 0.0 and first["date"] == "2019-10-22"
    assert first["speaker"] == "GayDonna Vandergriff"


def test_install_collections_reads_a_data_folder(db, tmp_path):
    root = tmp_path / "data" / "claims-liar"
    root.mkdir(parents=True)
    (root / "valid.tsv").write_text(
        "1.json\tfalse\tThe moon is made of cheese.\tscience\tjohn-doe\t\t\t\t0\t1\t0\t0\t0\ta speech\n"
        "2.json\ttrue\tWater boils at 100 degrees at sea level.\tscience\tjane-roe\t\t\t\t0\t0\t0\t0\t0\tan interview\n")
    messages = []
    out = install_collections(tmp_path / "data", db_url=db, progress=messages.append)
    assert out["total"] == 2 and out["collections"]["LIAR valid"]["added"] == 2
    assert any("not in" in m for m in messages)  # the collections that are not there are named
    with pytest.raises(InputError):
        install_collections(tmp_path / "empty", db_url=db)


from tests.test_store_postgres import pg_url  # noqa: E402,F401 - a throwaway PostgreSQL server (skips without one)


def test_the_same_store_on_postgres(pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSSIFT_HOME", str(tmp_path / "home"))
    first = import_path(SAMPLES, db_url=pg_url)
    again = import_path(SAMPLES, db_url=pg_url)
    assert again["added"] == 0 and again["already_present"] == first["added"] + first["already_present"]
    n, top = store.state(pg_url)
    assert n >= 3 and top >= n
    claims = {r["claim"] for r in store.fetch(list(range(1, top + 1)), pg_url).values()}
    assert "Raising the minimum wage to $15 would destroy 10 million jobs." in claims
