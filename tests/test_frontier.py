"""The crawl policy, feeds and failure reasons (tables of cases)."""

from __future__ import annotations

import pytest
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import StatsCollector
from scrapy.utils.test import get_crawler

from crawler.extraction import Analysis
from crawler.failures import reason_for
from crawler.feeds import parse_listing, sitemaps_from_robots
from crawler.frontier import follow_ups
from crawler.items import ArticleData, FoundLink
from crawler.kinds import LinkKind, RequestKind
from crawler.middlewares import ScheduledFilterMiddleware

ARTICLE = ArticleData(None, None, None, None, None, None, None, None, "text", "h", 100)


def _kinds(analysis: Analysis, url: str = "http://copy.test/a") -> dict[str, RequestKind]:
    return dict(follow_ups(url, analysis))


@pytest.mark.parametrize(
    ("link", "article", "expected"),
    [
        (FoundLink("http://src.test/a", LinkKind.ATTRIBUTION), True, RequestKind.ATTRIBUTION),
        (FoundLink("http://src.test/a", LinkKind.CANONICAL), True, RequestKind.CANONICAL),
        (FoundLink("http://src.test/a", LinkKind.ORIGINAL_SOURCE), True, RequestKind.CANONICAL),
        (FoundLink("http://other.test/r", LinkKind.BODY), True, RequestKind.BODY_EXTERNAL),
        (FoundLink("http://copy.test/b", LinkKind.BODY), True, RequestKind.RELATED),
        (FoundLink("http://copy.test/b", LinkKind.BODY), False, RequestKind.LISTING),
        (FoundLink("http://partner.test/x/y", LinkKind.BOILERPLATE), True, RequestKind.OUTLET),
    ],
)
def test_follow_ups_by_link_kind(link: FoundLink, article: bool, expected: RequestKind) -> None:
    analysis = Analysis(article=ARTICLE if article else None, links=[link])
    target = "http://partner.test/" if link.kind == LinkKind.BOILERPLATE else link.url
    assert _kinds(analysis)[target] is expected


def test_follow_ups_skip_platforms_and_self_and_add_discovery() -> None:
    analysis = Analysis(
        article=ARTICLE,
        links=[
            FoundLink("https://www.facebook.com/sharer.php?u=1", LinkKind.BOILERPLATE),
            FoundLink("https://twitter.com/someone", LinkKind.BODY),
            FoundLink("http://copy.test/a", LinkKind.CANONICAL),
        ],
        feeds=["http://copy.test/feed"],
        nav_links=["http://copy.test/world"],
    )
    kinds = _kinds(analysis)
    assert not any("facebook" in u or "twitter" in u for u in kinds)
    assert "http://copy.test/a" not in kinds
    assert kinds["http://copy.test/feed"] is RequestKind.FEED
    assert kinds["http://copy.test/world"] is RequestKind.RELATED
    assert kinds["http://copy.test/"] is RequestKind.HOME
    assert kinds["http://copy.test/robots.txt"] is RequestKind.ROBOTS


