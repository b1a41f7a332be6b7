"""The trail spider: from seed articles or outlets to every page on their republication trail.

Each page is analysed (main text, metadata, classified links) in the extractor pool; the
spider turns the result into a ``PageItem`` and follow-up requests ordered by
``RequestKind`` priority. Failures come back through ``on_error`` as failed items with
their reason, so every requested URL ends up recorded.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.addresses import resolved_private
from crawler.extraction import compress, sha256
from crawler.extractor import ExtractorPool
from crawler.failures import describe_failure, reason_for
from crawler.feeds import Listing, parse_listing, sitemaps_from_robots
from crawler.frontier import follow_ups
from crawler.items import PageItem
from crawler.kinds import FetchStatus, RequestKind
from crawler.seeds import RejectedSeed, parse_seeds
from crawler.traps import TrapRefused
from crawler.urls import normalize_url, outlet_of
from crawler.warc import WarcLocation, location_of

log = logging.getLogger(__name__)

# Sent with ``request=`` for a request that ends without a page record (robots.txt read
# for its sitemaps, a trap refusal counted but not recorded): a shared frontier
# acknowledges it (crawler.sharedfrontier).
request_unrecorded = object()

HTML_TYPES = ("text/html", "application/xhtml+xml")
XML_TYPES = ("xml", "rss", "atom")


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1")[:255] if value else None


def _warc_fields(location: WarcLocation | None) -> dict[str, Any]:
    if location is None:
        return {}
    return {"warc_file": location.file, "warc_offset": location.offset}


def requested_url(request: Request) -> str:
    """The URL first requested, before any redirect."""
    redirects = request.meta.get("redirect_urls") or [request.url]
    return normalize_url(redirects[0])


class TrailSpider(scrapy.Spider):
    """Crawl republication trails from ``-a seeds=FILE`` and/or ``-a urls="URL URL"``."""

    name = "trail"

    def __init__(self, seeds: str | None = None, urls: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seeds_file = seeds
        self.seed_args = (urls or "").replace(",", " ").split()
        self.seeds_accepted: list[str] = []
        self.seeds_rejected: list[RejectedSeed] = []

    def _seed_lines(self) -> list[str]:
        lines: list[str] = []
        if self.seeds_file:
            try:
                lines = Path(self.seeds_file).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                log.error("cannot read seed file %s: %s", self.seeds_file, exc)
                self.crawler.stats.inc_value("trail/seeds/unreadable_file")
        return lines + self.seed_args

    async def start(self) -> AsyncIterator[Request]:
        self.seeds_accepted, self.seeds_rejected = parse_seeds(self._seed_lines())
        stats = self.crawler.stats
        stats.set_value("trail/seeds/valid", len(self.seeds_accepted))
        stats.set_value("trail/seeds/invalid", len(self.seeds_rejected))
        for bad in self.seeds_rejected:
            log.warning("seed line %d skipped (%s): %r", bad.line_no, bad.reason, bad.text)
        if not self.seeds_accepted:
            log.error("no valid seed URL: nothing to crawl")
        for url in self.seeds_accepted:
            yield self.request(url, RequestKind.SEED)

    def request(self, url: str, kind: RequestKind, **meta: Any) -> Request:
        return Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            priority=kind.priority,
            meta={"kind": kind.value, **meta},
        )

    def _item(self, response: Response, **fields: Any) -> PageItem:
        final = normalize_url(response.url)
        values: dict[str, Any] = {
            "url": requested_url(response.request),
            "final_url": final,
            "outlet": outlet_of(final),
            "fetched_at": datetime.now(UTC),
            "http_status": response.status,
            "content_type": response.headers.get("Content-Type", b"").decode("latin-1")[:255]
            or None,
            "content_length": len(response.body),
            "depth": response.meta.get("depth", 0),
            "via": response.meta.get("kind"),
            "etag": _header(response, b"ETag"),
            "last_modified": _header(response, b"Last-Modified"),
            **_warc_fields(location_of(response)),
        }
        return PageItem(**(values | fields))

    async def parse(self, response: Response) -> AsyncIterator[PageItem | Request]:
        """Requests first, the page's item last (see ``FrontierMiddleware``)."""
        kind = RequestKind(response.meta.get("kind", RequestKind.SEED))
        ctype = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        if response.status == 304:
            yield self._item(response, fetch_status=FetchStatus.NOT_MODIFIED, content_length=None)
            return
        if kind is RequestKind.ROBOTS:
            for sitemap in sitemaps_from_robots(response.body, response.url):
                yield self.request(sitemap, RequestKind.SITEMAP)
            self.crawler.signals.send_catch_log(request_unrecorded, request=response.request)
            return
        if any(t in ctype for t in XML_TYPES) or kind in (RequestKind.FEED, RequestKind.SITEMAP):
            listing = parse_listing(response.body, response.url)
            if listing or not ctype.startswith(HTML_TYPES):
                for item_or_request in self._listing(response, listing):
                    yield item_or_request
                return
        if ctype and not ctype.startswith(HTML_TYPES):
            yield self._item(
                response,
                fetch_status=FetchStatus.FAILED,
                error="not_html",
                error_detail=f"Content-Type {ctype}",
            )
            return
        pool = self.crawler.get_extension(ExtractorPool)
        assert pool is not None, "crawler.extractor.ExtractorPool must be enabled"
        final = normalize_url(response.url)
        analysis = await pool.analyse(response.body, final, ctype or None)
        status = FetchStatus.OK if analysis.article else FetchStatus.NOT_ARTICLE
        if analysis.error:
            status = FetchStatus.FAILED
        else:
            if analysis.reason:  # a listing or a print/AMP alias: links followed, no article
                self.crawler.stats.inc_value(f"trail/not_article/{analysis.reason}")
            # a search result joins the trail once it proves a copy (crawler.search)
            followed = [] if kind is RequestKind.SEARCH else follow_ups(final, analysis)
            for url, next_kind in followed:
                yield self.request(url, next_kind)
        yield self._item(
            response,
            fetch_status=status,
            error=analysis.error or analysis.reason,
            error_detail=analysis.error_detail,
            encoding=analysis.encoding,
            content_hash=analysis.content_hash,
            raw=analysis.raw,
            article=analysis.article,
            links=analysis.links,
        )

    def _listing(self, response: Response, listing: Listing) -> Iterator[PageItem | Request]:
        for url in listing.sitemaps:
            yield self.request(url, RequestKind.SITEMAP)
        for url in listing.pages:
            yield self.request(url, RequestKind.LISTING, lastmod=listing.lastmod.get(url))
        ok = bool(listing)
        yield self._item(
            response,
            fetch_status=FetchStatus.NOT_ARTICLE if ok else FetchStatus.FAILED,
            error=None if ok else "not_html",
            error_detail=None if ok else "neither HTML nor a feed or sitemap",
            content_hash=sha256(response.body),
            raw=compress(response.body),
        )

    def on_error(self, failure: Failure) -> Iterator[PageItem]:
        request: Request = failure.request  # type: ignore[attr-defined]
        if request.meta.get("kind") == RequestKind.ROBOTS or (
            isinstance(failure.value, TrapRefused) and not failure.value.first
        ):
            # robots.txt is read for sitemaps only (its absence is normal); a trap is
            # recorded once, at its first refusal, and the rest are counted
            self.crawler.signals.send_catch_log(request_unrecorded, request=request)
            return
        reason, status = reason_for(failure.value, request.meta, request.url)
        if reason == "dns_error" and resolved_private(request.url):
            reason = "private_address"  # our resolver refused the address it found
        response = getattr(failure.value, "response", None)
        archived = location_of(response if response is not None else request)
        detail = describe_failure(failure)
        log.info("failed %s: %s (%s)", request.url, reason, detail)
        yield PageItem(
            url=requested_url(request),
            final_url=normalize_url(request.url),
            outlet=outlet_of(request.url),
            fetch_status=FetchStatus.FAILED,
            fetched_at=datetime.now(UTC),
            error=reason,
            error_detail=detail,
            http_status=status,
            depth=request.meta.get("depth", 0),
            via=request.meta.get("kind"),
            **_warc_fields(archived),
        )
