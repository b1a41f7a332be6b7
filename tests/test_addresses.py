"""Private addresses: the classifier (tables of cases), the middleware and the resolver."""

from __future__ import annotations

import ipaddress

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.statscollectors import StatsCollector
from scrapy.utils.test import get_crawler
from twisted.internet import defer
from twisted.internet.base import ThreadedResolver
from twisted.internet.error import DNSLookupError

from crawler.addresses import (
    PrivateAddressError,
    PrivateAddressMiddleware,
    PrivateAddressResolver,
    is_private_ip,
    parse_host_address,
    private_reason,
)
from crawler.failures import reason_for


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),  # one decimal number
        ("0x7f000001", "127.0.0.1"),  # one hex number
        ("0x7f.1", "127.0.0.1"),  # two parts, the last fills three bytes
        ("0177.0.0.1", "127.0.0.1"),  # octal
        ("0177.0.0.01", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),  # three parts, the last fills two bytes
        ("3232235777", "192.168.1.1"),
        ("0xc0.0xa8.0x01.0x01", "192.168.1.1"),
        ("0", "0.0.0.0"),
        ("127.0.0.1.", "127.0.0.1"),  # trailing dot
        ("%31%32%37.0.0.1", "127.0.0.1"),  # percent-encoded
        ("[::1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("fe80::1%25eth0", "fe80::1"),  # zone id dropped
        ("example.test", None),
        ("0x7g.1", None),  # not hex: a name
        ("08.0.0.1", None),  # not octal: a name to the resolver
        ("256.1.1.1", None),  # a part too big
        ("1.2.3.4.5", None),
        ("1.16777216", None),  # the last part too big for its three bytes
        ("", None),
        ("deadbeef", None),
    ],
)
def test_parse_host_address(host: str, address: str | None) -> None:
    parsed = parse_host_address(host)
    assert (str(parsed) if parsed is not None else None) == address


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("127.0.0.1", True),  # loopback
        ("127.255.255.254", True),
        ("10.0.0.1", True),  # private
        ("172.16.5.4", True),
        ("172.31.255.255", True),
        ("172.32.0.1", False),  # just outside 172.16/12
        ("192.168.1.1", True),
        ("169.254.169.254", True),  # link-local (cloud metadata)
        ("100.64.0.1", True),  # shared address space
        ("224.0.0.1", True),  # multicast
        ("239.255.255.250", True),
        ("240.0.0.1", True),  # reserved
        ("255.255.255.255", True),  # broadcast
        ("0.0.0.0", True),  # unspecified
        ("192.0.2.10", True),  # documentation
        ("198.18.0.1", True),  # benchmarking
        ("8.8.8.8", False),
        ("93.184.216.34", False),
        ("::1", True),
        ("::", True),
        ("fe80::1", True),  # link-local
        ("fd00::1", True),  # unique local
        ("fc00::1", True),
        ("ff02::1", True),  # multicast
        ("::ffff:127.0.0.1", True),  # IPv4-mapped
        ("::ffff:8.8.8.8", False),
        ("64:ff9b::7f00:1", True),  # NAT64 of 127.0.0.1
        ("64:ff9b::808:808", False),  # NAT64 of 8.8.8.8
        ("2002:7f00:1::", True),  # 6to4 of 127.0.0.1
        ("2001:db8::1", True),  # documentation
        ("2606:4700:4700::1111", False),
    ],
)
def test_is_private_ip(address: str, private: bool) -> None:
    assert is_private_ip(ipaddress.ip_address(address)) is private


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("http://127.0.0.1/admin", True),
        ("http://127.0.0.1:6379/", True),
        ("http://localhost/", True),
        ("http://LOCALHOST./", True),
        ("http://printer.localhost/", True),
        ("http://metadata.google.internal/computeMetadata/v1/", True),
        ("http://nas.local/", True),
        ("http://10.0.0.1/", True),
        ("http://169.254.169.254/latest/meta-data/", True),
        ("http://2130706433/", True),
        ("http://0x7f.1/", True),
        ("http://0177.0.0.1/", True),
        ("http://127.1/", True),
        ("http://[::1]/", True),
        ("http://[::1]:8080/x", True),
        ("http://[fe80::1]/", True),
        ("http://[::ffff:127.0.0.1]/", True),
        ("http://user:pw@127.0.0.1/", True),
        ("https://10.1.2.3/", True),
        ("http://www.dailyherald.test/a", False),
        ("http://hostile.test/", False),
        ("http://8.8.8.8/", False),
        ("http://[2606:4700:4700::1111]/", False),
        ("http://localhost.example.com/", False),  # a name under a public domain
        ("http://local.test/", False),
        ("http://internal.news.test/", False),
        ("http://[::1/", False),  # unparsable: left to the HTTP stack
    ],
)
def test_private_reason(url: str, refused: bool) -> None:
    assert (private_reason(url) is not None) is refused


