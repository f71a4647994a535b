"""From anything a user pastes (a domain, a URL, a redirect or AMP link) to the keys rating lists use.

Rating lists key outlets by host name ("reuters.com", "abcnews.go.com", sometimes
"twitter.com/account"). `normalise_host` turns input into a lowercase ASCII host without
www./m./amp. prefixes, ports, userinfo or trailing dots; `registrable_domain` cuts it to the
name a registrant owns, using the public-suffix list bundled with tldextract (never downloaded).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

import idna

# Prefixes that name a rendering of the same site, not a different outlet.
_SITE_PREFIXES = ("www", "www1", "www2", "www3", "m", "mobile", "amp", "amp-")
_MAX_UNWRAP = 5  # redirects nest (a Google link to an AMP cache page); more is not a real link
# a bare lowercase host with no prefix to strip: normalising it would return it unchanged
_PLAIN_HOST = re.compile(r"^(?!(?:www\d?|m|mobile|amp)\.)[a-z0-9-]+(?:\.[a-z0-9-]+)+$")
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


@dataclass(frozen=True)
class ParsedSource:
    """A normalised input: the host, its registrable domain, and the first path segment."""

    host: str  # "uk.reuters.com" (ASCII, lowercase, prefixes stripped)
    domain: str  # "reuters.com": the registrable domain (the host itself for IP addresses)
    path_head: str | None = None  # "capnews" for twitter.com/capnews/...: lists rate some accounts

    @property
    def unicode_domain(self) -> str:
        return to_unicode(self.domain)

    def lookup_keys(self) -> list[str]:
        """Keys to try in a rating list, most specific first: host/account, host, parents."""
        keys = []
        if self.path_head:
            keys.append(f"{self.host}/{self.path_head}")
        labels = self.host.split(".")
        for i in range(len(labels)):
            candidate = ".".join(labels[i:])
            keys.append(candidate)
            if candidate == self.domain:
                break
        return keys


@lru_cache(maxsize=1)
def _extractor():
    import tldextract

    # suffix_list_urls=() and no cache: the snapshot inside the package, no network, no files written
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False)


def to_ascii(host: str) -> str:
    """IDNA-encode a host ("bücher.de" → "xn--bcher-kva.de"); ASCII hosts come back lowercased."""
    host = host.strip().rstrip(".").lower()
    if host.isascii():
        return host
    labels = []
    for label in host.split("."):
        if label.isascii():
            labels.append(label)
            continue
        try:
            labels.append(idna.encode(label, uts46=True).decode("ascii"))
        except idna.IDNAError:
            try:  # IDNA 2003 takes some names that 2008 refuses (symbols, some old registrations)
                labels.append(label.encode("idna").decode("ascii"))
            except UnicodeError:
                raise ValueError(f"{host!r} is not a valid internationalised host name") from None
    return ".".join(labels)


def to_unicode(host: str) -> str:
    """Decode punycode labels for display ("xn--bcher-kva.de" → "bücher.de")."""
    labels = []
    for label in host.split("."):
        if label.startswith("xn--"):
            try:
                label = idna.decode(label)
            except (idna.IDNAError, UnicodeError):
                pass
        labels.append(label)
    return ".".join(labels)


def _split(value: str):
    value = value.strip()
    if not _SCHEME_RE.match(value):
        value = "//" + value.lstrip("/")
    return urlsplit(value)


def unwrap_url(value: str) -> str:
    """Follow redirect wrappers that carry their target in the URL (no network).

    Google (google.*/url?q=…), Facebook (l.facebook.com/l.php?u=…), the Google AMP viewer
    (google.com/amp/s/HOST/…) and the AMP cache (*.cdn.ampproject.org/c/s/HOST/…).
    """
    for _ in range(_MAX_UNWRAP):
        try:
            parts = _split(value)
        except ValueError:  # "[" alone, a broken IPv6 literal: nothing to unwrap
            return value
        host = (parts.hostname or "").rstrip(".")
        path = parts.path or ""
        query = parse_qs(parts.query)
        target = None
        labels = host.split(".")
        if "google" in labels and path.rstrip("/") == "/url":
            target = (query.get("q") or query.get("url") or [None])[0]
        elif "google" in labels and path.startswith("/amp/"):
            target = _amp_path_target(path[len("/amp"):])
        elif host.endswith("facebook.com") and path.rstrip("/") in ("/l.php", "/flx/warn"):
            target = (query.get("u") or [None])[0]
        elif host.endswith("cdn.ampproject.org"):
            for prefix in ("/c", "/v", "/i"):
                if path.startswith(prefix + "/"):
                    target = _amp_path_target(path[len(prefix):])
                    break
        if not target:
            return value
        value = unquote(target) if "%" in target[:12] else target
    return value


def _amp_path_target(rest: str) -> str | None:
    """"/s/example.com/a" → "https://example.com/a"; "/example.com/a" → "http://example.com/a"."""
    if rest.startswith("/s/"):
        return "https://" + rest[3:]
    if rest.startswith("/") and len(rest) > 1:
        return "http://" + rest[1:]
    return None


def _strip_prefixes(host: str) -> str:
    while True:
        head, _, rest = host.partition(".")
        if head not in _SITE_PREFIXES and not (head.startswith("amp-") and head != "amp-"):
            return host
        # never strip down to a bare public suffix ("www.co.uk" stays as it is)
        if not rest or not _extractor()(rest).top_domain_under_public_suffix:
            return host
        host = rest


def parse_source(value: str) -> ParsedSource | None:
    """Normalise a domain or URL; None when there is no host name in it."""
    if not value or not value.strip():
        return None
    url = unwrap_url(value.strip())
    try:
        parts = _split(url)
        raw_host = parts.hostname  # drops userinfo and port, lowercases
    except ValueError:
        return None
    if not raw_host:
        return None
    try:
        host = to_ascii(unquote(raw_host))
    except ValueError:
        return None
    if not host or " " in host:
        return None
    if _is_ip(host):
        return ParsedSource(host=host, domain=host)
    host = _strip_prefixes(host)
    domain = _extractor()(host).top_domain_under_public_suffix
    if not domain:
        # "localhost", a bare suffix: keep the host as typed so the lookup can still say "unrated"
        domain = host
    segments = [s for s in (parts.path or "").split("/") if s]
    path_head = segments[0].lower() if segments else None
    return ParsedSource(host=host, domain=domain, path_head=path_head)


def normalise_host(value: str) -> str | None:
    parsed = parse_source(value)
    return parsed.host if parsed else None


def registrable_domain(value: str) -> str | None:
    parsed = parse_source(value)
    return parsed.domain if parsed else None


def list_key(value: str) -> str | None:
    """The key a rating list's entry is stored under: its host, with an account path if it has one."""
    value = (value or "").strip()
    if not value:
        return None
    if _PLAIN_HOST.match(value):  # most list entries: already a bare lowercase host (fast path)
        return value
    parsed = parse_source(value)
    if parsed is None:
        return None
    # lists write accounts on platforms as "twitter.com/name"; a bare domain keeps no path
    return f"{parsed.host}/{parsed.path_head}" if parsed.path_head else parsed.host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False
