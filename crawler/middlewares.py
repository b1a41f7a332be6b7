"""Admission control for requests: duplicates, freshness, budgets, traps, the frontier record."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.signalmanager import SignalManager
from scrapy.statscollectors import StatsCollector
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.db.models import Page
from crawler.db.session import make_engine
from crawler.items import PageItem
from crawler.kinds import FetchStatus, RequestKind
from crawler.revisit import Known, conditional_headers, is_due
from crawler.traps import page_outcome
from crawler.urls import normalize_url, outlet_of, trap_pattern

log = logging.getLogger(__name__)

MAX_URL_LENGTH = 1000


class RedirectAwareDupeFilter(RFPDupeFilter):
    """Lets redirect hops through: ``RedirectLoopMiddleware`` and Scrapy's limit bound them.

    With the stock filter, the hop back in a loop (A -> B -> A) is dropped silently as a
    duplicate and A is never recorded; here the hop back reaches ``RedirectLoopMiddleware``,
    which records A as ``redirect_loop`` without requesting it again.
    """

    def request_seen(self, request: Request) -> bool:
        if request.meta.get("redirect_urls"):
            return False
        return super().request_seen(request)


class RedirectLoopError(IgnoreRequest):
    """A redirect hop back to a URL already in its own redirect chain."""


class RedirectLoopMiddleware:
    """Downloader middleware: refuses a redirect hop to a URL already in its chain.

    A -> B -> A is known as a loop when A comes round again, so it costs the two requests
    that showed it (Scrapy's redirect limit alone lets it run ``REDIRECT_MAX_TIMES`` hops).
    The first URL of the chain is recorded with reason ``redirect_loop``.
    """

    def process_request(self, request: Request) -> None:
        hops = request.meta.get("redirect_urls")
        if not hops:
            return
        url = normalize_url(request.url)
        if url in {normalize_url(h) for h in hops}:
            chain = " -> ".join([*hops, request.url])
            raise RedirectLoopError(f"redirect_loop: {chain}"[:1000])


class _OutputFilter:
    """Spider-middleware plumbing for filters that judge each output on its own
    (``_filter``), through both the sync and the async output interfaces."""

    def _filter(self, result: Iterable[Any]) -> Iterator[Any]:
        raise NotImplementedError

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        yield from self._filter(result)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for obj in result:
            for out in self._filter([obj]):
                yield out


class ScheduledFilterMiddleware(_OutputFilter):
    """Spider middleware, first in line: drops requests for URLs this run has scheduled.

    Most links of a page (navigation, sidebars, related articles) lead to URLs the crawl
    took on already: about fifteen a page on the simulated web. Scrapy's dupefilter drops
    them only at the scheduler, after every spider middleware and the frontier record
    have handled them; here they go at once. A URL counts as scheduled when the engine
    schedules it (``request_scheduled``, sent before the dupefilter runs), under the
    dupefilter's own conditions: not a redirect hop, not ``dont_filter``. So this drops
    nothing the dupefilter would have let through. Per process, like the dupefilter's
    fingerprints; a shared frontier will hold both.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.scheduled: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScheduledFilterMiddleware:
        assert crawler.stats is not None
        mw = cls(crawler.stats)
        crawler.signals.connect(mw.request_scheduled, signal=signals.request_scheduled)
        return mw

    def request_scheduled(self, request: Request) -> None:
        if not request.dont_filter and not request.meta.get("redirect_urls"):
            self.scheduled.add(normalize_url(request.url))

    def _filter(self, result: Iterable[Any]) -> Iterator[Any]:
        for obj in result:
            if (
                isinstance(obj, Request)
                and not obj.dont_filter
                and normalize_url(obj.url) in self.scheduled
            ):
                self.stats.inc_value("trail/skipped/scheduled")
                continue
            yield obj


def trap_reason(url: str, parent_url: str | None, chain: int, chain_limit: int) -> str | None:
    """Why ``url`` looks like a crawler trap, or None.

    ``chain`` counts how many pages in a row, up to the parent, had the same URL shape:
    a calendar's "next month" or a self-renewing session link makes an endless chain of
    one shape, while articles, linked from listings, do not.
    """
    if len(url) > MAX_URL_LENGTH:
        return f"URL longer than {MAX_URL_LENGTH} characters"
    segments = [s for s in urlsplit(url).path.split("/") if s]
    repeated = Counter(segments).most_common(1)
    if repeated and repeated[0][1] > 2:
        return f"path segment {repeated[0][0]!r} repeated {repeated[0][1]} times"
    if parent_url and trap_pattern(url) == trap_pattern(parent_url) and chain >= chain_limit:
        return f"{chain + 1} pages in a row of the shape {trap_pattern(url)}"
    return None


class BudgetMiddleware:
    """Spider middleware: per-outlet page budget, crawler-trap guard, fair scheduling.

    Seeds always pass. The first URL refused as a trap in each URL shape is recorded as a
    failed page with reason ``trap``; every refusal is counted in the stats. Counts are
    per process for now; a shared frontier would keep them beside its queue.

    Fair scheduling reuses Scrapy's scheduler rather than replacing it: its default
    ``DownloaderAwarePriorityQueue`` keeps one priority queue per site and serves the
    least busy site first (fair across outlets), and inside a site serves the highest
    priority first. Here the n-th URL admitted in one URL shape loses n - 1 from its
    kind's priority, so within one kind the scheduler takes the first URL of every shape
    before the second of any: a trap's thousand URLs of one shape queue behind the rest
    of the site instead of in front of it (with LIFO queues they went depth first). The
    trap itself is then cut off by ``crawler.traps.ShapeBudgetMiddleware``.
    """

    def __init__(
        self,
        stats: StatsCollector,
        per_outlet: int,
        chain_limit: int,
        signals: SignalManager | None = None,
    ) -> None:
        self.stats = stats
        self.signals = signals
        self.per_outlet = per_outlet
        self.chain_limit = chain_limit
        self.admitted: Counter[str] = Counter()
        self.counted: set[str] = set()
        self.trapped_shapes: set[str] = set()
        self.exhausted: set[str] = set()
        self.per_shape: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BudgetMiddleware:
        s = crawler.settings
        assert crawler.stats is not None
        return cls(
            crawler.stats,
            s.getint("PROVENANCE_MAX_PAGES_PER_OUTLET"),
            s.getint("PROVENANCE_TRAP_PATTERN_LIMIT"),
            crawler.signals,
        )

    def _chain(self, request: Request, response: Response) -> int:
        if trap_pattern(request.url) == trap_pattern(response.url):
            return response.meta.get("shape_chain", 0) + 1
        return 0

    def _admit(self, request: Request, response: Response) -> Iterator[Any]:
        kind = request.meta.get("kind")
        if kind in (RequestKind.SEED, RequestKind.ROBOTS):
            yield request
            return
        chain = self._chain(request, response)
        reason = trap_reason(request.url, response.url, chain, self.chain_limit)
        if reason:
            self.stats.inc_value("trail/skipped/trap")
            shape = trap_pattern(request.url)
            if shape not in self.trapped_shapes:
                self.trapped_shapes.add(shape)
                log.warning("crawler trap at %s: %s", request.url, reason)
                yield PageItem(
                    url=normalize_url(request.url),
                    outlet=outlet_of(request.url),
                    fetch_status=FetchStatus.FAILED,
                    fetched_at=datetime.now(UTC),
                    error="trap",
                    error_detail=reason,
                    via=kind,
                    depth=response.meta.get("depth", 0) + 1,
                )
            return
        request.meta["shape_chain"] = chain
        url = normalize_url(request.url)
        shape = trap_pattern(url)
        if url not in self.counted:
            outlet = outlet_of(url)
            if self.admitted[outlet] >= self.per_outlet:
                self.stats.inc_value("trail/skipped/outlet_budget")
                if outlet not in self.exhausted:
                    self.exhausted.add(outlet)
                    log.warning("outlet budget of %d pages spent on %s", self.per_outlet, outlet)
                return
            self.counted.add(url)
            self.admitted[outlet] += 1
            self.per_shape[shape] += 1
        request.priority -= max(0, self.per_shape[shape] - 1)
        yield request

    def _filter(self, response: Response, obj: Any) -> Iterator[Any]:
        if isinstance(obj, Request):
            yield from self._admit(obj, response)
            return
        if isinstance(obj, PageItem) and self.signals is not None:
            self.signals.send_catch_log(signal=page_outcome, item=obj)
        yield obj

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for obj in result:
            yield from self._filter(response, obj)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for obj in result:
            for out in self._filter(response, obj):
                yield out


class FrontierMiddleware:
    """Spider middleware, last in line: gives each page item the requests its page led to.

    The spider yields a page's requests before its item; what reaches this middleware has
    passed every filter, so the item carries exactly the work the crawl took on, and the
    store writes it to the ``frontier`` table in the page's own transaction.
    """

    def _attach(self, result: Iterable[Any], pending: list[Request]) -> Iterator[Any]:
        for obj in result:
            if isinstance(obj, Request):
                pending.append(obj)
            elif isinstance(obj, PageItem):
                obj.discovered = [
                    (normalize_url(r.url), str(r.meta.get("kind", "")), int(r.meta.get("depth", 0)))
                    for r in pending
                ]
                pending.clear()
            yield obj

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        yield from self._attach(result, [])

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        pending: list[Request] = []
        async for obj in result:
            for out in self._attach([obj], pending):
                yield out


class RevisitMiddleware(_OutputFilter):
    """Spider middleware: drops requests for pages that are not due; makes the rest conditional.

    It reads the revisit state of every stored page once, when the spider opens (a
    snapshot: pages stored during the run are new to it, which is what we want).
    Seeds are always fetched, conditionally.
    """

    def __init__(self, crawler: Crawler, db: str | None) -> None:
        self.crawler = crawler
        self.db = db
        self.known: dict[str, Known] = {}
        self.now = datetime.now(UTC)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RevisitMiddleware:
        if not crawler.settings.getbool("PROVENANCE_REVISIT_ENABLED", True):
            raise NotConfigured
        mw = cls(crawler, crawler.settings.get("PROVENANCE_DB"))
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        return mw

    def spider_opened(self) -> None:
        self.now = datetime.now(UTC)
        engine = make_engine(self.db)
        try:
            with Session(engine) as session:
                rows = session.execute(
                    select(
                        Page.url, Page.next_visit_at, Page.fetched_at, Page.etag, Page.last_modified
                    )  # fmt: skip
                )
                self.known = {r[0]: Known(*r[1:]) for r in rows}
        finally:
            engine.dispose()
        log.info("revisit state of %d known pages loaded", len(self.known))

    def _prepare(self, request: Request) -> Request | None:
        known = self.known.get(normalize_url(request.url))
        kind = request.meta.get("kind")
        if kind not in (RequestKind.SEED, RequestKind.ROBOTS) and not is_due(
            known, self.now, request.meta.get("lastmod")
        ):
            self.crawler.stats.inc_value("trail/skipped/fresh")
            return None
        for name, value in conditional_headers(known).items():
            request.headers.setdefault(name, value)
        if known is not None:
            allowed = request.meta.setdefault("handle_httpstatus_list", [])
            if 304 not in allowed:
                allowed.append(304)
        return request

    def _filter(self, result: Iterable[Any]) -> Iterator[Any]:
        for obj in result:
            if isinstance(obj, Request):
                prepared = self._prepare(obj)
                if prepared is not None:
                    yield prepared
            else:
                yield obj

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for obj in start:
            for out in self._filter([obj]):
                yield out
