"""Extension: one ``crawl_runs`` row per crawl, with its seeds, settings, stats and outcome."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crawler.db.migrate import ensure_current
from crawler.db.models import CrawlRun, FrontierEntry
from crawler.db.session import DatabaseError, make_engine

log = logging.getLogger(__name__)

RECORDED_SETTINGS = (
    "DEPTH_LIMIT",
    "CLOSESPIDER_PAGECOUNT",
    "DOWNLOAD_DELAY",
    "AUTOTHROTTLE_ENABLED",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "ROBOTSTXT_OBEY",
    "USER_AGENT",
    "DOWNLOAD_TIMEOUT",
    "DOWNLOAD_MAXSIZE",
    "PROVENANCE_MAX_PAGES_PER_OUTLET",
    "PROVENANCE_TRAP_PATTERN_LIMIT",
    "PROVENANCE_MIN_WORDS",
    "PROVENANCE_MATCH_ENABLED",
)


def json_safe(value: Any) -> Any:
    """Stats values as JSON: datetimes as ISO 8601, anything odd as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return str(value)


class RunRecorder:
    """Opens a run row when the spider opens and closes it with the finish reason."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.engine = make_engine(crawler.settings.get("PROVENANCE_DB"))
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        settings = {k: json_safe(self.crawler.settings.get(k)) for k in RECORDED_SETTINGS}
        try:
            ensure_current(self.engine)  # `scrapy crawl` has no CLI to migrate first
        except DatabaseError as exc:
            log.error("%s", exc)
            assert self.crawler.engine is not None
            asyncio.get_event_loop().create_task(
                self.crawler.engine.close_spider_async(reason="database_error")
            )
            return
        try:
            with Session(self.engine) as session, session.begin():
                run = CrawlRun(settings=settings, seeds={}, stats={})
                session.add(run)
                session.flush()
                self.run_id = run.id
        except SQLAlchemyError as exc:
            log.error("cannot record the crawl run: %s", exc)
        self.crawler.stats.set_value("provenance/run_id", self.run_id)
        # What the launcher did before the crawl (e.g. WARC files repaired) joins the stats.
        for key, value in self.crawler.settings.getdict("PROVENANCE_RUN_NOTES").items():
            self.crawler.stats.set_value(key, value)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None:
            return
        stats = json_safe(self.crawler.stats.get_stats())
        stats["finish_reason"] = reason
        rejected = [
            {"line": r.line_no, "text": r.text, "reason": r.reason}
            for r in getattr(spider, "seeds_rejected", [])
        ]
        try:
            with Session(self.engine) as session, session.begin():
                run = session.get(CrawlRun, self.run_id)
                if run is not None:
                    run.finished_at = datetime.now(UTC)
                    run.status = reason
                    # With a shared frontier, crawler.sharedfrontier does this once the
                    # frontier of every process is empty.
                    shared = self.crawler.settings.get("PROVENANCE_FRONTIER")
                    if reason == "finished" and not shared:
                        # The queue drained: what is left was filtered on the way (as a
                        # duplicate, a fresh page). Stopped runs keep theirs to resume.
                        session.execute(delete(FrontierEntry))
                    run.stats = stats
                    run.seeds = {
                        "accepted": list(getattr(spider, "seeds_accepted", [])),
                        "rejected": rejected,
                    }
        except SQLAlchemyError as exc:
            log.error("cannot close the crawl run record: %s", exc)
        finally:
            self.engine.dispose()
