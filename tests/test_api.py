"""The web service on a real uvicorn server on loopback, called with httpx."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest_sources import sources_db  # noqa: F401  (session fixture)
from tests.servekit import (EXAMPLE, EXAMPLE_URL, XSS, LiveServer, example_report, free_port, shared_analyzer,
                            xss_report)

CHEAP = "summary"  # for tests about the service, not the analysis


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('api') / 'reports.db'}"


@pytest.fixture(scope="module")
def server(db_url):
    from newssift.api import create_app

    # the full analysis: the example article must come back with its whole report
    with LiveServer(create_app(db_url=db_url, max_request_bytes=200_000, analyzer=shared_analyzer())) as live:
        yield live


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=120) as c:
        yield c


def test_example_article_returns_its_full_report(client):
    from newssift.pipeline import HEADS, load_head_class
    from newssift.report import validate_report_dict

    text = EXAMPLE.read_text("utf-8")
    response = client.post("/api/analyze", json={"text": text, "url": EXAMPLE_URL})
    assert response.status_code == 200, response.text
    data = response.json()
    report_id, permalink = data.pop("id"), data.pop("permalink")
    validate_report_dict(data)
    assert report_id == data["article"]["id"] and permalink == f"/reports/{report_id}"
    assert "Vyacheslav Volodin told NTV Channel" in data["article"]["text"]
    assert data["article"]["url"] == EXAMPLE_URL and data["article"]["domain"] == "theduran.com"
    assert {"stop", "source", "coverage", "claims", "summary"} <= set(data)
    # every head answered, with its status: nothing silently missing
    assert set(data["heads"]) == {load_head_class(p).name for p in HEADS}

    stored = client.get(f"/api/reports/{report_id}")
    assert stored.status_code == 200
    assert stored.json()["article"] == data["article"] and stored.json()["stop"] == data["stop"]
    page = client.get(permalink)
    assert page.status_code == 200 and "Vyacheslav Volodin" in page.text


def test_html_with_url_and_analysis_is_stored_once(client):
    html = ("<html><head><title>Council votes</title></head><body><article><h1>Council votes on budget</h1>"
            + "".join(f"<p>The council said on Tuesday that paragraph {i} of the plan was approved after a long "
                      f"debate about schools, roads and the harbour.</p>" for i in range(8))
            + "</article></body></html>")
    first = client.post("/api/analyze", json={"html": html, "url": "https://news.example.org/council"}).json()
    second = client.post("/api/analyze", json={"html": html, "url": "https://news.example.org/council"}).json()
    assert first["id"] == second["id"]
    assert "paragraph 3 of the plan" in first["article"]["text"]
    listed = client.get("/api/reports", params={"domain": first["article"]["domain"], "limit": 200}).json()
    assert [r["id"] for r in listed].count(first["id"]) == 1


@pytest.mark.parametrize("body, content_type, fragment", [
    (b"{not json", "application/json", "Malformed request"),
    (b"[1, 2]", "application/json", "Malformed request"),
    (b'{"text": 5}', "application/json", "text"),
    (b"{}", "application/json", "Give the article as text, html, or a url"),
    (b'{"text": "   "}', "application/json", "empty"),
    (b'{"text": "a", "html": "<p>b</p>"}', "application/json", "either text or html"),
    (b'{"url": "file:///etc/passwd"}', "application/json", "http:// or https://"),
    (b'{"url": "javascript:alert(1)"}', "application/json", "http:// or https://"),
    (b'{"text": "ok", "colour": "red"}', "application/json", "colour"),
])
def test_malformed_requests_get_a_4xx_with_a_message(client, body, content_type, fragment):
    response = client.post("/api/analyze", content=body, headers={"content-type": content_type})
    assert 400 <= response.status_code < 500, response.text
    assert fragment in response.json()["detail"]


def test_request_size_limit_is_413(client):
    big = {"text": "word " * 60_000}  # 300 kB over a 200 kB limit
    response = client.post("/api/analyze", json=big)
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    # streamed without a Content-Length: refused while reading
    chunks = (b'{"text": "' + b"x" * 50_000 for _ in range(6))
    response = client.post("/api/analyze", content=chunks, headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_unknown_report_is_404_and_pages_carry_a_strict_policy(client):
    assert client.get("/api/reports/0000").status_code == 404
    assert client.get("/reports/0000").status_code == 404
    for path in ("/", "/outlets", "/docs", "/api/health"):
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy and "unsafe" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
    assert client.get("/openapi.json").json()["paths"]["/api/analyze"]["post"]
    docs = client.get("/docs").text
    assert "/api/analyze" in docs and "<script" not in docs


def test_sources_and_factchecks_answer_or_say_what_is_missing(client):
    source = client.get("/api/sources/theduran.com")
    assert source.status_code in (200, 501, 503), source.text
    if source.status_code == 200:
        assert source.json()["domain"] == "theduran.com"
    else:
        assert source.json()["detail"]
    search = client.get("/api/factchecks/search", params={"q": "Obama was born in Kenya' OR 1=1; --"})
    assert search.status_code in (200, 501, 503), search.text
    assert client.get("/api/factchecks/search").status_code == 422  # q is required


def test_stored_report_pages_and_dashboard(client, db_url):
    from newssift.store import store_report

    report_id = store_report(example_report(), db_url=db_url)
    page = client.get(f"/reports/{report_id}")
    assert page.status_code == 200
    assert page.text.count('class="tech ') >= 6 and "lame duck Obama" in page.text
    outlets = client.get("/outlets").text
    assert "theduran.com" in outlets and "<svg" in outlets
    outlet = client.get("/outlets/theduran.com")
    assert outlet.status_code == 200 and outlet.text.count("<svg") == 2 and "2016-11" in outlet.text
    stats = client.get("/api/outlets", params={"domain": "theduran.com"}).json()["outlets"]["theduran.com"]
    assert stats["techniques"]["Name_Calling,Labeling"] >= 2 and stats["months"]["2016-11"] >= 1


def test_xss_in_a_stored_report_is_escaped(client, db_url):
    from newssift.store import store_report

    report_id = store_report(xss_report(), db_url=db_url)
    html = client.get(f"/reports/{report_id}").text
    # the payloads are shown as text: no element, no attribute, no javascript: link comes from them
    assert "<script" not in html and "<img" not in html and "<a href=\"javascript" not in html
    assert 'href="javascript' not in html
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html


def test_form_post_analyses_and_redirects_to_the_permanent_link(client):
    text = EXAMPLE.read_text("utf-8")
    response = client.post("/analyze", data={"text": text, "url": EXAMPLE_URL, "title": "Trump and Putin"},
                           follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and "Trump and Putin" in page.text
    empty = client.post("/analyze", data={"text": "", "url": ""})
    assert empty.status_code == 422 and "Give the article" in empty.text


def test_api_keys_are_enforced(db_url):
    from newssift.api import create_app

    with LiveServer(create_app(db_url=db_url, api_keys=["k-123"], analyzer=shared_analyzer(CHEAP))) as live, \
            httpx.Client(base_url=live.url, timeout=60) as c:
        body = {"text": "The mayor said the bridge will reopen in May after repairs."}
        assert c.post("/api/analyze", json=body).status_code == 401
        assert c.post("/api/analyze", json=body, headers={"X-API-Key": "wrong"}).status_code == 401
        assert c.post("/api/analyze", json=body, headers={"X-API-Key": "k-123"}).status_code == 200
        assert c.post("/api/analyze?api_key=k-123", json=body).status_code == 200
        assert c.get("/api/reports").status_code == 401
        assert c.get("/api/reports", params={"api_key": "k-123"}).status_code == 200
        assert c.post("/analyze", data={"text": body["text"]}).status_code == 401
        assert c.post("/analyze", data={"text": body["text"], "api_key": "k-123"},
                      follow_redirects=False).status_code == 303
        assert c.get("/").status_code == 200 and 'name="api_key"' in c.get("/").text


def test_concurrent_requests_do_not_block_the_event_loop(db_url):
    """Analyses run in worker threads: the health check and pages answer while they run."""
    import concurrent.futures

    from newssift.api import create_app

    text = EXAMPLE.read_text("utf-8")
    with LiveServer(create_app(db_url=db_url, analyzer=shared_analyzer(CHEAP))) as live, \
            httpx.Client(base_url=live.url, timeout=120) as client, \
            concurrent.futures.ThreadPoolExecutor(8) as pool:
        posts = [pool.submit(client.post, "/api/analyze", json={"text": text + f"\n\nEdition {i}."})
                 for i in range(6)]
        healths = [pool.submit(client.get, "/api/health") for _ in range(10)]
        assert all(f.result().status_code == 200 for f in healths)
        results = [f.result() for f in posts]
    assert all(r.status_code == 200 for r in results)
    assert len({r.json()["id"] for r in results}) == 6


def test_cli_serve_starts_a_server(tmp_path):
    port = free_port()
    env = {**os.environ, "NEWSSIFT_HOME": str(tmp_path), "NEWSSIFT_API_KEYS": "env-key"}
    proc = subprocess.Popen([sys.executable, "-m", "newssift.cli", "serve", "--port", str(port), "--api-key", "cli-key",
                             "--db", f"sqlite:///{tmp_path / 'r.db'}"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(proc.stderr.read().decode()[-2000:])
                time.sleep(0.2)
        assert response.json()["status"] == "ok"
        assert "<form" in httpx.get(f"http://127.0.0.1:{port}/", timeout=5).text
        reports = f"http://127.0.0.1:{port}/api/reports"
        assert httpx.get(reports, timeout=5).status_code == 401
        assert httpx.get(reports, headers={"X-API-Key": "cli-key"}, timeout=5).status_code == 200
        assert httpx.get(reports, headers={"X-API-Key": "env-key"}, timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(20)


def test_url_only_is_fetched_through_the_guard(client, db_url, tmp_path):
    import functools
    import http.server
    import threading

    paragraphs = "".join(f"<p>{line}</p>" for line in EXAMPLE.read_text("utf-8").split("\n")[:30] if line.strip())
    (tmp_path / "story.html").write_text(
        f"<html><head><title>Trump and Putin</title></head><body><article>{paragraphs}</article></body></html>",
        encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a, **k: None
    pages = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{pages.server_address[1]}/story.html"
    try:
        # the public service refuses loopback addresses
        refused = client.post("/api/analyze", json={"url": url})
        assert refused.status_code == 422 and "loopback" in refused.json()["detail"]
        refused = client.post("/api/analyze", json={"url": "http://169.254.169.254/latest/meta-data/"})
        assert refused.status_code == 422 and "link-local" in refused.json()["detail"]
        # a service allowed to reach the private network fetches and analyses the page
        from newssift.api import create_app

        app = create_app(db_url=db_url, allow_private_network=True, analyzer=shared_analyzer(CHEAP))
        with LiveServer(app) as live:
            fetched = httpx.post(f"{live.url}/api/analyze", json={"url": url}, timeout=120)
        assert fetched.status_code == 200, fetched.text
        assert "Russian President Putin and US President-elect Trump" in fetched.json()["article"]["text"]
        assert fetched.json()["article"]["url"] == url
    finally:
        pages.shutdown()


def test_source_card_with_the_rating_lists_installed(sources_db):
    from newssift.api import create_app

    analyzer = shared_analyzer("source,summary", db_url=sources_db["db_url"])
    with LiveServer(create_app(db_url=sources_db["db_url"], analyzer=analyzer)) as live, \
            httpx.Client(base_url=live.url, timeout=120) as c:
        source = c.get("/api/sources/theduran.com")
        assert source.status_code == 200, source.text
        assert source.json()["domain"] == "theduran.com" and source.json()["label"] == "low"
        assert c.get("/api/sources/" + "x" * 300).status_code == 422
        assert c.get("/api/sources/not a domain").status_code == 422
        posted = c.post("/api/analyze", json={"text": EXAMPLE.read_text("utf-8"), "url": EXAMPLE_URL}).json()
        assert posted["source"]["domain"] == "theduran.com" and posted["source"]["ratings"]
        page = c.get(posted["permalink"]).text
        lists = [r.get("title") or r["list"] for r in posted["source"]["ratings"]]
        from markupsafe import escape

        assert all(str(escape(name)) in page for name in lists)


def test_a_full_analysis_queue_answers_429_and_pages_still_load(db_url):
    import concurrent.futures
    import threading

    from newssift.api import create_app
    from newssift.pipeline import Analyzer

    release = threading.Event()

    class HeldAnalyzer(Analyzer):  # the real analysis, held until the test lets it go
        def analyze(self, article):
            release.wait(30)
            return super().analyze(article)

    from newssift.batch import resolve_heads

    app = create_app(db_url=db_url, analyzer=HeldAnalyzer(heads=resolve_heads(CHEAP)), max_queued_analyses=2)
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=60) as c, \
            concurrent.futures.ThreadPoolExecutor(4) as pool:
        held = [pool.submit(c.post, "/api/analyze", json={"text": f"The mayor said the bridge will reopen. {i}"})
                for i in range(2)]
        deadline = time.monotonic() + 20
        while app.state.service._waiting < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        refused = c.post("/api/analyze", json={"text": "One more."})
        assert refused.status_code == 429 and refused.headers["retry-after"] == "5"
        assert c.get("/").status_code == 200 and c.get("/api/reports").status_code == 200
        release.set()
        assert [f.result().status_code for f in held] == [200, 200]
