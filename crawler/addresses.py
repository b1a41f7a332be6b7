"""Private addresses: hosts a crawl of the open web must never reach.

A hostile page can link or redirect to ``http://169.254.169.254/`` (a cloud metadata
service), ``http://localhost:6379/`` or ``http://10.0.0.1/``; a crawler that follows
such links can be steered into the network of the machine it runs on. ``private_reason``
classifies a URL's host (literal addresses in every form an HTTP stack accepts, and
names reserved for local use); ``PrivateAddressMiddleware`` refuses such requests before
they are sent, proxy or not; ``PrivateAddressResolver`` checks the address a name
resolves to when the crawler connects directly (no proxy). Refusals get the reason
``private_address``. ``PROVENANCE_ALLOW_PRIVATE_ADDRESSES`` switches all of it off, e.g.
for crawling an intranet on purpose.
"""

from __future__ import annotations

import ipaddress
import logging
import urllib.request
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.resolver import CachingThreadedResolver
from scrapy.statscollectors import StatsCollector
from twisted.internet.error import DNSLookupError

__all__ = [
    "PrivateAddressError",
    "PrivateAddressMiddleware",
    "PrivateAddressResolver",
    "is_private_ip",
    "parse_host_address",
    "private_reason",
    "resolved_private",
]

log = logging.getLogger(__name__)

REASON = "private_address"

# Names that never denote a host on the open web: RFC 6761 (localhost), RFC 6762
# (.local, multicast DNS) and ICANN's reserved .internal; plus the bare name.
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
LOCAL_NAMES = frozenset(["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"])

_NAT64 = ipaddress.ip_network("64:ff9b::/96")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _inet_aton_part(part: str) -> int | None:
    """One dotted part as ``inet_aton`` reads it: 0x.. hex, 0.. octal, else decimal."""
    try:
        if part[:2].lower() == "0x":
            return int(part[2:] or "0", 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part[1:], 8)
        return int(part, 10) if part.isdigit() else None
    except ValueError:
        return None


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """IPv4 in the forms C's ``inet_aton`` accepts and ``ipaddress`` refuses.

    ``2130706433``, ``0x7f.1``, ``0177.0.0.1`` and ``127.1`` all mean 127.0.0.1 to the
    resolver of the machine (or proxy) that connects; ``ipaddress`` rejects them on
    purpose, and ``socket.inet_aton`` depends on the C library, so the rule is spelt
    out here: one to four parts, the last filling the bytes the others leave.
    """
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(parts):
        return None
    values = [_inet_aton_part(p) for p in parts]
    if any(v is None for v in values):
        return None
    nums: list[int] = [v for v in values if v is not None]
    *head, last = nums
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last
    for i, v in enumerate(head):
        value += v << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def parse_host_address(host: str) -> Address | None:
    """The IP address a URL host denotes, or None when it is a name.

    >>> str(parse_host_address("0x7f.1"))
    '127.0.0.1'
    """
    host = unquote(host).strip().strip("[]").rstrip(".").lower()
    if not host:
        return None
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        pass
    return _legacy_ipv4(host)


def is_private_ip(addr: Address) -> bool:
    """Loopback, private, link-local, multicast, reserved or otherwise not global.

    IPv6 forms that carry an IPv4 address (mapped, 6to4, NAT64) are judged by it.
    """
    if isinstance(addr, ipaddress.IPv6Address):
        inner = addr.ipv4_mapped or addr.sixtofour
        if inner is None and addr in _NAT64:
            inner = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
        if inner is not None:
            return is_private_ip(inner)
    return addr.is_multicast or not addr.is_global


def private_reason(url: str) -> str | None:
    """Why ``url``'s host is off limits (a short phrase for logs), or None.

    >>> private_reason("http://2130706433/")
    'address 127.0.0.1 is not public'
    """
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return None
    host = unquote(host).rstrip(".").lower()
    if not host:
        return None
    if host in LOCAL_NAMES or host.endswith(LOCAL_SUFFIXES):
        return f"name {host!r} is reserved for local use"
    addr = parse_host_address(host)
    if addr is not None and is_private_ip(addr):
        return f"address {addr} is not public"
    return None


class PrivateAddressError(IgnoreRequest):
    """A request refused because its host is, or resolves to, a private address."""


class PrivateAddressMiddleware:
    """Downloader middleware: refuses requests to private hosts before they are sent.

    Every request passes here, links, seeds, robots.txt and each redirect hop alike, so
    the refusal does not depend on how the crawl reaches the web: through an HTTP proxy
    the proxy would resolve and connect for us. The proxy itself is not a request URL,
    so a proxy on loopback keeps working.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressMiddleware:
        if crawler.settings.getbool("PROVENANCE_ALLOW_PRIVATE_ADDRESSES"):
            raise NotConfigured("PROVENANCE_ALLOW_PRIVATE_ADDRESSES is set")
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_request(self, request: Request) -> None:
        reason = private_reason(request.url)
        if reason is None:
            return
        self.stats.inc_value(f"trail/refused/{REASON}")
        hops = request.meta.get("redirect_urls") or []
        via = f" (redirected from {hops[0]})" if hops else ""
        log.warning("refused %s%s: %s", request.url, via, reason)
        raise PrivateAddressError(f"{REASON}: {request.url}: {reason}")


def _proxy_hosts() -> set[str]:
    """Hosts of the proxies configured in the environment (``http_proxy`` & co.)."""
    hosts = set()
    for url in urllib.request.getproxies().values():
        try:
            host = urlsplit(url if "://" in url else f"http://{url}").hostname
        except ValueError:
            continue
        if host:
            hosts.add(host.lower())
    return hosts


class PrivateAddressResolver(CachingThreadedResolver):
    """Scrapy's caching resolver that refuses names resolving to private addresses.

    Used when the crawler connects itself (no proxy): a public-looking name can point
    at 127.0.0.1 or 10.x. The configured proxies' own names are exempt. The refusal is
    a ``DNSLookupError``, which Twisted reports as "no results"; the names refused are
    kept here, so ``resolved_private`` can give such a failure its real reason.
    """

    def __init__(
        self,
        reactor: Any,
        cache_size: int,
        timeout: float,
        allow: bool = False,
        exempt: Iterable[str] = (),
    ) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.allow = allow
        self.exempt = {h.lower() for h in exempt}
        self.refused: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> PrivateAddressResolver:
        s = crawler.settings
        cache_size = s.getint("DNSCACHE_SIZE") if s.getbool("DNSCACHE_ENABLED") else 0
        return cls(
            reactor,
            cache_size,
            s.getfloat("DNS_TIMEOUT"),
            allow=s.getbool("PROVENANCE_ALLOW_PRIVATE_ADDRESSES"),
            exempt=_proxy_hosts(),
        )

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:  # noqa: N802 (Twisted's name)
        d = super().getHostByName(name, timeout)
        if self.allow or name.lower() in self.exempt:
            return d
        return d.addCallback(self._check, name)

    def _check(self, address: str, name: str) -> str:
        try:
            addr = ipaddress.ip_address(address)
        except ValueError:
            return address
        if is_private_ip(addr):
            self.refused[name.lower()] = address
            log.warning("refused %s: it resolves to the private address %s", name, address)
            raise DNSLookupError(f"{name} resolves to the private address {address}")
        return address


def resolved_private(url: str) -> str | None:
    """The private address ``url``'s host resolved to, if our resolver refused it."""
    from twisted.internet import reactor

    resolver = getattr(reactor, "resolver", None)
    if not isinstance(resolver, PrivateAddressResolver):
        return None
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    return resolver.refused.get(host)
