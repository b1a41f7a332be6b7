"""Per-shape page budget: a URL shape that keeps yielding no article gets no more requests.

A trap is a family of URLs of one shape (``trap_pattern``: digits and query values
aside) that a site generates without end: calendars, endless pagination, session-id and
random-number pages, search results. However a trap links its pages (in a chain, as a
tree of five links a page, with random numbers), each of its pages is one more page of
its shape that is not an article. So the budget counts, per shape, the pages fetched
that were not articles (listings, failures); pages stored as articles do not count, so a
site whose articles all share one shape (``/news/world-12345678``) is crawled whole.

The count comes from the items the crawl produced (``page_outcome``, sent by
``BudgetMiddleware`` as the spider yields each page, and ``item_scraped`` for the
failures that reach the pipelines only through the errback); the refusal
happens here, when a request of a spent shape reaches the downloader, so requests queued
before the shape was spent are refused too, without a byte sent. Fair scheduling
(``BudgetMiddleware``) makes sure the trap's pages wait behind other shapes meanwhile.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.items import PageItem
from crawler.kinds import FetchStatus, RequestKind
from crawler.shared import LocalTally, Tally, shared_tally
from crawler.urls import normalize_url, trap_pattern

__all__ = [
    "EXEMPT_KINDS",
    "ShapeBudgetMiddleware",
    "TrapRefused",
    "is_spent",
    "page_outcome",
    "shape_of",
]

log = logging.getLogger(__name__)

# What a site declares or the user asked for is never a trap.
EXEMPT_KINDS = frozenset(
    {RequestKind.SEED, RequestKind.ROBOTS, RequestKind.FEED, RequestKind.SITEMAP, RequestKind.HOME}
)
_PRODUCTIVE = frozenset({FetchStatus.OK, FetchStatus.NOT_MODIFIED})

# Signal (``item=``): a page's item as soon as the spider produced it, before the item
# pipelines; ``item_scraped`` comes only after storage and matching, which a busy
# database can hold back by minutes.
page_outcome = object()


def shape_of(url: str) -> str:
    """The trap shape of ``url`` once session and tracking parameters are dropped."""
    return trap_pattern(normalize_url(url))


class TrapRefused(IgnoreRequest):
    """A request refused as part of a crawler trap; ``first`` for the shape's first."""

    def __init__(self, message: str, first: bool) -> None:
        super().__init__(message)
        self.first = first


def is_spent(limit: int, sent: int, done: int, barren: int) -> bool:
    """Whether a shape with these counts has used up its budget of pages without an article.

    ``sent`` requests let through, ``done`` of them with an outcome, ``barren`` of those
    without an article.

    >>> is_spent(10, sent=12, done=2, barren=2)  # barren so far, ten more in flight
    True
    """
    if barren >= limit:
        return True
    productive = done - barren
    if barren <= productive or barren * 5 < limit:
        return False
    pending = max(0, sent - done)
    return barren + pending - productive >= limit


class ShapeBudgetMiddleware:
    """Downloader middleware: refuses requests of a shape with too many non-article pages.

    A shape is spent when its pages without an article reach the limit. Outcomes arrive
    after extraction, which lags behind the downloader when the machine is busy (a
    trap's small pages can be fetched hundreds ahead of their analysis), so once a shape
    has shown itself barren (a fifth of the limit, and more barren pages than articles)
    the requests still awaiting their outcome count against it too. The first refusal
    in each shape is recorded (reason ``trap``); every refusal is counted in
    ``trail/skipped/trap``. The counts live in a ``crawler.shared.Tally``: in this
    process, or with a shared frontier in Redis, so all processes spend one budget.
    """

    def __init__(self, stats: StatsCollector, limit: int, tally: Tally | None = None) -> None:
        self.stats = stats
        self.limit = limit
        self.tally = tally if tally is not None else LocalTally()
        # URLs whose outcome is counted, to count each once of the two signals that bring
        # it: per process, as each page is fetched by one process.
        self.known: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ShapeBudgetMiddleware:
        limit = crawler.settings.getint("PROVENANCE_MAX_PAGES_PER_SHAPE")
        if limit <= 0:
            raise NotConfigured("PROVENANCE_MAX_PAGES_PER_SHAPE is 0")
        assert crawler.stats is not None
        mw = cls(crawler.stats, limit, shared_tally(crawler))
        crawler.signals.connect(mw.outcome, signal=page_outcome)
        crawler.signals.connect(mw.outcome, signal=signals.item_scraped)
        return mw

    def counts(self, shape: str) -> tuple[int, int, int]:
        """Requests sent, outcomes seen and outcomes without an article, for ``shape``."""
        sent, done, barren = self.tally.get(f"shape:{shape}", _FIELDS)
        return sent, done, barren

    def outcome(self, item: Any) -> None:
        """Count a page's outcome once, from whichever signal brings it first."""
        if not isinstance(item, PageItem) or item.via in EXEMPT_KINDS or item.error == "trap":
            return
        if item.url in self.known:
            return
        self.known.add(item.url)
        barren = int(item.fetch_status not in _PRODUCTIVE)
        self.tally.incr(f"shape:{shape_of(item.url)}", {"done": 1, "barren": barren})

    def spent(self, shape: str) -> bool:
        """Whether ``shape`` has used up its budget of pages without an article."""
        return is_spent(self.limit, *self.counts(shape))

    def process_request(self, request: Request) -> None:
        meta = request.meta
        if meta.get("kind") in EXEMPT_KINDS or meta.get("redirect_urls"):
            return
        shape = shape_of(request.url)
        key = f"shape:{shape}"
        retry = bool(meta.get("retry_times"))  # a retry awaits the same outcome: not counted
        # Counted as sent first and read in the same round trip; taken back if refused.
        sent, done, barren = self.tally.incr(
            key, {"sent": 0 if retry else 1, "done": 0, "barren": 0}
        ).values()
        if not is_spent(self.limit, sent - (not retry), done, barren):
            return
        if not retry:
            self.tally.incr(key, {"sent": -1})
        self.stats.inc_value("trail/skipped/trap")
        first = self.tally.first("refused", shape)
        reason = f"{barren} pages of the shape {shape} without an article"
        if first:
            log.warning("crawler trap at %s: %s", request.url, reason)
        raise TrapRefused(f"trap: {reason}", first)


_FIELDS = ("sent", "done", "barren")
