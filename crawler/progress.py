"""Extension: a progress line on stderr every ``PROVENANCE_PROGRESS_INTERVAL`` seconds."""

from __future__ import annotations

import sys
import time

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class Progress:
    """Pages fetched, articles, failures and the pace, for people watching a crawl."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        interval = crawler.settings.getfloat("PROVENANCE_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured  # off unless asked for: no warning
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.interval, now=False)

    def line(self) -> str:
        stats = self.crawler.stats.get_stats()
        ok = stats.get("trail/pages/ok", 0)
        other = stats.get("trail/pages/not_article", 0)
        failed = stats.get("trail/pages/failed", 0)
        done = ok + other + failed
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return (
            f"[{elapsed:6.0f}s] pages {done}  articles {ok}  listings {other}  "
            f"errors {failed}  ({done / elapsed:.1f} pages/s)"
        )

    def report(self) -> None:
        print(self.line(), file=sys.stderr, flush=True)

    def spider_closed(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
