"""Extension: local matcher processes for the crawl, and the matchers' outbox read back.

Matching runs outside the crawl process (``crawler.matcher``), so its CPU is not taken
from the crawl's reactor and GIL. The crawl stores each article and queues it in the
same transaction (``crawler.db.store``); this extension starts
``PROVENANCE_MATCH_WORKERS`` matcher processes (none when ``PROVENANCE_MATCH_ENABLED``
is off: the queue waits for ``provenance match``), and a thread polls the outbox every
``PROVENANCE_MATCH_POLL`` seconds: credit and canonical links of copies are crawled
first (``RequestKind.COPY_SOURCE``), and each matched article is announced with the
``article_matched`` signal (search discovery reacts to it). A crawl that ends by itself
stays open until the queue is drained; one stopped (budget, SIGINT) leaves it for later.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import maybe_deferred_to_future
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from twisted.internet import reactor, threads

from crawler.db import match_queue
from crawler.db.reuse_models import MatchFollow, MatchQueueEntry
from crawler.db.session import make_engine, resolve_db_url
from crawler.kinds import RequestKind

log = logging.getLogger(__name__)

# Sent with ``article_id`` and ``url`` when a matcher has recorded an article's matching.
article_matched = object()


class LocalMatchers:
    """Starts the crawl's matcher processes and reads the matchers' outbox."""

    def __init__(self, crawler: Crawler, db: str, workers: int, nice: int, poll: float) -> None:
        self.crawler = crawler
        self.db = db
        self.workers = workers
        self.nice = nice
        self.poll = poll
        self.procs: list[subprocess.Popen] = []
        self.engine: Engine | None = None  # writes (outbox takes)
        self.reader: Engine | None = None  # reads on the reactor, never waiting for a lock
        self.stop = threading.Event()
        self.lock = threading.Lock()  # a batch taken from the outbox is delivered before idle
        self.in_flight = 0
        self.thread: threading.Thread | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LocalMatchers:
        s = crawler.settings
        workers = (
            s.getint("PROVENANCE_MATCH_WORKERS") if s.getbool("PROVENANCE_MATCH_ENABLED") else 0
        )
        ext = cls(
            crawler,
            resolve_db_url(s.get("PROVENANCE_DB")),
            max(0, workers),
            s.getint("PROVENANCE_MATCH_NICE"),
            s.getfloat("PROVENANCE_MATCH_POLL", 1.0),
        )
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        from crawler.matcher import spawn

        self.engine = make_engine(self.db, writer=True)
        self.reader = make_engine(self.db)
        if self.workers:
            env = {**os.environ, "PROVENANCE_DB": self.db}  # not in argv: it may hold a password
            self.procs = spawn(None, self.workers, self.nice, os.getpid(), env=env)
            self.crawler.stats.set_value("trail/match/workers", len(self.procs))
            # Once fetching is over the crawl waits for the queue; Scrapy asks again
            # whether it may close every 5 s (no setting exists for it; the engine reads
            # this attribute), which left a drained crawl open for up to 5 s more.
            engine = self.crawler.engine
            if engine is not None:
                interval = engine._SLOT_HEARTBEAT_INTERVAL  # noqa: SLF001
                engine._SLOT_HEARTBEAT_INTERVAL = min(interval, self.poll)  # noqa: SLF001
        self.thread = threading.Thread(target=self._poll, name="match-outbox", daemon=True)
        self.thread.start()

    # -- the outbox ----------------------------------------------------------------------
    def _take(self) -> list[tuple[str, str, int | None]]:
        assert self.engine is not None
        with Session(self.engine) as s, s.begin():
            return match_queue.take(s.connection())

    def _poll(self) -> None:
        """Thread: take the outbox every ``poll`` seconds, deliver it on the reactor."""
        while not self.stop.wait(self.poll):
            with self.lock:
                try:
                    rows = self._take()
                except SQLAlchemyError as exc:
                    self.crawler.stats.inc_value("trail/match/outbox_errors")
                    log.warning("match outbox unreadable: %s", str(exc).splitlines()[0][:200])
                    continue
                if rows:
                    self.in_flight += 1
                    reactor.callFromThread(self._deliver, rows)

    def _deliver(self, rows: list[tuple[str, str, int | None]]) -> None:
        try:
            spider = self.crawler.spider
            engine = self.crawler.engine
            stats = self.crawler.stats
            for kind, url, article_id in rows:
                if kind == match_queue.FOLLOW and spider is not None and engine is not None:
                    stats.inc_value("trail/match/followed")
                    engine.crawl(spider.request(url, RequestKind.COPY_SOURCE))
                elif kind == match_queue.MATCHED:
                    stats.inc_value("trail/match/articles")
                    self.crawler.signals.send_catch_log(
                        article_matched, article_id=article_id, url=url
                    )
        finally:
            with self.lock:
                self.in_flight -= 1

    # -- the end of the crawl ------------------------------------------------------------
    def _waiting(self) -> int:
        """Queued articles and outbox rows (read on the reactor: a count on small tables,
        once per idle check, so the crawl cannot end between a poll and its delivery)."""
        assert self.reader is not None
        with Session(self.reader) as s:
            q = s.scalar(select(func.count()).select_from(MatchQueueEntry)) or 0
            o = s.scalar(select(func.count()).select_from(MatchFollow)) or 0
        return q + o

    def spider_idle(self) -> None:
        if not any(p.poll() is None for p in self.procs):
            return  # no local matcher (off, or all died): the queue waits for the next run
        with self.lock:
            busy = self.in_flight
        try:
            waiting = self._waiting()
        except SQLAlchemyError as exc:
            log.warning("match queue unreadable: %s", str(exc).splitlines()[0][:200])
            return
        if busy or waiting:
            self.crawler.stats.set_value("trail/match/waiting", waiting)
            raise DontCloseSpider

    async def spider_closed(self) -> None:
        from crawler.matcher import stop_all

        self.stop.set()

        def finish() -> None:
            if self.thread is not None:
                self.thread.join()
            stop_all(self.procs)
            for engine in (self.engine, self.reader):
                if engine is not None:
                    engine.dispose()

        await maybe_deferred_to_future(threads.deferToThread(finish))