def test_priorities_put_trails_first() -> None:
    order = [RequestKind.SEED, RequestKind.ATTRIBUTION, RequestKind.COPY_SOURCE,
             RequestKind.BODY_EXTERNAL, RequestKind.FEED, RequestKind.HOME, RequestKind.LISTING,
             RequestKind.RELATED, RequestKind.OUTLET]  # fmt: skip
    priorities = [k.priority for k in order]
    assert priorities == sorted(priorities, reverse=True)


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>
<item><title>a</title><link>http://x.test/a</link></item>
<item><title>b</title><link> /b </link></item></channel></rss>"""
ATOM = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="http://x.test/c"/></entry></feed>"""
URLSET = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>http://x.test/d</loc></url></urlset>"""
INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>http://x.test/s1.xml</loc></sitemap></sitemapindex>"""
ENTITY = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<rss><channel><item><link>&e;</link></item></channel></rss>"""


@pytest.mark.parametrize(
    ("body", "pages", "sitemaps"),
    [
        (RSS, ["http://x.test/a", "http://x.test/b"], []),
        (ATOM, ["http://x.test/c"], []),
        (URLSET, ["http://x.test/d"], []),
        (INDEX, [], ["http://x.test/s1.xml"]),
        (ENTITY, [], []),  # external entities are never resolved
        (b"<html><body>not a feed</body></html>", [], []),
        (b"\x00\x01garbage", [], []),
    ],
)
def test_parse_listing(body: bytes, pages: list[str], sitemaps: list[str]) -> None:
    listing = parse_listing(body, "http://x.test/feed")
    assert (listing.pages, listing.sitemaps) == (pages, sitemaps)


def test_sitemap_lastmod_is_kept() -> None:
    body = URLSET.replace(b"</loc>", b"</loc><lastmod>2025-03-05T10:00:00+01:00</lastmod>")
    listing = parse_listing(body, "http://x.test/sitemap.xml")
    assert listing.lastmod["http://x.test/d"].isoformat() == "2025-03-05T09:00:00+00:00"


def test_sitemaps_from_robots() -> None:
    robots = b"User-agent: *\nDisallow: /private/\nSitemap: http://x.test/sitemap.xml\n"
    assert sitemaps_from_robots(robots, "http://x.test/robots.txt") == ["http://x.test/sitemap.xml"]


def _http_error(status: int) -> HttpError:
    request = Request("http://x.test/a")
    return HttpError(Response("http://x.test/a", status=status, request=request), "error")


@pytest.mark.parametrize(
    ("exc", "meta", "reason"),
    [
        (_http_error(404), {}, "http_404"),
        (_http_error(503), {}, "http_503"),
        (IgnoreRequest("Forbidden by robots.txt"), {}, "robots"),
        (IgnoreRequest("max redirections reached"),
         {"redirect_urls": ["http://x.test/a", "http://x.test/b"]}, "redirect_loop"),
        (IgnoreRequest("max redirections reached"),
         {"redirect_urls": [f"http://x.test/{i}" for i in range(10)]}, "too_many_redirects"),
        (IgnoreRequest("... exceeded DOWNLOAD_MAXSIZE (10 B) during decompression."), {},
         "too_large"),
        (DownloadCancelledError("Received 20 bytes which is larger than download max size (10)"),
         {}, "too_large"),
        (DownloadTimeoutError("took longer than 4.0 seconds"), {}, "timeout"),
        (CannotResolveHostError("nope"), {}, "dns_error"),
        (ValueError("odd"), {}, "valueerror"),
    ],
)  # fmt: skip
def test_reason_for(exc: BaseException, meta: dict, reason: str) -> None:
    url = "http://x.test/a"
    assert reason_for(exc, meta, url)[0] == reason


def _scheduled_filter() -> tuple[ScheduledFilterMiddleware, StatsCollector]:
    crawler = get_crawler(settings_dict={"SPIDER_MIDDLEWARES": {}})
    stats = StatsCollector(crawler)
    return ScheduledFilterMiddleware(stats), stats


@pytest.mark.parametrize(
    ("scheduled", "later", "dropped"),
    [
        # the same page under another spelling: dropped before any other middleware
        (Request("http://a.test/x?utm_source=feed"), Request("http://A.test/x#top"), True),
        (Request("http://a.test/x"), Request("http://a.test/y"), False),
        # what the dupefilter lets through is let through: redirect hops, dont_filter
        (Request("http://a.test/x", meta={"redirect_urls": ["http://a.test/old"]}),
         Request("http://a.test/x"), False),
        (Request("http://a.test/x"), Request("http://a.test/x", dont_filter=True), False),
    ],
)  # fmt: skip
def test_scheduled_filter(scheduled: Request, later: Request, dropped: bool) -> None:
    mw, stats = _scheduled_filter()
    response = Response("http://a.test/")
    assert list(mw.process_spider_output(response, [scheduled])) == [scheduled]
    mw.request_scheduled(scheduled)
    item = object()
    out = list(mw.process_spider_output(response, [later, item]))
    assert out == ([item] if dropped else [later, item])
    assert stats.get_value("trail/skipped/scheduled", 0) == int(dropped)
