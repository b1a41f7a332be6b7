"""Pipeline: write each page, its article and links to the database in one transaction."""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scrapy.crawler import Crawler
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from crawler.db.session import make_engine
from crawler.db.store import store_page
from crawler.items import PageItem
from crawler.kinds import FetchStatus
from crawler.runs import RunRecorder

log = logging.getLogger(__name__)


class StorePipeline:
    """Stores every ``PageItem``; sets ``item.article_id`` for the pipelines after it.

    Writes run in one database thread, so the reactor never waits on disk. A write that
    meets a locked or lost database is retried with back-off; if it keeps failing the
    crawl stops (reason ``database_error``) rather than fetch pages it cannot keep.
    """

    def __init__(self, crawler: Crawler, db: str | None, retries: int) -> None:
        self.crawler = crawler
        self.db = db
        self.retries = max(1, retries)
        self.engine: Engine | None = None
        self.executor: ThreadPoolExecutor | None = None
        self.failed = False
        self.outlets: dict[str, int] = {}  # outlet ids by domain, read once

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        s = crawler.settings
        return cls(crawler, s.get("PROVENANCE_DB"), s.getint("PROVENANCE_DB_RETRIES", 4))

    def open_spider(self) -> None:
        self.engine = make_engine(self.db, writer=True)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="provenance-db")

    def close_spider(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True)
        if self.engine is not None:
            self.engine.dispose()

    def _write(self, item: PageItem, run_id: int | None) -> int | None:
        start = time.thread_time()
        try:
            return self._write_retrying(item, run_id)
        finally:  # the storage stage's CPU, for the run's stats (make bench-crawl)
            self.crawler.stats.inc_value("trail/db/cpu_seconds", time.thread_time() - start)

    def _write_retrying(self, item: PageItem, run_id: int | None) -> int | None:
        assert self.engine is not None
        delay = 0.5
        for attempt in range(1, self.retries + 1):
            try:
                with Session(self.engine) as session, session.begin():
                    return store_page(session, item, run_id, self.outlets)
            except OperationalError as exc:
                if attempt == self.retries:
                    raise
                self.crawler.stats.inc_value("trail/db/retries")
                log.warning(
                    "database busy or unreachable (%s); retry %d in %.1f s",
                    str(exc.orig).strip()[:200],
                    attempt,
                    delay,
                )
                time.sleep(delay)
                delay *= 2
        return None  # pragma: no cover

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem) or self.failed:
            return item
        recorder = self.crawler.get_extension(RunRecorder)
        run_id = recorder.run_id if recorder else None
        loop = asyncio.get_running_loop()
        try:
            item.article_id = await loop.run_in_executor(self.executor, self._write, item, run_id)
        except DBAPIError as exc:
            self.failed = True
            self.crawler.stats.inc_value("trail/db/errors")
            log.error(
                "cannot write to the database: %s. Stopping the crawl; pages not yet "
                "stored will be fetched again by the next run.",
                str(exc.orig).strip().splitlines()[0][:300],
            )
            assert self.crawler.engine is not None
            loop.create_task(self.crawler.engine.close_spider_async(reason="database_error"))
            return item
        stats = self.crawler.stats
        stats.inc_value(f"trail/pages/{item.fetch_status}")
        if item.error and item.fetch_status == FetchStatus.FAILED:
            stats.inc_value(f"trail/failed/{item.error}")
        return item
