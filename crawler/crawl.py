"""Run the trail spider in this process and report what the run did."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from sqlalchemy.engine import make_url

from crawler.settings import placeholder_contact_url as PLACEHOLDER_CONTACT_URL
from crawler.spiders.trail import TrailSpider
from crawler.urls import is_http_url

__all__ = [
    "PLACEHOLDER_CONTACT_URL",
    "CrawlOutcome",
    "SettingError",
    "check_setting",
    "crawl_settings",
    "run_crawl",
    "user_agent",
    "warc_dir_for",
]


class SettingError(ValueError):
    """A ``--set NAME=VALUE`` that names no setting, or a value of the wrong type."""


@lru_cache(maxsize=1)
def known_settings() -> dict[str, Any]:
    """Every setting name Scrapy and this project define, with its default value."""
    from scrapy.settings import default_settings

    import crawler.settings as project

    known = {k: getattr(default_settings, k) for k in dir(default_settings) if k.isupper()}
    known.update({k: getattr(project, k) for k in dir(project) if k.isupper()})
    return known


_BOOLS = {"true", "false", "1", "0"}  # what Settings.getbool accepts


def check_setting(name: str, value: str) -> None:
    """Refuse an unknown setting name, or a value its default's type cannot hold.

    Booleans take true/false/1/0; numbers must be numbers of 0 or more; dicts JSON
    objects; the contact URL an http(s) URL. Scrapy would otherwise find the mistake
    in the middle of the crawl (or never).

    >>> check_setting("DOWNLOAD_DELAY", "0.5")
    >>> check_setting("DOWNLOAD_DELAY", "abc")
    Traceback (most recent call last):
    ...
    crawler.crawl.SettingError: DOWNLOAD_DELAY takes a number of 0 or more, not 'abc'
    """
    known = known_settings()
    if name not in known:
        raise SettingError(f"unknown setting {name!r} (neither Scrapy's nor PROVENANCE_*)")
    default = known[name]
    if name == "PROVENANCE_CONTACT_URL":
        if not is_http_url(value):
            raise SettingError(f"{name} takes an http(s) URL, not {value!r}")
    elif isinstance(default, bool):
        if value.strip().lower() not in _BOOLS:
            raise SettingError(f"{name} takes true or false (1 or 0), not {value!r}")
    elif isinstance(default, int | float):
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not number >= 0 or math.isinf(number):
            raise SettingError(f"{name} takes a number of 0 or more, not {value!r}")
    elif isinstance(default, dict):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise SettingError(f"{name} takes a JSON object, not {value!r}")


def user_agent(contact_url: str) -> str:
    """The User-Agent naming the operator's contact URL."""
    return f"provenance-crawler/0.1 (+{contact_url})"


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
    frontier: str | None = None,
) -> Settings:
    """The project settings with the command line's choices on top.

    ``frontier`` (a Redis URL) puts the crawl on a shared frontier, see
    ``crawler.sharedfrontier``.
    """
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
    if frontier:  # the scheduler follows (crawler.sharedfrontier.SharedFrontierAddon)
        settings.set("PROVENANCE_FRONTIER", frontier, priority="cmdline")
    overrides = list(overrides)
    for name, value in overrides:
        settings.set(name, value, priority="cmdline")
    if "USER_AGENT" not in dict(overrides):  # the contact URL reaches it however given
        contact = settings.get("PROVENANCE_CONTACT_URL") or PLACEHOLDER_CONTACT_URL
        settings.set("USER_AGENT", user_agent(contact), priority="cmdline")
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
