"""The baseline for ``make bench-crawl``: a plain Scrapy spider that fetches each URL of a
list and runs trafilatura on it in the callback (the same call, with metadata and links,
that the product makes), and nothing else (no storage, no pool, no link analysis).

Run as ``python -m tests.bench.plain_spider URLS_FILE SETTING=VALUE ...``; prints the
crawl's stats as one JSON line on stdout.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from typing import Any

import scrapy
import trafilatura
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings


class PlainSpider(scrapy.Spider):
    name = "plain"

    def __init__(self, urls_file: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls_file = urls_file

    async def start(self) -> AsyncIterator[scrapy.Request]:
        with open(self.urls_file, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield scrapy.Request(line.strip(), callback=self.parse, errback=self.failed)

    def parse(self, response: scrapy.http.Response) -> None:
        text = getattr(response, "text", None)
        if text is not None:
            # The same trafilatura call as the product (text, metadata, links), so both
            # do the same extraction work and differ only in how they are built.
            trafilatura.bare_extraction(
                text, url=response.url, include_links=True, include_comments=False,
                include_tables=True, deduplicate=False, with_metadata=True,
            )  # fmt: skip
        self.crawler.stats.inc_value("plain/pages")

    def failed(self, failure: Any) -> None:
        self.crawler.stats.inc_value("plain/pages")


def main(argv: list[str]) -> int:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    # Only the politeness and network settings are shared; none of our components.
    for name in ("ITEM_PIPELINES", "EXTENSIONS", "SPIDER_MIDDLEWARES"):
        settings.set(name, {}, priority="cmdline")
    settings.set("DUPEFILTER_CLASS", "scrapy.dupefilters.RFPDupeFilter", priority="cmdline")
    settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    for pair in argv[1:]:
        name, _, value = pair.partition("=")
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PlainSpider)
    process.crawl(crawler, urls_file=argv[0])
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    print(json.dumps({k: v for k, v in stats.items() if isinstance(v, int | float | str)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
