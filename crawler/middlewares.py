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
from scrapy.utils.asyncio import run_in_thread
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crawler.db.models import Page
from crawler.db.session import make_engine
from crawler.items import PageItem
from crawler.kinds import FetchStatus, RequestKind
from crawler.revisit import Known, conditional_headers, is_due
from crawler.shared import Admit, LocalTally, Tally, frontier_url, shared_tally
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
    kept in a ``crawler.shared.Tally``: in this process, or with a shared frontier in
    Redis, so the budget holds across all processes.

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
        tally: Tally | None = None,
    ) -> None:
        self.stats = stats
        self.signals = signals
        self.per_outlet = per_outlet
        self.chain_limit = chain_limit
        # URLs admitted per outlet, trap shapes recorded, outlets whose budget is spent,
        # URLs admitted per shape: in this process, or shared by all (crawler.shared).
        self.tally = tally if tally is not None else LocalTally()
        self.exhausted: set[str] = set()  # outlets whose spent budget this process saw

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BudgetMiddleware:
        s = crawler.settings
        assert crawler.stats is not None
        return cls(
            crawler.stats,
            s.getint("PROVENANCE_MAX_PAGES_PER_OUTLET"),
            s.getint("PROVENANCE_TRAP_PATTERN_LIMIT"),
            crawler.signals,
            shared_tally(crawler),
        )

    def _chain(self, request: Request, response: Response) -> int:
        if trap_pattern(request.url) == trap_pattern(response.url):
            return response.meta.get("shape_chain", 0) + 1
        return 0

    def _admit(self, requests: list[Request], response: Response) -> Iterator[Any]:
        """A batch of one response's requests judged together (with a shared tally, one
        round trip for the budgets and one or two for the shapes), output in order."""
        plans: list[tuple[Request, str, str, str | None]] = []  # request, url, shape, trap
        for request in requests:
            if request.meta.get("kind") in (RequestKind.SEED, RequestKind.ROBOTS):
                plans.append((request, "", "", None))
                continue
            chain = self._chain(request, response)
            reason = trap_reason(request.url, response.url, chain, self.chain_limit)
            if not reason:
                request.meta["shape_chain"] = chain
            url = normalize_url(request.url)
            plans.append((request, url, trap_pattern(url), reason))
        counted = [url for _, url, _, reason in plans if url and not reason]
        verdicts = iter(self.tally.admit_many([(f"outlet:{outlet_of(u)}", u) for u in counted],
                                              self.per_outlet))  # fmt: skip
        judged = [(*p, next(verdicts) if p[1] and not p[3] else None) for p in plans]
        new = Counter(shape for _, _, shape, _, v in judged if v == Admit.NEW)
        totals = self.tally.incr("shapes", new) if new else {}
        known = sorted({shape for _, _, shape, _, v in judged if v == Admit.KNOWN} - set(totals))
        if known:
            totals |= dict(zip(known, self.tally.get("shapes", known), strict=True))
        seen: Counter[str] = Counter()
        for request, url, shape, reason, verdict in judged:
            if not url:
                yield request
            elif reason:
                yield from self._trapped(request, response, reason)
            elif verdict == Admit.FULL:
                self.stats.inc_value("trail/skipped/outlet_budget")
                outlet = outlet_of(url)
                if outlet not in self.exhausted and self.tally.first("exhausted", outlet):
                    log.warning("outlet budget of %d pages spent on %s", self.per_outlet, outlet)
                self.exhausted.add(outlet)
            else:
                in_shape = totals[shape]
                if verdict == Admit.NEW:  # the n-th new one of its shape in this batch
                    seen[shape] += 1
                    in_shape += seen[shape] - new[shape]
                request.priority -= max(0, in_shape - 1)
                yield request

    def _trapped(self, request: Request, response: Response, reason: str) -> Iterator[PageItem]:
        self.stats.inc_value("trail/skipped/trap")
        if self.tally.first("trapped", trap_pattern(request.url)):
            log.warning("crawler trap at %s: %s", request.url, reason)
            yield PageItem(
                url=normalize_url(request.url),
                outlet=outlet_of(request.url),
                fetch_status=FetchStatus.FAILED,
                fetched_at=datetime.now(UTC),
                error="trap",
                error_detail=reason,
                via=request.meta.get("kind"),
                depth=response.meta.get("depth", 0) + 1,
            )

    def _pass(self, obj: Any) -> Any:
        if isinstance(obj, PageItem) and self.signals is not None:
            self.signals.send_catch_log(signal=page_outcome, item=obj)
        return obj

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        pending: list[Request] = []
        for obj in result:
            if isinstance(obj, Request):
                pending.append(obj)
                continue
            yield from self._admit(pending, response)
            pending = []
            yield self._pass(obj)
        yield from self._admit(pending, response)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        # The spider yields a page's requests before its item: they wait for it (or the
        # end), then are judged in one batch.
        pending: list[Request] = []
        async for obj in result:
            if isinstance(obj, Request):
                pending.append(obj)
                continue
            for out in self._admit(pending, response):
                yield out
            pending = []
            yield self._pass(obj)
        for out in self._admit(pending, response):
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


