"""A frontier shared by crawler processes on any number of machines (``--frontier redis://...``).

Built on scrapy-redis 0.9: its scheduler (``SCHEDULER_PERSIST`` on) and a subclass of its
Redis dupefilter, with keys namespaced by database so two projects can share one Redis.
Two things scrapy-redis lacks are added here:

* Acknowledgement. scrapy-redis pops a request and forgets it, so a process killed with
  SIGKILL loses what it had popped. Our queue's pop is one Lua script that moves the
  request from the queue into an in-flight hash (its requested URL -> the request, the
  popping process, its score): there is no moment when the request is in neither. The
  entry is acknowledged when the page is recorded (its item stored, dropped or failed)
  or when the request ends without a record (robots.txt, a trap counted, a spider error);
  a request pushed again (a redirect hop, a retry) replaces it in the same script.
* Liveness. Each process registers in the ``processes`` table and beats; at each beat and
  at start, the in-flight work of processes whose heartbeat is older than
  ``PROVENANCE_PROCESS_TIMEOUT`` goes back into the queue, and their ``frontier`` claims
  are released (the ``frontier`` rows, written with the page that found them and deleted
  with the page that records them, are the durable record in the database).

A process stops when the whole frontier (queue and every process's in-flight work) has
been empty for ``PROVENANCE_FRONTIER_IDLE`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from redis import Redis
from redis.exceptions import RedisError
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Response
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from sqlalchemy import Engine, delete
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from twisted.internet import task, threads

from crawler.db import processes
from crawler.db.models import FrontierEntry
from crawler.db.session import make_engine, resolve_db_url
from crawler.items import PageItem
from crawler.urls import normalize_url

log = logging.getLogger(__name__)

__all__ = [
    "AckedPriorityQueue",
    "FrontierError",
    "RedirectAwareRedisDupeFilter",
    "RedisFrontier",
    "SharedFrontier",
    "SharedScheduler",
    "check_frontier_url",
    "frontier_prefix",
    "frontier_settings",
]


class FrontierError(ValueError):
    """A ``--frontier`` the crawl cannot use; the message says why."""


def check_frontier_url(url: str) -> str:
    """``redis://HOST:PORT/N`` (or ``rediss://``, ``unix://``), else ``FrontierError``.

    >>> check_frontier_url("redis://127.0.0.1:6379/2")
    'redis://127.0.0.1:6379/2'
    >>> check_frontier_url("http://x/1")
    Traceback (most recent call last):
    ...
    crawler.sharedfrontier.FrontierError: --frontier takes a redis://HOST:PORT/N URL, not 'http://x/1'
    """
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
        raise FrontierError(f"--frontier takes a redis://HOST:PORT/N URL, not {url!r}")
    return url


def frontier_prefix(db_url: str) -> str:
    """Redis key prefix of one project: its database's name.

    Every process of a crawl reaches the database under its own host name (a container's
    ``postgres``, a laptop's ``127.0.0.1``), so the host is left out; two projects on one
    Redis need databases of different names.

    >>> frontier_prefix("postgresql://u:secret@db.example:5432/media")
    'provenance:media'
    """
    return f"provenance:{make_url(resolve_db_url(db_url)).database}"


def frontier_settings(redis_url: str, db_url: str) -> dict[str, Any]:
    """The Scrapy settings of a crawl on the shared frontier at ``redis_url``."""
    prefix = frontier_prefix(db_url)
    return {
        "PROVENANCE_FRONTIER": redis_url,
        "REDIS_URL": redis_url,
        "SCHEDULER": "crawler.sharedfrontier.SharedScheduler",
        "SCHEDULER_PERSIST": True,  # a process closing leaves the others' queue alone
        "SCHEDULER_QUEUE_CLASS": "crawler.sharedfrontier.AckedPriorityQueue",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:dupefilter",
        # Explicit: Scrapy's default dupefilter has no from_spider (scrapy-redis 293/317).
        "DUPEFILTER_CLASS": "crawler.sharedfrontier.RedirectAwareRedisDupeFilter",
    }


class SharedFrontierAddon:
    """Scrapy add-on: a crawl whose ``PROVENANCE_FRONTIER`` setting is a Redis URL runs on
    the shared frontier, however it is started (``provenance crawl --frontier``,
    ``--set PROVENANCE_FRONTIER=``, or ``scrapy crawl trail -s PROVENANCE_FRONTIER=``).
    The shared frontier's settings take the priority the URL was given with: the
    project's own DUPEFILTER_CLASS (local) must give way to the Redis one."""

    def update_settings(self, settings: Any) -> None:
        url = settings.get("PROVENANCE_FRONTIER")
        if url:
            db_url = resolve_db_url(settings.get("PROVENANCE_DB"))
            priority = settings.getpriority("PROVENANCE_FRONTIER")
            settings.setdict(frontier_settings(url, db_url), priority=priority)


def _requested_url(request: Request) -> str:
    """The URL first requested, before any redirect: what the page is recorded under."""
    return normalize_url((request.meta.get("redirect_urls") or [request.url])[0])


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler, counting its stats the way Scrapy 2.13+ asks (no
    ``spider=`` argument, deprecated: a warning a request otherwise)."""

    def enqueue_request(self, request: Request) -> bool:
        try:
            seen = not request.dont_filter and self.df.request_seen(request)
        except RedisError as exc:
            # An exception here would leave the scraper's slot busy and the crawl unable
            # to close; the request is not lost: its `frontier` row resumes it next start.
            self.queue.ext.redis_failed("dupefilter", exc)
            return False
        if seen:
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Request | None:
        request = self.queue.pop(self.idle_before_close)
        if request and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


class RedirectAwareRedisDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared dupefilter with our redirect rule (see
    ``crawler.middlewares.RedirectAwareDupeFilter``): redirect hops pass, so a loop is
    recorded by ``RedirectLoopMiddleware`` instead of dropped silently."""

    def request_seen(self, request: Request) -> bool:
        if request.meta.get("redirect_urls"):
            return False
        return bool(super().request_seen(request))


# Hand-written Lua (scrapy-redis has no acknowledged queue): each script runs atomically
# in Redis, so a request is always in the queue or in flight, whatever process dies when.
# Members are "<requested URL>\0<serialized request>", so the script knows the URL.
_POP = """
local busy = {}
for i = 3, #ARGV do busy[ARGV[i]] = true end
local m = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1, 'WITHSCORES')
if #m == 0 then return false end
local pick = 1
for i = 1, #m, 2 do
  local host = string.match(m[i], '^%a[%w+.-]*://([^/:?#%z]+)')
  if not (host and busy[host]) then pick = i break end
end
local member, score = m[pick], m[pick + 1]
redis.call('ZREM', KEYS[1], member)
local url = string.sub(member, 1, string.find(member, '\\0', 1, true) - 1)
redis.call('HSET', KEYS[2], url, member)
redis.call('HSET', KEYS[3], url, ARGV[1])
redis.call('HSET', KEYS[4], url, score)
return member
"""
_PUSH = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[3])
redis.call('HDEL', KEYS[3], ARGV[3])
redis.call('HDEL', KEYS[4], ARGV[3])
"""
_PUT_BACK = """
local dead = {}
for i = 1, #ARGV do dead[ARGV[i]] = true end
local owners = redis.call('HGETALL', KEYS[3])
local n = 0
for i = 1, #owners, 2 do
  local url = owners[i]
  if dead[owners[i + 1]] then
    local m = redis.call('HGET', KEYS[2], url)
    if m then
      redis.call('ZADD', KEYS[1], redis.call('HGET', KEYS[4], url) or 0, m)
      n = n + 1
    end
    redis.call('HDEL', KEYS[2], url)
    redis.call('HDEL', KEYS[3], url)
    redis.call('HDEL', KEYS[4], url)
  end