def _middleware() -> tuple[PrivateAddressMiddleware, StatsCollector]:
    stats = StatsCollector(get_crawler())
    return PrivateAddressMiddleware(stats), stats


def test_middleware_refuses_before_sending_and_lets_public_hosts_through() -> None:
    mw, stats = _middleware()
    assert mw.process_request(Request("http://www.dailyherald.test/a")) is None
    hop = Request(
        "http://169.254.169.254/latest/", meta={"redirect_urls": ["http://hostile.test/go"]}
    )
    with pytest.raises(PrivateAddressError) as refused:
        mw.process_request(hop)
    assert reason_for(refused.value, hop.meta, hop.url) == ("private_address", None)
    assert stats.get_value("trail/refused/private_address") == 1


def test_middleware_is_off_when_private_addresses_are_allowed() -> None:
    crawler = get_crawler(settings_dict={"PROVENANCE_ALLOW_PRIVATE_ADDRESSES": True})
    with pytest.raises(NotConfigured):
        PrivateAddressMiddleware.from_crawler(crawler)
    crawler = get_crawler(settings_dict={"PROVENANCE_ALLOW_PRIVATE_ADDRESSES": False})
    assert isinstance(PrivateAddressMiddleware.from_crawler(crawler), PrivateAddressMiddleware)


def _resolve(
    monkeypatch: pytest.MonkeyPatch, name: str, address: str, **kw: object
) -> tuple[PrivateAddressResolver, list[object]]:
    """Resolve ``name`` with the system lookup replaced by ``address``."""
    monkeypatch.setattr(
        ThreadedResolver, "getHostByName", lambda self, n, timeout=(): defer.succeed(address)
    )
    resolver = PrivateAddressResolver(None, 0, 1.0, **kw)  # type: ignore[arg-type]
    results: list[object] = []
    resolver.getHostByName(name).addBoth(results.append)
    return resolver, results


@pytest.mark.parametrize(
    ("name", "address", "kw", "refused"),
    [
        ("rebind.example", "127.0.0.1", {}, True),
        ("intranet.example", "10.1.2.3", {}, True),
        ("metadata.example", "169.254.169.254", {}, True),
        ("news.example", "93.184.216.34", {}, False),
        ("proxy.corp", "10.0.0.8", {"exempt": ["proxy.corp"]}, False),  # the proxy's own name
        ("rebind.example", "127.0.0.1", {"allow": True}, False),
    ],
)
def test_resolver_refuses_names_resolving_to_private_addresses(
    monkeypatch: pytest.MonkeyPatch, name: str, address: str, kw: dict, refused: bool
) -> None:
    resolver, results = _resolve(monkeypatch, name, address, **kw)
    (result,) = results
    if refused:
        assert hasattr(result, "check") and result.check(DNSLookupError)  # a Failure
        assert resolver.refused == {name: address}
    else:
        assert result == address and not resolver.refused
