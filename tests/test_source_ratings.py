"""Rating lists: install with checksums, provenance on every verdict, lookup, a user's own list."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest_sources import DATA, sources_db  # noqa: F401  (session fixture)

from newssift.errors import InputError, ResourceMissing
from newssift.source import lists as rating_lists
from newssift.source.ratings import add_user_list, lookup_source, quality_label

REPO = Path(__file__).resolve().parents[1]
PROVENANCE = ("list", "title", "publisher", "version", "date", "scale", "value", "quality", "quality_rule",
              "licence", "url", "matched")


def test_every_list_installs_with_its_counts(sources_db):
    results = sources_db["results"]
    for spec in rating_lists.BUILTIN_LISTS:
        assert results[spec.name]["status"] == "installed", spec.name
    # counts after normalising and removing duplicate hosts; the raw files hold a few more rows
    assert results["lin2023"]["count"] > 11_400
    assert results["mbfc"]["count"] > 4_400
    assert results["newsguard"]["count"] == 85
    assert results["wikipedia"]["count"] == 605
    assert results["baly2018"]["count"] == 1066
    assert results["baly2020"]["count"] == 859
    assert results["opensources"]["count"] > 800
    assert results["outlet-names"]["count"] > 100


@pytest.mark.parametrize("value", ["reuters.com", "www.reuters.com", "https://apnews.com/article/x"])
def test_wire_services_rate_high(sources_db, value):
    result = lookup_source(value, db_url=sources_db["db_url"])
    assert result["quality"] >= 0.9
    assert result["label"] == "high"
    assert result["quality_basis"].startswith("Lin et al. 2023")


def test_theduran_rates_low_and_names_the_lists(sources_db):
    result = lookup_source("https://www.theduran.com/some-story/", db_url=sources_db["db_url"])
    assert result["domain"] == "theduran.com"
    assert result["quality"] <= 0.35
    assert result["label"] == "low"
    names = {r["list"] for r in result["ratings"]}
    assert {"lin2023", "mbfc", "newsguard", "opensources", "baly2018"} <= names
    assert result["verdicts"]["low"] == len(result["ratings"])
    assert result["outlet"] == "The Duran"


def test_every_rating_carries_its_provenance(sources_db):
    result = lookup_source("theduran.com", db_url=sources_db["db_url"])
    for rating in result["ratings"]:
        for key in PROVENANCE:
            assert key in rating, (rating["list"], key)
        assert rating["scale"] and rating["publisher"] and rating["version"] and rating["licence"]
    by_list = {r["list"]: r for r in result["ratings"]}
    # raw values exactly as each list gives them, beside the derived quality
    assert by_list["newsguard"]["value"] == 17.5 and by_list["newsguard"]["quality"] == 0.175
    assert by_list["mbfc"]["value"] == "low" and by_list["mbfc"]["quality"] == 0.25
    assert by_list["opensources"]["value"] == ["unreliable"] and by_list["opensources"]["quality"] == 0.0
    assert by_list["lin2023"]["value"] == pytest.approx(0.1256, abs=1e-3)
    assert by_list["mbfc"]["detail"]["bias"] == "far right"


def test_status_records_checksums_and_sources(sources_db):
    from newssift.resources import status

    info = status(db_url=sources_db["db_url"])
    assert info["installed"] and info["missing"] == []
    lin = next(r for r in info["rating_lists"] if r["name"] == "lin2023")
    assert lin["files"][0]["sha256"] == rating_lists.BUILTIN_LISTS[0].files[0].sha256
    assert lin["files"][0]["url"].startswith("https://")
    assert lin["installed_from"] == str(DATA)
    assert lin["version"] and lin["date"] == "2023-09" and lin["licence"]


def test_unknown_domain_is_unrated(sources_db):
    result = lookup_source("no-such-outlet-xq7.example", db_url=sources_db["db_url"])
    assert result["quality"] is None and result["label"] == "unrated" and result["ratings"] == []
    assert result["status"] == "ok" and "installed lists rates no-such-outlet-xq7.example" in result["messages"][0]


def test_most_specific_key_wins(sources_db):
    result = lookup_source("uk.reuters.com", db_url=sources_db["db_url"])
    lin = next(r for r in result["ratings"] if r["list"] == "lin2023")
    assert lin["matched"] == "uk.reuters.com"
    # lists that rate only reuters.com still answer for the subdomain
    assert any(r["matched"] == "reuters.com" for r in result["ratings"])


def test_aggregate_without_lin_counts_each_rater_once(sources_db):
    result = lookup_source("gawker.com", db_url=sources_db["db_url"])
    assert not any(r["list"] == "lin2023" for r in result["ratings"])
    assert result["quality_basis"].startswith("mean of")
    aggregate = result["aggregate"]
    # MBFC's verdict reaches us through mbfc, baly2018 and baly2020: only one of them counts
    assert sum(1 for name in aggregate["lists"] if name in ("mbfc", "baly2018", "baly2020")) <= 1
    assert result["quality"] == aggregate["quality"]


def test_disagreement_is_reported(sources_db):
    result = lookup_source("alternet.org", db_url=sources_db["db_url"])
    assert result["disagreement"] is not None
    assert "wikipedia" in result["disagreement"]["low"]
    assert result["disagreement"]["high"]
    assert lookup_source("reuters.com", db_url=sources_db["db_url"])["disagreement"] is None


def test_quality_labels():
    assert [quality_label(q) for q in (None, 0.0, 0.39, 0.4, 0.69, 0.7, 1.0)] == [
        "unrated", "low", "low", "mixed", "mixed", "high", "high"]
    # every label scale keeps its own reading under these bounds
    assert quality_label(rating_lists.WIKIPEDIA_QUALITY["no consensus"]) == "mixed"
    assert quality_label(rating_lists.MBFC_FACT["mixed"]) == "mixed"
    assert quality_label(rating_lists.MBFC_FACT["low"]) == "low"


def test_reinstall_replaces(sources_db):
    from newssift.resources import install
    from newssift.source import store

    db_url = sources_db["db_url"]
    again = install(from_dir=DATA / "sources", db_url=db_url, factchecks=False)  # the sources folder works too
    assert again == sources_db["results"]
    builtin = {s.name for s in rating_lists.BUILTIN_LISTS}
    total = sum(r["count"] for name, r in again.items() if name in builtin)
    assert sum(1 for row in store.all_ratings(db_url) if row["list_name"] in builtin) == total


def test_checksum_mismatch_skips_that_list_only(tmp_path):
    from newssift.resources import install
    from newssift.source import store

    root = tmp_path / "data"
    shutil.copytree(DATA / "sources", root / "sources")
    tampered = root / "sources" / "idiap" / "newsguard.csv"
    tampered.write_text(tampered.read_text() + "fake.example,1.0,100.0\n")
    db_url = f"sqlite:///{tmp_path / 'n.db'}"
    with pytest.raises(ResourceMissing, match="newsguard"):
        install(from_dir=root, db_url=db_url, factchecks=False)
    installed = {row["name"] for row in store.list_rows(db_url)}
    assert "newsguard" not in installed and "lin2023" in installed


def test_offline_install_says_one_sentence_per_list(tmp_path, monkeypatch):
    """Without --from, each list is fetched; with nothing listening, each fails in one sentence."""
    from rich.console import Console

    from newssift import resources

    closed = [dataclasses.replace(spec, files=tuple(dataclasses.replace(f, url=f"http://127.0.0.1:9/{spec.name}")
                                                    for f in spec.files)) for spec in rating_lists.BUILTIN_LISTS]
    monkeypatch.setattr(rating_lists, "BUILTIN_LISTS", tuple(closed))
    monkeypatch.setattr(rating_lists, "NELA_NAMES", dataclasses.replace(rating_lists.NELA_NAMES,
                                                                        url="http://127.0.0.1:9/names"))
    console = Console(record=True, width=300)
    with pytest.raises(ResourceMissing, match="were not installed"):
        resources.install(db_url=f"sqlite:///{tmp_path / 'n.db'}", console=console)
    lines = [line for line in console.export_text().splitlines() if "could not download" in line]
    assert len(lines) == len(closed) + 1
    assert all("newssift resources install --from DIR" in line for line in lines)


def test_factcheck_collections_plug_in_by_one_call(tmp_path, monkeypatch):
    """install() hands the data folder to newssift.coverage.factchecks.install_collections when it exists."""
    import types

    from rich.console import Console

    from newssift.resources import install

    calls = []

    def install_collections(from_dir, db_url=None, progress=None):
        calls.append((from_dir, db_url))
        progress("CheckThat! 2022 Snopes: 3 added, 0 already present")
        return {"collections": {"CheckThat! 2022 Snopes": {"added": 3}}, "total": 3}

    module = types.ModuleType("newssift.coverage.factchecks")
    module.install_collections = install_collections
    monkeypatch.setitem(sys.modules, "newssift.coverage.factchecks", module)
    console = Console(record=True, width=200)
    db_url = f"sqlite:///{tmp_path / 'n.db'}"
    results = install(from_dir=DATA / "sources", db_url=db_url, console=console)
    assert calls == [(DATA, db_url)]
    assert results["factchecks"]["status"] == "installed" and results["factchecks"]["total"] == 3
    assert "fact-checks: CheckThat! 2022 Snopes: 3 added" in console.export_text()


# -- a user's own list --------------------------------------------------------------------------------------
def test_user_list_numeric_scale(sources_db, tmp_path):
    csv_file = tmp_path / "mine.csv"
    csv_file.write_text("Outlet name,Website,Trust score\nThe Duran,https://theduran.com/,10\n"
                        "Reuters,www.reuters.com,95\nSmall paper,smallpaper.example,60\n")
    result = add_user_list(csv_file, name="Newsroom list", scale="0-100", db_url=sources_db["db_url"])
    assert result["domain_column"] == "Website" and result["rating_column"] == "Trust score"
    assert result["count"] == 3
    small = lookup_source("smallpaper.example", db_url=sources_db["db_url"])
    assert small["quality"] == 0.6 and small["ratings"][0]["list"] == "Newsroom list"
    assert small["ratings"][0]["value"] == 60 and small["ratings"][0]["kind"] == "user"
    duran = lookup_source("theduran.com", db_url=sources_db["db_url"])
    assert any(r["list"] == "Newsroom list" and r["quality"] == 0.1 for r in duran["ratings"])


def test_user_list_labels_and_reversed_scale(tmp_path, sources_db):
    labels = tmp_path / "labels.csv"
    labels.write_text("domain;verdict\nexample-a.test;low\nexample-b.test;MIXED\nexample-c.test;high\n")
    add_user_list(labels, name="label list", scale="low,mixed,high", db_url=sources_db["db_url"])
    assert lookup_source("example-b.test", db_url=sources_db["db_url"])["quality"] == 0.5
    reverse = tmp_path / "rank.csv"
    reverse.write_text("site,rank\nexample-d.test,1\nexample-e.test,5\n")
    add_user_list(reverse, name="rank list", scale="5-1", db_url=sources_db["db_url"])
    assert lookup_source("example-d.test", db_url=sources_db["db_url"])["quality"] == 1.0
    assert lookup_source("example-e.test", db_url=sources_db["db_url"])["quality"] == 0.0


@pytest.mark.parametrize("content,scale,message", [
    ("domain,rating\nexample.test,7\n", "1-5", "outside the scale"),
    ("domain,rating\nexample.test,great\n", "low,mixed,high", "not one of the labels low, mixed, high"),
    ("domain,notes\nexample.test,great\n", "low,mixed,high", "No rating column"),
    ("name,rating\nfoo,3\n", "1-5", "No domain column"),
    ("domain,rating\n", "1-5", "no rows"),
    ("domain,rating\nexample.test,3\n", "one to five", "not understood"),
])
def test_user_list_errors_are_clear(tmp_path, content, scale, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        add_user_list(path, name="bad", scale=scale, db_url=f"sqlite:///{tmp_path / 'n.db'}")


def test_user_list_cannot_take_a_builtin_name(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("domain,rating\nexample.test,3\n")
    with pytest.raises(InputError, match="built-in"):
        add_user_list(path, name="mbfc", scale="1-5", db_url=f"sqlite:///{tmp_path / 'n.db'}")


# -- the command line ------------------------------------------------------------------------------------------
def _cli(args, home):
    """The real command in a subprocess: exit codes and stderr as a user sees them."""
    env = {**os.environ, "NEWSSIFT_HOME": str(home), "PYTHONPATH": str(REPO)}
    env.pop("NEWSSIFT_DB", None)
    return subprocess.run([sys.executable, "-m", "newssift.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def _main(args, home, monkeypatch, capsys) -> tuple[int, str, str]:
    """The same command in this process (faster): (exit code, stdout, stderr)."""
    from newssift.cli import main

    monkeypatch.setenv("NEWSSIFT_HOME", str(home))
    monkeypatch.delenv("NEWSSIFT_DB", raising=False)
    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_exit_codes_in_a_subprocess(sources_db, tmp_path):
    unknown = _cli(["source", "no-such-outlet-xq7.example", "--format", "json"], sources_db["home"])
    assert unknown.returncode == 0, unknown.stderr
    assert json.loads(unknown.stdout)["label"] == "unrated"
    missing = _cli(["source", "reuters.com"], tmp_path)
    assert missing.returncode == 2
    assert "newssift resources install --from DIR" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_cli_source(sources_db, monkeypatch, capsys):
    home = sources_db["home"]
    for value in ("reuters.com", "www.reuters.com", "https://apnews.com/article/x"):
        code, out, err = _main(["source", value, "--format", "json"], home, monkeypatch, capsys)
        assert code == 0, err
        assert json.loads(out)["quality"] >= 0.9
    code, out, _ = _main(["source", "no-such-outlet-xq7.example"], home, monkeypatch, capsys)
    assert code == 0 and "unrated" in out
    code, out, _ = _main(["source", "theduran.com"], home, monkeypatch, capsys)
    assert code == 0 and "lin2023" in out and "low" in out
    code, _, err = _main(["source", "http://"], home, monkeypatch, capsys)
    assert code == 2 and "not a domain name" in err


def test_cli_install_status_and_add_ratings(tmp_path, monkeypatch, capsys):
    only_lists = tmp_path / "data"  # the rating lists alone: no fact-check collections to import here
    only_lists.mkdir()
    (only_lists / "sources").symlink_to(DATA / "sources")
    code, _, err = _main(["resources", "install", "--from", str(only_lists)], tmp_path, monkeypatch, capsys)
    assert code == 0, err
    code, out, _ = _main(["resources", "status"], tmp_path, monkeypatch, capsys)
    assert code == 0 and json.loads(out)["installed"] is True
    csv_file = tmp_path / "l.csv"
    csv_file.write_text("domain,score\nexample-z.test,4\n")
    code, _, err = _main(["resources", "add-ratings", str(csv_file), "--name", "mine", "--scale", "1-5"],
                         tmp_path, monkeypatch, capsys)
    assert code == 0, err
    code, out, _ = _main(["source", "example-z.test", "--format", "json"], tmp_path, monkeypatch, capsys)
    assert json.loads(out)["quality"] == 0.75
    code, _, err = _main(["resources", "add-ratings", str(csv_file), "--name", "mine", "--scale", "huh"],
                         tmp_path, monkeypatch, capsys)
    assert code == 2 and "not understood" in err
