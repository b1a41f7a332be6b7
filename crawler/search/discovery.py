"""Pipeline: find copies that nothing links to, by searching an article's own sentences.

For each article in scope (``PROVENANCE_SEARCH_SCOPE``: seed articles and story roots by
default), a few distinctive passages (``graph.queries.passages``) are sent as exact
phrases to every configured backend, one query after another, stopping early once a
query brings no new candidate. Results whose title and snippet share too few words with
the article are dropped; the rest enter the frontier as ``RequestKind.SEARCH`` and are
matched like any page. A page found this way that turns out to be a copy brings its
outlet onto the trail (home page, robots.txt, hence feeds and sitemaps).

Requests go through Scrapy's engine (``engine.download_async``): the crawl's proxy,
User-Agent, robots.txt rules and WARC archive apply. Each backend keeps its own pace
(``PROVENANCE_SEARCH_DELAY``) and honours 429 / ``Retry-After``; answers are cached in
the database (``search_cache``) with a time to live. Every bad answer is logged and
counted (``search/<backend>/<reason>``); the crawl goes on.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.db import search as db
from crawler.db.models import Article
from crawler.frontier import discovery_urls
from crawler.items import PageItem
from crawler.kinds import RequestKind
from crawler.matchers import article_matched
from crawler.pipelines.store import StorePipeline
from crawler.search.backends import Backend, BackendError, SearchAnswer, SearchResult, parse_specs
from crawler.urls import normalize_url

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_WAIT = 120.0  # longest Retry-After honoured; a longer one ends this query's attempts
RETRIES = 2  # extra attempts after a 429 or engines that did not answer


class _Pace:
    """One request at a time per backend, ``delay`` apart, later when the service says so."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.lock = asyncio.Lock()
        self.next_at = 0.0

    async def wait(self) -> None:
        pause = self.next_at - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)

    def sent(self) -> None:
        self.next_at = max(self.next_at, time.monotonic() + self.delay)

    def hold(self, seconds: float) -> None:
        self.next_at = max(self.next_at, time.monotonic() + seconds)


