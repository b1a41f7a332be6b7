"""Run the trail spider in this process and report what the run did."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from sqlalchemy.engine import make_url

from crawler.spiders.trail import TrailSpider


@dataclass
class CrawlOutcome:
    run_id: int | None
    reason: str
    stats: dict[str, Any]


def warc_dir_for(db_url: str) -> Path:
    """WARC files live beside a SQLite database file (``x.db`` -> ``x.warc/``)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        db = Path(url.database)
        return db.with_name(db.stem + ".warc")
    return Path("data/warc")


def crawl_settings(
    db_url: str,
    *,
    max_pages: int | None = None,
    depth: int | None = None,
    overrides: Iterable[tuple[str, str]] = (),
    progress: float = 5.0,
    log_level: str = "WARNING",
) -> Settings:
    """The project settings with the command line's choices on top."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("PROVENANCE_DB", db_url, priority="cmdline")
    settings.set("PROVENANCE_WARC_DIR", str(warc_dir_for(db_url)), priority="cmdline")
    settings.set("PROVENANCE_PROGRESS_INTERVAL", progress, priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    if max_pages is not None:
        settings.set("CLOSESPIDER_PAGECOUNT", max_pages, priority="cmdline")
    if depth is not None:
        settings.set("DEPTH_LIMIT", depth, priority="cmdline")
    for name, value in overrides:
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(settings: Settings, seeds_file: str | None, urls: list[str]) -> CrawlOutcome:
    """Crawl from the seeds until the frontier is empty or a budget is spent."""
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(TrailSpider)
    process.crawl(crawler, seeds=seeds_file, urls=" ".join(urls))
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return CrawlOutcome(
        run_id=stats.get("provenance/run_id"),
        reason=str(stats.get("finish_reason", "unknown")),
        stats=stats,
    )
