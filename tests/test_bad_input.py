"""Each bad input gets a specific error and a non-zero exit within seconds, never a traceback."""

import gzip
import os
import time

import pytest

from tests.conftest import run_cli


def assert_clean_failure(result, *expected_words, max_seconds=None):
    err = result.stderr.decode()
    assert result.returncode != 0, err
    assert "Traceback" not in err, err
    assert err.startswith("newssift: error: "), err
    assert len(err.strip().splitlines()) == 1, err
    for word in expected_words:
        assert word.lower() in err.lower(), err


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    files = {}
    files["binary"] = d / "photo.txt"
    files["binary"].write_bytes(bytes(range(256)) * 64)
    files["png"] = d / "image.html"
    files["png"].write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    files["empty"] = d / "empty.txt"
    files["empty"].write_bytes(b"")
    files["blank"] = d / "blank.txt"
    files["blank"].write_bytes(b"   \n\n  \t\n")
    files["undecodable"] = d / "latin.txt"
    files["undecodable"].write_bytes(bytes([0x81, 0x8d, 0x8f, 0x90, 0x9d]) * 400 + b"\xff\xfe\xfd" * 300)
    files["bomb"] = d / "bomb.html.gz"
    files["bomb"].write_bytes(gzip.compress(b"<html><body>" + b"A" * (200 * 1024 * 1024), compresslevel=9))
    files["huge"] = d / "huge.html"
    with files["huge"].open("wb") as handle:
        handle.write(b"<html><body>")
        para = b"<p>" + b"The council met again and talked for hours about the budget. " * 20 + b"</p>\n"
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(para)
    files["nested"] = d / "nested.html"
    files["nested"].write_bytes(b"<html><body>" + b"<div>" * 200_000 + b"text" + b"</div>" * 200_000)
    files["chrome_only"] = d / "chrome.txt"
    files["chrome_only"].write_text("What do you think?\n\nNotify of\nInline Feedbacks\nView all comments\n")
    return files


@pytest.mark.parametrize("name,words", [
    ("binary", ["binary"]),
    ("png", ["PNG"]),
    ("empty", ["empty"]),
    ("blank", ["empty"]),
    ("undecodable", ["decoded"]),
    ("bomb", ["decompresses", "limit"]),
    ("huge", ["bytes", "limit"]),
    ("nested", ["nests"]),
    ("chrome_only", ["no article text"]),
])
def test_bad_file(bad_files, name, words):
    start = time.monotonic()
    result = run_cli("analyze", str(bad_files[name]), timeout=60)
    assert_clean_failure(result, *words)
    assert time.monotonic() - start < 30


@pytest.mark.parametrize("url,words", [
    ("http://127.0.0.1:9/x", ["loopback"]),
    ("http://[::1]:9/x", ["loopback"]),
    ("http://169.254.169.254/latest/meta-data/", ["link-local"]),
    ("http://10.0.0.1/", ["private"]),
    ("http://localhost:9/", ["loopback"]),
    ("file:///etc/passwd", ["http"]),
    ("ftp://example.org/file", ["http"]),
    ("gopher://127.0.0.1:70/", ["http"]),
])
def test_refused_urls(url, words):
    start = time.monotonic()
    result = run_cli("analyze", url, timeout=60)
    assert_clean_failure(result, *words)
    assert time.monotonic() - start < 20


def test_missing_file_and_folder(tmp_path):
    assert_clean_failure(run_cli("analyze", str(tmp_path / "nope.html")), "no such file")
    assert_clean_failure(run_cli("analyze", str(tmp_path)), "folder")


def test_stdin_binary():
    assert_clean_failure(run_cli("analyze", "-", stdin=b"\x00\x01\x02" * 1000), "binary")
