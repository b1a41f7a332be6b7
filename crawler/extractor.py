"""Extension: a pool of worker processes for page analysis (trafilatura is CPU-bound).

One crawl process is bound by one core at ~50 ms of extraction per news page; with the
analysis in worker processes the crawl process only does I/O and storage.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from scrapy import signals
from scrapy.crawler import Crawler

from crawler.extraction import Analysis, analyse_page
from crawler.parent import exit_with_parent

log = logging.getLogger(__name__)


def start_worker(parent_pid: int, nice: int) -> None:
    """Worker initializer: leave with the crawl process, and yield the CPU to it.

    Workers fill every core; at a lower priority they leave the crawl process (fetching,
    politeness timing, storage) responsive, which keeps the whole pipeline fed.
    """
    exit_with_parent(parent_pid)
    if nice > 0:
        os.nice(nice)


class ExtractorPool:
    """Runs ``crawler.extraction.analyse_page`` in ``PROVENANCE_EXTRACT_WORKERS`` processes."""

    def __init__(self, workers: int, min_words: int, timeout: float, nice: int = 0) -> None:
        self.workers = workers
        self.min_words = min_words
        self.timeout = timeout
        self.nice = nice
        self._pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractorPool:
        workers = crawler.settings.getint("PROVENANCE_EXTRACT_WORKERS") or os.cpu_count() or 1
        ext = cls(
            workers,
            crawler.settings.getint("PROVENANCE_MIN_WORDS", 50),
            crawler.settings.getfloat("PROVENANCE_EXTRACT_TIMEOUT", 120.0),
            crawler.settings.getint("PROVENANCE_EXTRACT_NICE", 10),
        )
        crawler.signals.connect(ext.close, signal=signals.engine_stopped)
        return ext

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver: forking a process that runs a reactor and threads is unsafe.
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["crawler.extraction"])
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=ctx,
                initializer=start_worker,
                initargs=(os.getpid(), self.nice),
            )
        return self._pool

    async def analyse(self, body: bytes, url: str, content_type: str | None) -> Analysis:
        future = self._executor().submit(analyse_page, body, url, content_type, self.min_words)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except TimeoutError:
            future.cancel()
            return Analysis(error="extract_timeout", error_detail=f"over {self.timeout:.0f} s")
        except BrokenProcessPool as exc:
            # A worker died (out of memory, a crash in a C library): start a fresh pool.
            log.error("extraction worker died on %s: %s", url, exc)
            self._pool = None
            return Analysis(error="extract_crashed", error_detail=str(exc)[:500])

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