class SearchDiscovery:
    """Searches for copies of stored articles; reacts to articles as matchers record them
    (``crawler.matchers.article_matched``): decisions are made in other processes."""

    def __init__(self, crawler: Crawler, backends: list[Backend]) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.backends = backends
        self.pace = {b.name: _Pace(b.delay) for b in backends}
        self.scope = {x.strip() for x in s.get("PROVENANCE_SEARCH_SCOPE", "").split(",") if x}
        self.per_article = s.getint("PROVENANCE_SEARCH_QUERIES_PER_ARTICLE")
        self.per_run = s.getint("PROVENANCE_SEARCH_MAX_QUERIES")
        self.fetch_per_query = s.getint("PROVENANCE_SEARCH_FETCH_PER_QUERY")
        self.ttl = s.getfloat("PROVENANCE_SEARCH_CACHE_TTL")
        self.min_overlap = s.getfloat("PROVENANCE_SEARCH_MIN_OVERLAP")
        self.follow = s.getbool("PROVENANCE_SEARCH_FOLLOW_OUTLETS")
        self.only = s.get("PROVENANCE_SEARCH_ARTICLE")  # `provenance discover URL`
        self.sent = 0
        self.searched: set[int] = set()
        self.enqueued: set[str] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.backlog_done = False
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.article_matched, signal=article_matched)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SearchDiscovery:
        spec = crawler.settings.get("PROVENANCE_SEARCH") or os.environ.get("PROVENANCE_SEARCH")
        if not spec:
            raise NotConfigured  # no backend asked for: discovery by links only
        raw_delay = crawler.settings.get("PROVENANCE_SEARCH_DELAY")
        delay = float(raw_delay) if raw_delay not in (None, "") else None
        backends = []
        for part in str(spec).split(","):
            try:
                backends += parse_specs(part, delay)
            except BackendError as exc:
                name = part.partition("=")[0].strip() or "search"
                log.error("search backend skipped: %s", exc)
                crawler.stats.inc_value(f"search/{name}/not_configured")
        if not backends:
            raise NotConfigured("no usable search backend")
        return cls(crawler, backends)

    # -- plumbing ----------------------------------------------------------------------
    async def _db(self, fn: Callable[..., T], *args: Any, write: bool = False) -> T:
        store = self.crawler.get_item_pipeline(StorePipeline)
        assert store is not None and store.engine is not None

        def run() -> T:
            with Session(store.engine) as session:
                if not write:
                    return fn(session, *args)
                with session.begin():
                    return fn(session, *args)

        return await asyncio.get_running_loop().run_in_executor(store.executor, run)

    def _start(self, article_id: int) -> None:
        if article_id in self.searched:
            return
        self.searched.add(article_id)
        self._track(self._guarded(article_id))

    def spider_idle(self) -> None:
        if self.only and not self.searched:
            self._start_only()
        elif not self.only and not self.backlog_done and "roots" in self.scope:
            self.backlog_done = True
            self._track(self._backlog())
        if self.tasks:
            raise DontCloseSpider

    def _track(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _backlog(self) -> None:
        """Stored story roots never searched (a run that fetched nothing new, say)."""
        left = max(0, (self.per_run - self.sent) // max(1, self.per_article))
        for aid in await self._db(db.unsearched_roots, left):
            self._start(aid)

    def _start_only(self) -> None:
        async def begin() -> None:
            url = normalize_url(self.only or "")
            aid = await self._db(lambda s: s.scalar(select(Article.id).where(Article.url == url)))
            if aid is None:
                log.error("discover: %s is not a stored article", url)
                self.stats.inc_value("search/article_unknown")
                return
            self._start(aid)

        self.searched.add(-1)  # started: the idle signal must not start it again
        self._track(begin())

    # -- items -------------------------------------------------------------------------
    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem):
            return item
        store = self.crawler.get_item_pipeline(StorePipeline)
        if store is None or store.failed:
            return item
        if item.via == RequestKind.SEARCH:
            if item.article_id is None:
                self.stats.inc_value("search/results/not_articles")
            return item  # confirmed (or not) once matched: see article_matched
        if item.article_id is None or self.only:
            return item
        wanted: set[int] = set()
        if "all" in self.scope or ("seeds" in self.scope and item.via == RequestKind.SEED):
            wanted.add(item.article_id)
        await self._search(wanted)
        return item

    def article_matched(self, article_id: int, url: str) -> None:
        """A matcher recorded this article's pairs and chains: search its story's root; a
        page that came from a search result and proves a copy brings its outlet."""
        if not self.only:
            self._track(self._matched(article_id, url))

    async def _matched(self, article_id: int, url: str) -> None:
        if await self._db(db.discovered_via, article_id) == RequestKind.SEARCH:
            await self._confirm(article_id, url)
        elif "roots" in self.scope:
            await self._search(await self._db(db.roots_of, article_id))

    async def _search(self, wanted: set[int]) -> None:
        for aid in sorted(wanted - self.searched):
            if await self._db(db.searched, aid):
                self.searched.add(aid)  # an earlier run did it; its answers are cached
                self.stats.inc_value("search/articles/searched_before")
                continue
            self._start(aid)

    async def _confirm(self, article_id: int, url: str) -> None:
        """A page fetched from a search result: a copy brings its outlet onto the trail."""
        if not await self._db(db.is_copy_of_any, article_id):
            self.stats.inc_value("search/results/not_copies")
            return
        self.stats.inc_value("search/copies_confirmed")
        if not self.follow:
            return
        spider = self.crawler.spider
        assert self.crawler.engine is not None and spider is not None
        for home, kind in discovery_urls(url):
            self.crawler.engine.crawl(spider.request(home, kind))

    # -- one article -------------------------------------------------------------------
    async def _guarded(self, article_id: int) -> None:
        try:
            await self._discover(article_id)
        except Exception:  # a bug here must not stop the crawl; counted and logged
            self.stats.inc_value("search/errors")
            log.exception("search for copies of article %d failed", article_id)

    async def _discover(self, article_id: int) -> None:
        from graph.queries import passages, phrase_query
        from graph.shingles import tokenize

        art = await self._db(db.load_article, article_id)
        if art is None:
            return
        stock = await self._db(db.stock_fingerprints)
        phrases = [phrase_query(p) for p in passages(art.text, self.per_article, stock=stock)]
        if not phrases:
            self.stats.inc_value("search/articles/no_passage")
            return
        self.stats.inc_value("search/articles")
        words = set(tokenize(art.title + "\n" + art.text).words)
        own = normalize_url(art.url)
        for n, query in enumerate(phrases):
            new = 0
            for backend in self.backends:
                new += await self._one(art.id, own, words, backend, query)
            self.stats.inc_value("search/queries")
            if n >= 1 and new == 0:
                self.stats.inc_value("search/stopped_early")
                break

    async def _one(
        self, article_id: int, own: str, words: set[str], backend: Backend, query: str
    ) -> int:
        """Ask one backend one query; enqueue the promising results; return how many."""
        from graph.queries import normalise_query, snippet_overlap

        answer, how = await self._ask(backend, query)
        rows: list[dict[str, Any]] = [
            {
                "article_id": article_id,
                "backend": backend.name,
                "query": query,
                "decision": how if answer.ok else answer.error,
            }  # fmt: skip
        ]
        urls = [normalize_url(r.url) for r in answer.results]
        known = await self._db(db.known_urls, urls) | self.enqueued
        spider = self.crawler.spider
        assert self.crawler.engine is not None and spider is not None
        fetched = 0
        for rank, (r, url) in enumerate(zip(answer.results, urls, strict=True), 1):
            overlap = snippet_overlap(f"{r.title}\n{r.snippet}", words)
            if url == own:
                decision = "self"
            elif not url.startswith(("http://", "https://")):
                decision = "not_http"
            elif url in known:
                decision = "known"
            elif overlap < self.min_overlap:
                decision = "low_overlap"
            elif fetched >= self.fetch_per_query:
                decision = "over_budget"
            else:
                decision = "fetched"
                fetched += 1
                self.enqueued.add(url)
                self.crawler.engine.crawl(
                    spider.request(
                        url,
                        RequestKind.SEARCH,
                        search_backend=backend.name,
                        search_query=normalise_query(query),
                    )  # fmt: skip
                )
            self.stats.inc_value(f"search/results/{decision}")
            rows.append(
                {
                    "article_id": article_id,
                    "backend": backend.name,
                    "query": query,
                    "url": url,
                    "rank": rank,
                    "title": r.title[:1000],
                    "snippet": r.snippet[:2000],
                    "overlap": round(overlap, 3),
                    "decision": decision,
                }  # fmt: skip
            )
        await self._db(db.record_hits, rows, write=True)
        return fetched

    async def _ask(self, backend: Backend, query: str) -> tuple[SearchAnswer, str]:
        """The backend's answer, from the cache or the service; ``(answer, "cached"|"ok")``."""
        from graph.queries import normalise_query

        key = normalise_query(query)
        name = backend.name
        cached = await self._db(db.cached_results, name, key)
        if cached is not None:
            self.stats.inc_value(f"search/{name}/cached")
            return SearchAnswer([SearchResult(**r) for r in cached]), "cached"
        pace = self.pace[name]
        answer = SearchAnswer(error="run_budget")
        async with pace.lock:
            for _ in range(1 + RETRIES):
                if self.sent >= self.per_run:
                    self.stats.inc_value("search/run_budget_spent")
                    return SearchAnswer(error="run_budget"), "run_budget"
                await pace.wait()
                self.sent += 1
                self.stats.inc_value(f"search/{name}/requests")
                answer = await self._request(backend, query)
                pace.sent()
                if answer.ok:
                    break
                self.stats.inc_value(f"search/{name}/{answer.error}")
                log.warning("search %s for %s: %s %s", name, query, answer.error, answer.detail)
                if answer.retry_after is None or answer.retry_after > MAX_WAIT:
                    break
                pace.hold(answer.retry_after)
        if answer.ok:
            self.stats.inc_value(f"search/{name}/answers")
            rows = [r.to_json() for r in answer.results]
            await self._db(db.save_results, name, key, rows, self.ttl, write=True)
            return answer, "ok"
        return answer, answer.error or "error"

    async def _request(self, backend: Backend, query: str) -> SearchAnswer:
        from crawler.failures import reason_for

        url, headers = backend.request(query)
        request = Request(
            url,
            headers=headers,
            dont_filter=True,
            priority=RequestKind.SEARCH.priority,
            meta={
                "dont_retry": True,
                "handle_httpstatus_all": True,
                "search_api": backend.name,
                "download_slot": f"search-{backend.name}",
            },  # fmt: skip
        )
        assert self.crawler.engine is not None
        try:
            response: Response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # network trouble of any kind: counted by its reason
            reason, _ = reason_for(exc, request.meta, url)
            return SearchAnswer(error=reason, detail=str(exc)[:200])
        hdrs = {
            k.decode("latin-1").lower(): v.decode("latin-1")
            for k, v in ((k, response.headers.get(k) or b"") for k in response.headers)
        }
        return backend.parse(response.status, hdrs, response.body)