class RevisitMiddleware:
    """Spider middleware: drops requests for pages that are not due; makes the rest conditional.

    Seeds are always fetched, conditionally. In one process, the revisit state of every
    stored page is read once, when the spider opens (a snapshot: pages stored during the
    run are new to it, and the dupefilter keeps them from being fetched twice). With a
    shared frontier other processes store pages all the time, so the state of a
    response's links is read from the database as they come: one query per response, in
    a worker thread while the reactor goes on. A page another process stored a minute
    ago is then not fetched again. A failed lookup is logged and counted
    (``trail/revisit/db_error``) and its links are treated as never fetched.
    """

    def __init__(self, crawler: Crawler, db: str | None, lookup: bool = False) -> None:
        self.crawler = crawler
        self.db = db
        self.lookup = lookup
        self.known: dict[str, Known] = {}
        self.now = datetime.now(UTC)
        self.engine: Engine | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RevisitMiddleware:
        if not crawler.settings.getbool("PROVENANCE_REVISIT_ENABLED", True):
            raise NotConfigured
        mw = cls(crawler, crawler.settings.get("PROVENANCE_DB"), frontier_url(crawler) is not None)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def spider_opened(self) -> None:
        self.now = datetime.now(UTC)
        if self.lookup:
            self.engine = make_engine(self.db)
            return
        engine = make_engine(self.db)
        try:
            with Session(engine) as session:
                self.known = {r[0]: Known(*r[1:]) for r in session.execute(_KNOWN)}
        finally:
            engine.dispose()
        log.info("revisit state of %d known pages loaded", len(self.known))

    def spider_closed(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def read_known(self, urls: list[str]) -> dict[str, Known]:
        """The revisit state of those of ``urls`` that are stored (blocking: a thread's job)."""
        assert self.engine is not None
        known: dict[str, Known] = {}
        with Session(self.engine) as session:
            for at in range(0, len(urls), LOOKUP_CHUNK):
                rows = session.execute(_KNOWN.where(Page.url.in_(urls[at : at + LOOKUP_CHUNK])))
                known.update({r[0]: Known(*r[1:]) for r in rows})
        self.crawler.stats.inc_value("trail/revisit/lookups")
        return known

    async def _states(self, requests: list[Request]) -> dict[str, Known]:
        if not self.lookup or not requests:
            return self.known
        urls = sorted({normalize_url(r.url) for r in requests})
        try:
            return await run_in_thread(self.read_known, urls)
        except SQLAlchemyError as exc:
            self.crawler.stats.inc_value("trail/revisit/db_error")
            log.warning(
                "revisit state of %d links unreadable (%s); fetching them",
                len(urls),
                " ".join(str(exc.orig if hasattr(exc, "orig") else exc).split())[:200],
            )
            return {}

    def _prepare(self, request: Request, known: Known | None) -> Request | None:
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

    def _admit(self, requests: list[Request], known: dict[str, Known]) -> Iterator[Request]:
        for request in requests:
            prepared = self._prepare(request, known.get(normalize_url(request.url)))
            if prepared is not None:
                yield prepared

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        # The trail spider's synchronous output (its errback) carries no requests; a
        # lookup here would block, so it is one query per request, as rare as they are.
        for obj in result:
            if not isinstance(obj, Request):
                yield obj
                continue
            known = self.known
            if self.lookup and self.engine is not None:
                known = self.read_known([normalize_url(obj.url)])
            yield from self._admit([obj], known)

    async def _batched(self, objs: AsyncIterator[Any], batch: int) -> AsyncIterator[Any]:
        """Requests held back until a non-request comes (the spider yields a page's links
        before its item) or ``batch`` are waiting, then judged together; order kept."""
        pending: list[Request] = []
        async for obj in objs:
            if isinstance(obj, Request):
                pending.append(obj)
                if len(pending) < batch:
                    continue
                obj = None
            if pending:
                for out in self._admit(pending, await self._states(pending)):
                    yield out
                pending = []
            if obj is not None:
                yield obj
        if pending:
            for out in self._admit(pending, await self._states(pending)):
                yield out

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for out in self._batched(result, batch=LOOKUP_CHUNK if self.lookup else 1):
            yield out

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        # One lookup per seed: a start that waits for more seeds must not hold any back.
        async for out in self._batched(start, batch=1):
            yield out


LOOKUP_CHUNK = 500  # URLs per query
_KNOWN = select(Page.url, Page.next_visit_at, Page.fetched_at, Page.etag, Page.last_modified)
