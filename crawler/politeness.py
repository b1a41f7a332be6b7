"""Per-outlet politeness across every crawler process of a shared crawl.

Scrapy's ``CONCURRENT_REQUESTS_PER_DOMAIN``, ``DOWNLOAD_DELAY`` and AutoThrottle hold per
download slot in one process: N processes send N times as much to an outlet. With a
shared frontier (``PROVENANCE_FRONTIER``) the same two settings also hold per outlet
(registered domain) across all processes: each request takes a lease in Redis before
it is sent (at most ``CONCURRENT_REQUESTS_PER_DOMAIN`` holders, starts at least
``DOWNLOAD_DELAY`` apart) and gives it back when its response or failure comes. Each
process's own slots still apply on top.

Hand-written: scrapy-redis shares the queue and the dupefilter, not politeness, and no
maintained Scrapy plugin shares per-domain limits across processes.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.asyncio import sleep

from crawler.shared import Tally, frontier_url, shared_tally
from crawler.urls import outlet_of

__all__ = ["OutletLeaseMiddleware"]

log = logging.getLogger(__name__)

LEASE_META = "outlet_lease"  # (outlet, token) while a request holds a lease
MAX_SLEEP = 0.25  # seconds: a waiting request asks again at least this often


class OutletLeaseMiddleware:
    """Downloader middleware, last before the download: one shared lease per request.

    Waiting is asynchronous (short sleeps, then ask again), so the reactor and the other
    outlets' requests go on meanwhile. A lease lapses by itself after the download
    timeout and a margin, so the leases of a killed process free themselves; the ones a
    closing process still holds are given back when its spider closes.
    """

    def __init__(
        self, tally: Tally, stats: StatsCollector, concurrency: int, delay: float, ttl: float
    ) -> None:
        self.tally = tally
        self.stats = stats
        self.concurrency = max(1, concurrency)
        self.delay = max(0.0, delay)
        self.ttl = ttl
        self.held: dict[str, str] = {}  # token -> outlet
        self.closed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutletLeaseMiddleware:
        s = crawler.settings
        if frontier_url(crawler) is None:
            raise NotConfigured("one process: Scrapy's own per-slot politeness is enough")
        if not s.getbool("PROVENANCE_OUTLET_LEASES_ENABLED"):
            raise NotConfigured("PROVENANCE_OUTLET_LEASES_ENABLED is off")
        assert crawler.stats is not None
        # A lease is held from here through the process's own slot (its delay, at most
        # AutoThrottle's) and the download (at most its timeout); then it lapses.
        throttled = s.getbool("AUTOTHROTTLE_ENABLED")
        local_delay = s.getfloat("AUTOTHROTTLE_MAX_DELAY") if throttled else 0.0
        mw = cls(
            shared_tally(crawler),
            crawler.stats,
            s.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
            s.getfloat("DOWNLOAD_DELAY"),
            s.getfloat("DOWNLOAD_TIMEOUT") + max(local_delay, s.getfloat("DOWNLOAD_DELAY")) + 30,
        )
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    async def process_request(self, request: Request) -> None:
        outlet = outlet_of(request.url) or "?"
        token = uuid.uuid4().hex
        waited = False
        while wait := self.tally.acquire(outlet, token, self.concurrency, self.delay, self.ttl):
            waited = True
            await sleep(min(wait, MAX_SLEEP))
            if self.closed:  # the spider closed meanwhile: nothing more is sent
                raise IgnoreRequest("crawler closed while waiting for a lease")
        if self.closed:
            self.tally.release(outlet, token)
            raise IgnoreRequest("crawler closed while waiting for a lease")
        if waited:
            self.stats.inc_value("shared/lease/waited")
        self.stats.inc_value("shared/lease/taken")
        self.held[token] = outlet
        request.meta[LEASE_META] = (outlet, token)

    def _give_back(self, request: Request) -> None:
        lease = request.meta.pop(LEASE_META, None)
        if lease is not None and self.held.pop(lease[1], None) is not None:
            self.tally.release(*lease)

    def process_response(self, request: Request, response: Response) -> Response:
        self._give_back(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> Any:
        self._give_back(request)
        return None

    def spider_closed(self) -> None:
        self.closed = True
        for token, outlet in list(self.held.items()):
            self.tally.release(outlet, token)
        self.held.clear()