end
return n
"""
_DROP_OWN = """
local owners = redis.call('HGETALL', KEYS[3])
local n = 0
for i = 1, #owners, 2 do
  if owners[i + 1] == ARGV[1] then
    redis.call('HDEL', KEYS[2], owners[i])
    redis.call('HDEL', KEYS[3], owners[i])
    redis.call('HDEL', KEYS[4], owners[i])
    n = n + 1
  end
end
return n
"""


class RedisFrontier:
    """The shared queue with acknowledgement: a sorted set of requests and three hashes of
    in-flight ones (request, owner, score), keyed by requested URL."""

    SCAN = 64  # queued requests a pop looks through for one of a host not busy here

    def __init__(self, server: Redis, prefix: str, process_id: str) -> None:
        self.server = server
        self.process_id = process_id
        self.queue_key = f"{prefix}:requests"
        self.dupefilter_key = f"{prefix}:dupefilter"
        self.flight = [f"{prefix}:inflight:{part}" for part in ("request", "owner", "score")]
        self._pop = server.register_script(_POP)
        self._push = server.register_script(_PUSH)
        self._put_back = server.register_script(_PUT_BACK)
        self._drop_own = server.register_script(_DROP_OWN)

    @property
    def keys(self) -> list[str]:
        return [self.queue_key, *self.flight]

    def push(self, url: str, score: float, data: bytes) -> None:
        self._push(keys=self.keys, args=[score, url.encode() + b"\0" + data, url])

    def pop(self, busy: Iterable[str] = ()) -> bytes | None:
        """The best request whose host is not in ``busy``, among the first ``SCAN`` (else
        the best of all), moved in flight."""
        member = self._pop(keys=self.keys, args=[self.process_id, self.SCAN, *busy])
        return member.split(b"\0", 1)[1] if member else None

    def ack(self, url: str) -> None:
        pipe = self.server.pipeline(transaction=True)
        for key in self.flight:
            pipe.hdel(key, url)
        pipe.execute()

    def put_back(self, owners: list[str]) -> int:
        """Requeue the in-flight work of ``owners`` (dead processes); how many requests."""
        if not owners:
            return 0
        return int(self._put_back(keys=self.keys, args=owners))

    def drop_own(self) -> int:
        """Forget this process's in-flight entries (when it holds no request at all)."""
        return int(self._drop_own(keys=self.keys, args=[self.process_id]))

    def queued(self) -> int:
        return int(self.server.zcard(self.queue_key))

    def in_flight(self) -> dict[str, str]:
        """Requested URL -> the process that holds it, for every process."""
        owners = self.server.hgetall(self.flight[1])
        return {k.decode(): v.decode() for k, v in owners.items()}

    def idle(self) -> bool:
        pipe = self.server.pipeline(transaction=True)
        pipe.zcard(self.queue_key)
        pipe.hlen(self.flight[1])
        queued, flying = pipe.execute()
        return not queued and not flying


class AckedPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop moves the request in flight (see above).

    Fair across outlets as Scrapy's ``DownloaderAwarePriorityQueue`` is in one process:
    one global queue in priority order would hand this process a run of requests for
    one outlet, which then wait in that outlet's downloader slot (2 at a time) while
    the process's other slots stand empty. The pop passes over hosts whose slot here is
    full, taking the best request of another host among the first few dozen.
    """

    def __init__(self, server: Redis, spider: Spider, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        ext = spider.crawler.get_extension(SharedFrontier)
        if ext is None:
            raise NotConfigured("AckedPriorityQueue needs crawler.sharedfrontier.SharedFrontier")
        self.frontier = ext.frontier_for(server)
        self.ext = ext

    def push(self, request: Request) -> None:
        data = self._encode_request(request)
        try:
            self.frontier.push(_requested_url(request), -request.priority, data)
        except RedisError as exc:
            # not lost: its `frontier` row (written with the page that found it) is
            # resumed by the next start
            self.ext.redis_failed("push", exc)
        else:
            self.ext.redis_ok()

    def pop(self, timeout: int = 0) -> Request | None:
        try:
            data = self.frontier.pop(self._busy_hosts())
        except RedisError as exc:
            self.ext.redis_failed("pop", exc)
            return None
        self.ext.redis_ok()
        return self._decode_request(data) if data else None

    def _busy_hosts(self) -> list[str]:
        engine = self.spider.crawler.engine
        if engine is None:
            return []
        slots = engine.downloader.slots
        return [key for key, slot in slots.items() if len(slot.active) >= slot.concurrency]


class SharedFrontier:
    """Extension: registry, heartbeat, acknowledgements, put-back of dead processes' work,
    and the stop when the shared frontier stays idle. On only with ``PROVENANCE_FRONTIER``."""

    def __init__(self, crawler: Crawler, redis_url: str) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.redis_url = redis_url
        self.prefix = frontier_prefix(s.get("PROVENANCE_DB") or "")
        self.interval = s.getfloat("PROVENANCE_HEARTBEAT_INTERVAL", 5.0)
        self.timeout = s.getfloat("PROVENANCE_PROCESS_TIMEOUT", 30.0)
        self.idle_limit = s.getfloat("PROVENANCE_FRONTIER_IDLE", 10.0)
        self.poll = s.getfloat("PROVENANCE_FRONTIER_POLL", 0.5)
        self.process_id = processes.new_process_id()
        self.engine: Engine = make_engine(s.get("PROVENANCE_DB"))
        self.frontier: RedisFrontier | None = None
        self.idle_since: float | None = None
        self.beat: task.LoopingCall | None = None
        self.registered = False
        self.failing_since: float | None = None
        self.stopping = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedFrontier:
        url = crawler.settings.get("PROVENANCE_FRONTIER")
        if not url:
            raise NotConfigured("no shared frontier (PROVENANCE_FRONTIER)")
        ext = cls(crawler, url)
        for handler, signal in (
            (ext.spider_opened, signals.spider_opened),
            (ext.spider_closed, signals.spider_closed),
            (ext.spider_idle, signals.spider_idle),
            (ext.item_done, signals.item_scraped),
            (ext.item_done, signals.item_dropped),
            (ext.item_done, signals.item_error),
            (ext.spider_error, signals.spider_error),
        ):
            crawler.signals.connect(handler, signal=signal)
        from crawler.spiders.trail import request_unrecorded

        crawler.signals.connect(ext.request_done, signal=request_unrecorded)
        return ext

    def frontier_for(self, server: Redis) -> RedisFrontier:
        if self.frontier is None:
            self.frontier = RedisFrontier(server, self.prefix, self.process_id)
        return self.frontier

    # -- Redis down ---------------------------------------------------------------------

    def redis_failed(self, what: str, exc: Exception) -> None:
        """Count and log a failed queue operation; stop the crawl cleanly (reason
        ``frontier_error``) when Redis stays unusable for ``PROVENANCE_PROCESS_TIMEOUT``."""
        self.crawler.stats.inc_value(f"frontier/redis_errors/{what}")
        now = time.monotonic()
        if self.failing_since is None:
            self.failing_since = now
            log.error("the shared frontier cannot be used (%s): %s", what, exc)
        elif now - self.failing_since > self.timeout and not self.stopping:
            self.stopping = True
            log.error("the shared frontier has been unusable for %.0f s: stopping; the next "
                      "start resumes the work left in the database",
                      now - self.failing_since)  # fmt: skip
            assert self.crawler.engine is not None
            close = self.crawler.engine.close_spider_async(reason="frontier_error")
            asyncio.get_event_loop().create_task(close)

    def redis_ok(self) -> None:
        self.failing_since = None

    # -- acknowledgements -------------------------------------------------------------

    def _ack(self, url: str) -> None:
        if self.frontier is None:
            return
        try:
            self.frontier.ack(url)
        except RedisError as exc:  # the entry stays in flight: put back if we die, else leaks
            self.crawler.stats.inc_value("frontier/ack_errors")
            log.warning("cannot acknowledge %s in the shared frontier: %s", url, exc)

    def item_done(self, item: Any, **_: Any) -> None:
        if isinstance(item, PageItem):
            self._ack(item.url)

    def request_done(self, request: Request) -> None:
        self._ack(_requested_url(request))

    def spider_error(self, failure: Any, response: Response, **_: Any) -> None:
        self._ack(_requested_url(response.request))

    # -- registry and heartbeat -------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        from crawler.runs import RunRecorder

        # Scrapy asks an idle scheduler again every 5 s (its slot heartbeat): alone, a
        # process finds its own new requests at once, but here the work comes from the
        # others, and 5 s idle a time left processes standing while the queue filled.
        # No setting exists for it; the engine reads this attribute when requests start.
        if self.crawler.engine is not None:
            self.crawler.engine._SLOT_HEARTBEAT_INTERVAL = self.poll  # noqa: SLF001

        recorder = self.crawler.get_extension(RunRecorder)
        run_id = recorder.run_id if recorder else None
        try:
            with Session(self.engine) as session, session.begin():
                processes.register(session, self.process_id, "crawler", run_id)
            self.registered = True
        except SQLAlchemyError as exc:
            log.error("cannot register this process in the database: %s", exc)
        self._recover()  # the work of processes that died before we started
        self.beat = task.LoopingCall(self._heartbeat)
        self.beat.start(self.interval, now=False).addErrback(
            lambda f: log.error("heartbeat stopped: %s", f.getErrorMessage())
        )
        log.info("shared frontier %s, keys %s:*, process %s", self.redis_url, self.prefix,
                 self.process_id)  # fmt: skip

    def _heartbeat(self) -> Any:
        return threads.deferToThread(self._beat_and_recover)

    def _beat_and_recover(self) -> None:
        try:
            with Session(self.engine) as session, session.begin():
                if not processes.heartbeat(session, self.process_id):
                    # judged dead (a long pause): our work was put back; join again
                    self.crawler.stats.inc_value("frontier/registered_again")
                    processes.register(session, self.process_id, "crawler", None)
                if self.frontier is not None:
                    mine = [u for u, p in self.frontier.in_flight().items() if p == self.process_id]
                    processes.claim_frontier(session, self.process_id, mine)
        except (SQLAlchemyError, RedisError) as exc:
            self.crawler.stats.inc_value("frontier/heartbeat_errors")
            log.warning("heartbeat failed: %s", exc)
            return
        self._recover()

    def _recover(self) -> None:
        """Put back the work of dead processes (and of owners never registered), then
        forget them. Redis first: killed in between, the next pass does it again."""
        if self.frontier is None:
            return
        try:
            owners = set(self.frontier.in_flight().values())  # read before the registry
            with Session(self.engine) as session, session.begin():
                dead = processes.dead_processes(session, self.timeout, role="crawler")
                known = {p.id for p, _ in processes.live_processes(session)}
            gone = sorted((owners - known - {self.process_id}) | set(dead))
            if not gone:
                return
            back = self.frontier.put_back(gone)
            with Session(self.engine) as session, session.begin():
                released = processes.release_claims(session, gone)
                processes.forget(session, dead)
        except (SQLAlchemyError, RedisError) as exc:
            self.crawler.stats.inc_value("frontier/recover_errors")
            log.warning("cannot put back the work of dead processes: %s", exc)
            return
        self.crawler.stats.inc_value("frontier/dead_processes", len(gone))
        self.crawler.stats.inc_value("frontier/requests_put_back", back)
        log.warning("put back %d requests (%d frontier claims) of %d dead processes: %s",
                    back, released, len(gone), ", ".join(gone))  # fmt: skip

    # -- stopping ---------------------------------------------------------------------

    def spider_idle(self, spider: Spider) -> None:
        """Keep the process while any process has work or the idle time has not passed."""
        try:
            if self.frontier is not None:
                # Scrapy calls this only when this process holds no request (downloader,
                # scraper and item pipelines empty), so in-flight entries it still owns
                # missed their acknowledgement: they would keep every process waiting.
                leaked = self.frontier.drop_own()
                if leaked:
                    self.crawler.stats.inc_value("frontier/unacknowledged", leaked)
                    log.warning("%d finished requests were not acknowledged", leaked)
            idle = self.frontier is None or self.frontier.idle()
        except RedisError as exc:
            log.warning("cannot read the shared frontier: %s", exc)
            idle = False
        if not idle:
            self.idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_limit:
            raise DontCloseSpider

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.beat is not None and self.beat.running:
            self.beat.stop()
        try:
            self._close(reason)
        finally:
            self.engine.dispose()

    def _close(self, reason: str) -> None:
        if self.frontier is not None:
            try:
                back = self.frontier.put_back([self.process_id])  # e.g. stopped by a budget
                if back:
                    log.info("put back %d requests this process had not finished", back)
                finished = reason == "finished" and self.frontier.idle()
                if finished:
                    # The crawl is over for everyone: the next one starts with an empty
                    # dupefilter (a nightly run fetches pages again), as a single process.
                    self.frontier.server.delete(self.frontier.dupefilter_key)
            except RedisError as exc:
                log.warning("cannot tidy the shared frontier: %s", exc)
                finished = False
        else:
            finished = False
        try:
            with Session(self.engine) as session, session.begin():
                processes.release_claims(session, [self.process_id])
                processes.forget(session, [self.process_id])
                if finished:  # what is left was filtered on the way (duplicates, fresh pages)
                    session.execute(delete(FrontierEntry))
        except SQLAlchemyError as exc:
            log.warning("cannot remove this process from the registry: %s", exc)
