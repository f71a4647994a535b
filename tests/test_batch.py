"""Batch runs over real articles: corpus readers, streaming output, kill -9 and resume, workers, Dask."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.servekit import EXAMPLE

PTC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "propaganda-ptc" / "train" / "articles"
if not PTC.exists():
    PTC = Path("/work/shared/data/propaganda-ptc/train/articles")

# Only the cheapest heads: these tests are about the runner, not the analysis.
FAST_HEADS = "summary"
VOLATILE = ("created", "timings")  # differ between two runs of the same analysis


def ptc_records(n: int) -> list[dict]:
    files = sorted(PTC.glob("article*.txt"))
    if len(files) < n:
        pytest.skip(f"needs {n} PTC articles in {PTC}")
    records = []
    for i in range(n):
        # the 371 PTC articles, reused with a suffix when more items are wanted
        path = files[i % len(files)]
        title, _, body = path.read_text("utf-8").partition("\n")
        suffix = "" if i < len(files) else f"\n\n(copy {i // len(files)})"
        records.append({"id": f"{path.stem}-{i}", "title": title.strip(), "text": (body.strip() or title) + suffix,
                        "url": f"https://outlet{i % 7}.example.org/{path.stem}"})
    return records


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def read_results(path: Path) -> dict[str, dict]:
    lines = path.read_text("utf-8").splitlines()
    results = [json.loads(line) for line in lines]
    ids = [r["id"] for r in results]
    assert len(ids) == len(set(ids)), "an item was written twice"
    return {r["id"]: r for r in results}


def stable(result: dict) -> dict:
    if "report" not in result:
        return result
    return {**result, "report": {k: v for k, v in result["report"].items() if k not in VOLATILE}}


def batch_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "newssift.cli", "batch", *args, "--heads", FAST_HEADS]


# -- corpus readers ----------------------------------------------------------------------------------
def test_jsonl_reader_turns_bad_lines_into_errors(tmp_path):
    from newssift.ingest.corpus import read_corpus

    path = tmp_path / "c.jsonl"
    good = ptc_records(2)
    path.write_text(json.dumps(good[0]) + "\n\n" + "[1, 2]\n" + '{"id": "empty", "text": ""}\n'
                    + json.dumps(good[1]) + "\n" + '{"id": "torn", "text": "half a li', encoding="utf-8")
    items = list(read_corpus(path))
    assert [i for i, _ in items] == [good[0]["id"], "c.jsonl:3", "empty", good[1]["id"], "c.jsonl:6"]
    article = items[0][1]
    assert article.text.startswith(good[0]["text"][:40]) and article.title == good[0]["title"]
    assert article.url == good[0]["url"] and article.external_id == good[0]["id"]
    assert all(isinstance(v, str) for _, v in items[1:3]) and isinstance(items[4][1], str)
    assert "not valid JSON" in items[4][1]


def test_csv_folder_and_warc_readers(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from newssift.ingest.corpus import count_items, read_corpus

    records = ptc_records(3)
    with open(tmp_path / "c.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "title", "text", "url"])
        writer.writeheader()
        writer.writerows(records)
        writer.writerow({"id": "blank", "title": "t", "text": "", "url": ""})
    items = list(read_corpus(tmp_path / "c.csv"))
    assert [i for i, _ in items] == [r["id"] for r in records] + ["blank"]
    assert items[1][1].text.startswith(records[1]["text"][:40]) and isinstance(items[3][1], str)

    folder = tmp_path / "pages"
    (folder / "sub").mkdir(parents=True)
    paragraphs = "".join(f"<p>{line}</p>" for line in records[0]["text"].split("\n") if line.strip())
    html = f"<html><head><title>{records[0]['title']}</title></head><body><article>{paragraphs}</article></body></html>"
    (folder / "a.html").write_text(html, encoding="utf-8")
    with gzip.open(folder / "sub" / "b.htm.gz", "wt", encoding="utf-8") as handle:
        handle.write(html)
    (folder / "c.txt").write_text(records[1]["text"], encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (folder / "ignored.png").write_bytes(b"\x89PNG")
    items = dict(read_corpus(folder))
    items = {key.split("/", 1)[1]: value for key, value in items.items() if key.startswith("pages/")}
    assert set(items) == {"a.html", "sub/b.htm.gz", "c.txt", "empty.txt", "binary.txt"}
    assert count_items(folder) == 5
    first_line = records[0]["text"].split("\n")[0][:30]
    assert first_line in items["a.html"].text and first_line in items["sub/b.htm.gz"].text
    assert items["c.txt"].text.startswith(records[1]["text"][:40].strip())
    assert "empty" in items["empty.txt"] and "binary" in items["binary.txt"]

    warc = tmp_path / "news.warc.gz"
    with open(warc, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for i, (ctype, body) in enumerate([("text/html; charset=utf-8", html.encode()),
                                           ("image/png", b"\x89PNG"),
                                           ("text/html", b"<html><body></body></html>")]):
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(f"https://news{i}.example.org/story", "response",
                                                          payload=io.BytesIO(body), http_headers=headers))
    items = list(read_corpus(warc))
    assert len(items) == 2  # the image is not an article
    assert items[0][1].url == "https://news0.example.org/story" and first_line in items[0][1].text
    assert isinstance(items[1][1], str)  # an empty page is an error item


# -- runs ------------------------------------------------------------------------------------------------
def test_failing_items_are_recorded_and_the_run_goes_on(tmp_path):
    from newssift.batch import run

    records = ptc_records(3)
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps(records[0]) + "\n" + '{"id": "bad", "text": 7}\n' + json.dumps(records[1]) + "\n"
                      + "not json\n" + json.dumps(records[2]) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    counts = run([corpus], out=out, heads=FAST_HEADS, progress=False)
    assert counts == {"analysed": 3, "errors": 2, "skipped": 0}
    results = read_results(out)
    assert set(results) == {r["id"] for r in records} | {"bad", "c.jsonl:4"}
    assert "error" in results["bad"] and results[records[0]["id"]]["report"]["article"]["title"] == records[0]["title"]
    assert run([corpus], out=out, heads=FAST_HEADS, progress=False) == {"analysed": 0, "errors": 0, "skipped": 5}


def test_torn_last_line_is_cut_and_redone(tmp_path):
    from newssift.batch import run

    corpus = write_jsonl(tmp_path / "c.jsonl", ptc_records(5))
    out = tmp_path / "out.jsonl"
    run([corpus], out=out, heads=FAST_HEADS, progress=False)
    lines = out.read_bytes().splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:3]) + lines[3][: len(lines[3]) // 2])  # killed while writing line 4
    counts = run([corpus], out=out, heads=FAST_HEADS, progress=False)
    assert counts == {"analysed": 2, "errors": 0, "skipped": 3}
    assert len(read_results(out)) == 5


def test_kill_9_partway_and_rerun_gives_300_results_no_duplicates(tmp_path):
    records = ptc_records(300)
    corpus = write_jsonl(tmp_path / "corpus.jsonl", records)
    env = {**os.environ, "NEWSSIFT_HOME": str(tmp_path / "home")}

    from newssift.batch import run

    reference = tmp_path / "reference.jsonl"  # an uninterrupted run, in this process
    run([corpus], out=reference, heads=FAST_HEADS, progress=False)

    out = tmp_path / "out.jsonl"
    killed_at = []
    for kill_after in (40, 150):  # two interruptions at different points, then a full run
        proc = subprocess.Popen(batch_command(str(corpus), "--out", str(out)), env=env,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if out.exists() and out.read_bytes().count(b"\n") >= kill_after:
                break
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_at.append(out.read_bytes().count(b"\n"))
    assert all(n < 300 for n in killed_at), f"the run finished before it was killed ({killed_at})"

    subprocess.run(batch_command(str(corpus), "--out", str(out)), env=env, check=True,
                   stderr=subprocess.DEVNULL, timeout=300)
    results = read_results(out)
    assert set(results) == {r["id"] for r in records}
    expected = read_results(reference)
    assert {k: stable(v) for k, v in results.items()} == {k: stable(v) for k, v in expected.items()}


def test_workers_and_database_output(tmp_path):
    from newssift.batch import run
    from newssift.store import get_report, outlet_summary

    records = ptc_records(12)
    corpus = write_jsonl(tmp_path / "c.jsonl", records)
    single, pooled = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    db_url = f"sqlite:///{tmp_path / 'r.db'}"
    run([corpus], out=single, heads=FAST_HEADS, progress=False)
    counts = run([corpus], out=pooled, db_url=db_url, workers=2, heads=FAST_HEADS, progress=False)
    assert counts["analysed"] == 12
    one, two = read_results(single), read_results(pooled)
    assert {k: stable(v) for k, v in one.items()} == {k: stable(v) for k, v in two.items()}
    stored = get_report(one[records[0]["id"]]["report"]["article"]["id"], db_url=db_url)
    assert stored["article"]["external_id"] == records[0]["id"]
    assert sum(o["articles"] for o in outlet_summary(db_url=db_url)) == 12
    # a database alone is a resumable output too
    assert run([corpus], db_url=db_url, heads=FAST_HEADS, progress=False)["skipped"] == 12


def test_dask_engine_equals_local_engine(tmp_path):
    from distributed import LocalCluster

    from newssift.batch import run

    records = ptc_records(10)
    corpus = write_jsonl(tmp_path / "c.jsonl", records)
    local, remote = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    # the cheap heads: this is about the engine (a worker process of its own, so articles and reports
    # cross process boundaries and it builds its own Analyzer), and every model loads again there
    run([corpus], out=local, heads=FAST_HEADS, progress=False)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        counts = run([corpus], out=remote, engine="dask", scheduler=cluster.scheduler_address, heads=FAST_HEADS,
                     progress=False)
    assert counts == {"analysed": 10, "errors": 0, "skipped": 0}
    one, two = read_results(local), read_results(remote)
    assert set(one) == {r["id"] for r in records}
    assert {k: stable(v) for k, v in one.items()} == {k: stable(v) for k, v in two.items()}


def test_bad_arguments_are_clear_errors(tmp_path):
    from newssift.batch import run
    from newssift.errors import InputError

    corpus = write_jsonl(tmp_path / "c.jsonl", ptc_records(1))
    with pytest.raises(InputError, match="--out"):
        run([corpus])
    with pytest.raises(InputError, match="scheduler"):
        run([corpus], out=tmp_path / "o.jsonl", engine="dask")
    with pytest.raises(InputError, match="no such file"):
        run([tmp_path / "missing.jsonl"], out=tmp_path / "o.jsonl")
    with pytest.raises(InputError, match="Unknown head"):
        run([corpus], out=tmp_path / "o.jsonl", heads="nonsense")
    result = subprocess.run([sys.executable, "-m", "newssift.cli", "batch", str(tmp_path / "nope.jsonl"), "--out",
                             str(tmp_path / "o.jsonl")], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "no such file" in result.stderr and "Traceback" not in result.stderr


def test_an_article_past_the_time_limit_is_an_error_item(monkeypatch):
    from newssift import batch
    from newssift.article import Article
    from newssift.pipeline import Analyzer

    real = Analyzer(heads=batch.resolve_heads(FAST_HEADS))

    class StuckOnOne:  # the real analysis, except that one article never finishes in time
        def pipe(self, articles, batch_size=16):
            return [self.analyze(a) for a in articles]

        def analyze(self, article):
            if "stuck" in article.text:
                time.sleep(30)
            return real.analyze(article)

    monkeypatch.setitem(batch._analyzers, ("stuck-test", None), StuckOnOne())
    records = ptc_records(3)
    chunk = [(r["id"], Article(text=r["text"], title=r["title"]).to_dict()) for r in records]
    chunk.insert(1, ("stuck", Article(text="This one is stuck.").to_dict()))
    started = time.monotonic()
    results = batch.analyze_chunk(chunk, head_paths="stuck-test", seconds_per_article=0.5)
    assert time.monotonic() - started < 10
    by_id = {item_id: (report, error) for item_id, report, error in results}
    assert "longer than 0.5 s" in by_id["stuck"][1]
    assert all(by_id[r["id"]][0]["article"]["title"] == r["title"] for r in records)


# -- hostile corpus files: every item is an Article or an error message, never a crash ----------------
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

_LINE = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.fixed_dictionaries({"id": st.one_of(st.text(max_size=20), st.integers(), st.none()),
                           "text": st.one_of(st.text(max_size=300), st.integers(), st.none()),
                           "title": st.one_of(st.text(max_size=40), st.none(), st.lists(st.integers())),
                           "url": st.one_of(st.text(max_size=40), st.none())}).map(
        lambda d: json.dumps(d).encode("utf-8")),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_LINE, max_size=8))
def test_any_jsonl_bytes_give_items_or_errors(tmp_path, lines):
    from newssift.article import Article
    from newssift.ingest.corpus import read_corpus

    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(b"\n".join(line.replace(b"\n", b" ") for line in lines))
    for item_id, value in read_corpus(path):
        assert isinstance(item_id, str) and item_id
        assert isinstance(value, (Article, str))
        if isinstance(value, str):
            assert value and "Traceback" not in value


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=600))
def test_any_csv_bytes_give_items_errors_or_one_clear_error(tmp_path, body):
    from newssift.article import Article
    from newssift.errors import InputError
    from newssift.ingest.corpus import read_corpus

    path = tmp_path / "fuzz.csv"
    path.write_bytes(b"id,title,text,url\n" + body)
    try:
        items = list(read_corpus(path))
    except InputError as exc:  # a file that is not a CSV corpus at all
        assert str(exc)
        return
    assert all(isinstance(i, str) and isinstance(v, (Article, str)) for i, v in items)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.binary(max_size=800),
                      st.binary(max_size=300).map(lambda b: b"WARC/1.0\r\nWARC-Type: response\r\n" + b)))
def test_any_warc_bytes_give_errors_not_crashes(tmp_path, body):
    from newssift.ingest.corpus import read_corpus

    path = tmp_path / "fuzz.warc"
    path.write_bytes(body)
    for item_id, value in read_corpus(path):
        assert isinstance(item_id, str) and item_id
