"""Admission control for requests: redirect-aware duplicate filter, per-outlet budgets, traps."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from crawler.db.models import FetchStatus
from crawler.frontier import RequestKind
from crawler.items import PageItem
from crawler.urls import normalize_url, outlet_of, trap_pattern

log = logging.getLogger(__name__)

MAX_URL_LENGTH = 1000


class RedirectAwareDupeFilter(RFPDupeFilter):
    """Lets redirect hops through: Scrapy's redirect limit bounds them.

    With the stock filter, the hop back in a loop (A -> B -> A) is dropped silently as a
    duplicate and A is never recorded; here the loop runs into ``REDIRECT_MAX_TIMES`` and
    A is recorded as ``redirect_loop``.
    """

    def request_seen(self, request: Request) -> bool:
        if request.meta.get("redirect_urls"):
            return False
        return super().request_seen(request)


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
    """Spider middleware: per-outlet page budget and crawler-trap guard.

    Seeds always pass. The first URL refused as a trap in each URL shape is recorded as a
    failed page with reason ``trap``; every refusal is counted in the stats. Counts are
    per process for now; a shared frontier would keep them beside its queue.
    """

    def __init__(self, stats: StatsCollector, per_outlet: int, chain_limit: int) -> None:
        self.stats = stats
        self.per_outlet = per_outlet
        self.chain_limit = chain_limit
        self.admitted: Counter[str] = Counter()
        self.counted: set[str] = set()
        self.trapped_shapes: set[str] = set()
        self.exhausted: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BudgetMiddleware:
        s = crawler.settings
        assert crawler.stats is not None
        return cls(
            crawler.stats,
            s.getint("PROVENANCE_MAX_PAGES_PER_OUTLET"),
            s.getint("PROVENANCE_TRAP_PATTERN_LIMIT"),
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
        yield request

    def _filter(self, response: Response, obj: Any) -> Iterator[Any]:
        if isinstance(obj, Request):
            yield from self._admit(obj, response)
        else:
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
