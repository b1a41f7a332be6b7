"""Pipeline: match each new article against the stored ones while the crawl runs.

A page found to be a copy gets its credit and canonical links crawled at high priority
(``RequestKind.COPY_SOURCE``), so trails close during the crawl, not the morning after.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crawler.items import PageItem
from crawler.kinds import RequestKind
from crawler.pipelines.store import StorePipeline

log = logging.getLogger(__name__)


class MatchPipeline:
    """Runs ``match_article`` for every stored article, in the store's DB thread."""

    def __init__(self, crawler: Crawler) -> None:
        from crawler.db.matching import match_article  # graph/ never imports Scrapy; we import it

        self.crawler = crawler
        self.match_article = match_article

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MatchPipeline:
        if not crawler.settings.getbool("PROVENANCE_MATCH_ENABLED"):
            raise NotConfigured  # switched off on purpose: no warning
        return cls(crawler)

    def _match(self, store: StorePipeline, article_id: int) -> list[str]:
        assert store.engine is not None
        with Session(store.engine) as session, session.begin():
            result = self.match_article(session, article_id)
        return list(getattr(result, "follow_urls", []) or [])

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem) or item.article_id is None:
            return item
        store = self.crawler.get_item_pipeline(StorePipeline)
        if store is None or store.failed:
            return item
        loop = asyncio.get_running_loop()
        try:
            urls = await loop.run_in_executor(store.executor, self._match, store, item.article_id)
        except SQLAlchemyError as exc:
            # The page is stored; `provenance match` will pick the article up again.
            self.crawler.stats.inc_value("trail/match/errors")
            log.error("matching %s failed: %s", item.final_url, exc)
            return item
        self.crawler.stats.inc_value("trail/match/articles")
        spider = self.crawler.spider
        assert self.crawler.engine is not None and spider is not None
        for url in urls:
            self.crawler.stats.inc_value("trail/match/followed")
            self.crawler.engine.crawl(spider.request(url, RequestKind.COPY_SOURCE))
        return item
