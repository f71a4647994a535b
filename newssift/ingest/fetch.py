"""Fetching a page a user pasted, guarded.

Only http(s); the host is resolved here and every address is checked before connecting, and
the connection goes to the checked address (so DNS cannot be re-bound between the check and
the connect); redirects are followed by hand and each new target is checked again; the body is
capped and the whole fetch has a deadline.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from newssift import __version__, settings
from newssift.errors import FetchError

ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml")
USER_AGENT = f"newssift/{__version__} (+https://newssift.org; article analysis)"


@dataclass
class Fetched:
    url: str  # the final URL, after redirects
    content: bytes
    content_type: str
    charset: str | None


def address_refusal(address: str) -> str | None:
    """Why an IP address may not be fetched by default, or None if it may."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address (cloud metadata services live there)"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_private:
        return "a private-network address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved address"
    return None


def check_url(url: str) -> tuple[str, int]:
    """Validate scheme and host syntax; return (host, port)."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise FetchError(f"Not a valid URL: {url!r} ({exc}).") from None
    if parts.scheme.lower() not in ("http", "https"):
        scheme = parts.scheme or "no scheme"
        raise FetchError(f"Only http and https URLs can be fetched, not {scheme}: {url}")
    host = parts.hostname
    if not host:
        raise FetchError(f"The URL has no host: {url}")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        raise FetchError(f"The URL has an invalid port: {url}") from None
    return host, port


def resolve_checked(host: str, port: int, allow_private_network: bool,
                    allow_addresses: frozenset[str] = frozenset()) -> list[str]:
    """Resolve `host` and refuse it if any of its addresses is not public (or explicitly allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"Cannot resolve the host {host!r}: {exc}.") from None
    addresses = []
    for info in infos:
        address = info[4][0].split("%", 1)[0]
        if not allow_private_network and address not in allow_addresses:
            reason = address_refusal(address)
            if reason:
                raise FetchError(
                    f"Refused to fetch {host}: it resolves to {address}, {reason}. "
                    "Use --allow-private-network to allow it.")
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchError(f"The host {host!r} has no address.")
    return addresses


class GuardedBackend(httpcore.SyncBackend):
    """Connects only to addresses that passed `resolve_checked` at connect time."""

    def __init__(self, allow_private_network: bool, allow_addresses: frozenset[str] = frozenset()):
        super().__init__()
        self.allow_private_network = allow_private_network
        self.allow_addresses = allow_addresses

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = resolve_checked(host, port, self.allow_private_network, self.allow_addresses)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                           socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        raise last_error or httpcore.ConnectError(f"cannot connect to {host}")


def _client(allow_private_network: bool, timeout: float, allow_addresses: frozenset[str]) -> httpx.Client:
    transport = httpx.HTTPTransport(retries=0)
    transport._pool._network_backend = GuardedBackend(allow_private_network, allow_addresses)  # every connection is checked
    return httpx.Client(transport=transport, follow_redirects=False, trust_env=False,
                        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
                        headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,text/plain;q=0.8"})


def fetch(url: str, allow_private_network: bool = False, max_bytes: int = settings.MAX_INPUT_BYTES,
          timeout: float = settings.FETCH_TIMEOUT_S, max_redirects: int = settings.FETCH_MAX_REDIRECTS,
          allow_addresses: frozenset[str] = frozenset()) -> Fetched:
    """GET a page. `allow_addresses` lets named addresses through the guard (tests serve on loopback)."""
    deadline = time.monotonic() + timeout * 2
    current = url.strip()
    allow_addresses = frozenset(allow_addresses)
    with _client(allow_private_network, timeout, allow_addresses) as client:
        for _ in range(max_redirects + 1):
            host, port = check_url(current)
            resolve_checked(host, port, allow_private_network, allow_addresses)  # a clear error before any connection
            try:
                with client.stream("GET", current) as response:
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError(f"{current} redirects without a Location header.")
                        current = urljoin(current, location)
                        continue
                    if response.status_code >= 400:
                        raise FetchError(f"{current} answered HTTP {response.status_code}.")
                    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                    if content_type and content_type not in ACCEPTED_TYPES:
                        raise FetchError(f"{current} is {content_type}, not an HTML page or text.")
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > max_bytes:
                        raise FetchError(f"{current} is {int(declared):,} bytes; the limit is {max_bytes:,}.")
                    chunks, size = [], 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            raise FetchError(f"{current} is larger than the limit of {max_bytes:,} bytes.")
                        if time.monotonic() > deadline:
                            raise FetchError(f"Fetching {current} took longer than {timeout * 2:.0f} s.")
                        chunks.append(chunk)
                    return Fetched(str(response.url), b"".join(chunks), content_type or "text/html",
                                   response.charset_encoding)
            except FetchError:
                raise
            except httpx.TimeoutException:
                raise FetchError(f"Fetching {current} timed out after {timeout:.0f} s.") from None
            except httpx.HTTPError as exc:
                cause = exc.__cause__ or exc.__context__
                if isinstance(cause, FetchError):
                    raise cause from None
                raise FetchError(f"Cannot fetch {current}: {exc or type(exc).__name__}.") from None
        raise FetchError(f"{url} redirects more than {max_redirects} times.")
