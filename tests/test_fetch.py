"""The fetch guard against real local HTTP servers with crafted redirects."""

import pytest

from newssift.errors import FetchError
from newssift.ingest.fetch import address_refusal, fetch

from tests.servekit import serve_routes

PAGE = (b"<html><head><title>Council agrees water plan</title></head><body><article>"
        b"<h1>Council agrees water plan</h1>"
        + b"<p>The council agreed on Monday to replace the oldest water mains within three years, "
          b"the city said in a statement published on its website.</p>" * 5
        + b"</article></body></html>")


def _routes(base: str) -> dict:
    port = base.rsplit(":", 1)[1]
    return {
        "/page": (200, {"Content-Type": "text/html; charset=utf-8"}, PAGE),
        "/to-page": (302, {"Location": "/page"}, b""),
        "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""),
        "/to-other-loopback": (301, {"Location": f"http://127.0.0.2:{port}/page"}, b""),
        "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4"),
        "/big": (200, {"Content-Type": "text/html"}, b"<p>" + b"x" * (11 * 1024 * 1024)),
    }


@pytest.fixture(scope="module")
def server():
    with serve_routes(_routes) as base:
        yield base


ALLOW = frozenset({"127.0.0.1"})  # the test server's own address, and only it


def test_fetches_a_page_and_follows_a_checked_redirect(server):
    fetched = fetch(server + "/to-page", allow_addresses=ALLOW)
    assert fetched.url.endswith("/page")
    assert b"water mains" in fetched.content


def test_loopback_refused_without_permission(server):
    with pytest.raises(FetchError, match="loopback"):
        fetch(server + "/page")


def test_allow_private_network_flag(server):
    assert b"water" in fetch(server + "/page", allow_private_network=True).content


@pytest.mark.parametrize("path,message", [
    ("/to-metadata", "link-local"),
    ("/to-other-loopback", "loopback"),
    ("/to-file", "http"),
    ("/loop", "redirects more than"),
    ("/pdf", "not an HTML page"),
    ("/big", "limit"),
    ("/missing", "404"),
])
def test_redirects_and_responses_are_rechecked(server, path, message):
    with pytest.raises(FetchError, match=message):
        fetch(server + path, allow_addresses=ALLOW)


@pytest.mark.parametrize("address,refused", [
    ("127.0.0.1", True), ("::1", True), ("169.254.169.254", True), ("10.1.2.3", True),
    ("192.168.0.1", True), ("172.16.5.4", True), ("224.0.0.1", True), ("0.0.0.0", True),
    ("::ffff:127.0.0.1", True), ("fe80::1", True), ("100.64.0.1", True),
    ("93.184.215.14", False), ("2606:4700::1111", False),
])
def test_address_policy(address, refused):
    assert (address_refusal(address) is not None) == refused


def test_analyze_a_served_page_end_to_end(server):
    from newssift.ingest.reader import read_document

    fetched = fetch(server + "/page", allow_addresses=ALLOW)
    article = read_document(fetched.content, url=fetched.url, content_type=fetched.content_type)
    assert article.title == "Council agrees water plan"
    assert "replace the oldest water mains" in article.text
