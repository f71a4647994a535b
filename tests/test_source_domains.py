"""Domain normalisation: what users paste, to the keys rating lists use (offline public-suffix list)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newssift.source.domains import list_key, parse_source, to_ascii, to_unicode, unwrap_url

CASES = [
    # input, host, registrable domain
    ("reuters.com", "reuters.com", "reuters.com"),
    ("www.reuters.com", "reuters.com", "reuters.com"),
    ("WWW.Reuters.COM", "reuters.com", "reuters.com"),
    ("https://apnews.com/article/x", "apnews.com", "apnews.com"),
    ("http://m.theguardian.com/world/2016", "theguardian.com", "theguardian.com"),
    ("https://amp.theguardian.com/world", "theguardian.com", "theguardian.com"),
    ("https://www.m.example.co.uk/", "example.co.uk", "example.co.uk"),
    ("http://user:secret@www.reuters.com:8443/x", "reuters.com", "reuters.com"),
    ("reuters.com.", "reuters.com", "reuters.com"),
    ("https://www.reuters.com.:443/world/", "reuters.com", "reuters.com"),
    ("uk.reuters.com", "uk.reuters.com", "reuters.com"),
    ("abcnews.go.com/Politics", "abcnews.go.com", "go.com"),
    ("news.bbc.co.uk", "news.bbc.co.uk", "bbc.co.uk"),
    ("www.co.uk", "www.co.uk", "www.co.uk"),  # never stripped down to a bare public suffix
    ("bücher.de", "xn--bcher-kva.de", "xn--bcher-kva.de"),
    ("XN--BCHER-KVA.DE", "xn--bcher-kva.de", "xn--bcher-kva.de"),
    ("https://www.bücher.de/buch", "xn--bcher-kva.de", "xn--bcher-kva.de"),
    ("пример.рф", "xn--e1afmkfd.xn--p1ai", "xn--e1afmkfd.xn--p1ai"),
    # redirect and AMP wrappers
    ("https://www.google.com/url?q=https://www.theduran.com/x&sa=D", "theduran.com", "theduran.com"),
    ("https://www.google.co.uk/url?sa=t&url=https%3A%2F%2Fwww.bbc.co.uk%2Fnews", "bbc.co.uk", "bbc.co.uk"),
    ("https://l.facebook.com/l.php?u=https%3A%2F%2Fm.theguardian.com%2Fworld&h=AT0", "theguardian.com",
     "theguardian.com"),
    ("https://www.google.com/amp/s/amp.cnn.com/cnn/2020/01/01/story", "cnn.com", "cnn.com"),
    ("https://www-bbc-co-uk.cdn.ampproject.org/c/s/www.bbc.co.uk/news/amp/123", "bbc.co.uk", "bbc.co.uk"),
    ("https://theduran-com.cdn.ampproject.org/v/theduran.com/story/amp/", "theduran.com", "theduran.com"),
    # a Google link to an AMP cache page: wrappers nest
    ("https://www.google.com/url?q=https://www-bbc-co-uk.cdn.ampproject.org/c/s/www.bbc.co.uk/news",
     "bbc.co.uk", "bbc.co.uk"),
    ("example.com:8080", "example.com", "example.com"),
    ("//www.example.com/path", "example.com", "example.com"),
    ("HTTPS://WWW.EXAMPLE.COM/", "example.com", "example.com"),
    # userinfo is not the host: a link dressed up as Reuters goes to theduran.com
    ("https://www.reuters.com@theduran.com/story", "theduran.com", "theduran.com"),
    ("http://[::1]:8000/x", "::1", "::1"),
    ("192.168.0.1", "192.168.0.1", "192.168.0.1"),
    ("localhost", "localhost", "localhost"),
]


@pytest.mark.parametrize("value,host,domain", CASES)
def test_normalisation(value, host, domain):
    parsed = parse_source(value)
    assert parsed is not None
    assert (parsed.host, parsed.domain) == (host, domain)


@pytest.mark.parametrize("value", ["", "   ", "http://", "not a domain at all", "https:///path-only"])
def test_no_host_is_none(value):
    assert parse_source(value) is None


def test_lookup_keys_go_from_specific_to_registrable():
    assert parse_source("https://uk.reuters.com/article/x").lookup_keys() == [
        "uk.reuters.com/article", "uk.reuters.com", "reuters.com"]
    assert parse_source("twitter.com/capnews").lookup_keys() == ["twitter.com/capnews", "twitter.com"]


def test_list_keys_keep_accounts_and_subdomains():
    assert list_key("http://www.villagevoice.com/") == "villagevoice.com"
    assert list_key("twitter.com/CapNews") == "twitter.com/capnews"
    assert list_key("abcnews.go.com") == "abcnews.go.com"
    assert list_key("") is None


def test_idna_both_ways():
    assert to_ascii("Bücher.DE.") == "xn--bcher-kva.de"
    assert to_unicode("xn--bcher-kva.de") == "bücher.de"
    assert parse_source("xn--bcher-kva.de").unicode_domain == "bücher.de"


def test_unwrap_leaves_plain_urls_alone():
    url = "https://www.google.com/search?q=reuters"
    assert unwrap_url(url) == url
    assert parse_source(url).domain == "google.com"


def test_public_suffix_list_is_offline(monkeypatch):
    import socket

    def no_network(*args, **kwargs):  # any attempt to reach the network fails the test
        raise AssertionError("network access during domain parsing")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    assert parse_source("https://foo.blogspot.com/post").domain == "blogspot.com"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_text_parses_or_is_none(value):
    parsed = parse_source(value)
    if parsed is not None:
        assert parsed.host == parsed.host.lower()
        assert parsed.host.isascii()
        assert parsed.host.endswith(parsed.domain)
