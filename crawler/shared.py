"""Crawl state every crawler process shares: budgets, trap counters, per-outlet leases.

One interface, ``Tally``, with two implementations: ``LocalTally`` (a dict in this
process, the default: one process, no Redis, today's speed) and ``RedisTally`` (keys in
the Redis database of ``PROVENANCE_FRONTIER``, the same for all processes on all
machines). The middlewares call a ``Tally`` and never ask which one they hold.

Namespace: every key starts with ``provenance:crawl:<id>:``, in the frontier URL's
database. The id belongs to one crawl run shared by all processes: the first process
to start draws it and every process refreshes it while it runs (``RUN_TTL``); a process
that starts while others run joins their id, and one that starts after all stopped
draws a new one, so a nightly run's budgets start fresh each run. The crawl keys
expire ``KEY_TTL`` after their last write, so Redis keeps no old runs.

Redis lost (down, unreachable, out of memory): ``shared_tally`` logs one line with the
reason, counts ``shared/redis_lost`` in the stats and stops the crawl (finish reason
``shared_state_lost``); the unfinished work stays in the ``frontier`` table for the next
start. It does not go on without sharing: N processes each keeping their own budgets
and politeness would send N times the requests an outlet was promised, and the shared
frontier lives in the same Redis anyway. While the crawl drains, a local tally stands in.
"""

from __future__ import annotations

import logging
import time
import uuid
import weakref
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from enum import IntEnum
from typing import Any

from scrapy.crawler import Crawler

__all__ = [
    "Admit",
    "FailoverTally",
    "LocalTally",
    "RedisTally",
    "Tally",
    "frontier_url",
    "shared_tally",
]

log = logging.getLogger(__name__)

RUN_KEY = "provenance:crawl"  # the id of the crawl run the processes share
RUN_TTL = 120  # seconds the run id outlives its last live process
HEARTBEAT = 20.0  # seconds between refreshes of the run id
KEY_TTL = 3 * 24 * 3600  # seconds a crawl's counters outlive their last write
LOST_REASON = "shared_state_lost"


class Admit(IntEnum):
    """What ``Tally.admit`` did with a member."""

    FULL = 0  # refused: the set holds its limit already
    NEW = 1  # added
    KNOWN = 2  # was there already


class Tally(ABC):
    """Counters, first-seen marks, bounded sets and leases, by key."""

    @abstractmethod
    def incr(self, key: str, fields: Mapping[str, int]) -> dict[str, int]:
        """Add to counters of hash ``key``; their new values."""

    @abstractmethod
    def get(self, key: str, fields: Sequence[str]) -> list[int]:
        """Counters of hash ``key`` (0 when never counted)."""

    @abstractmethod
    def first(self, key: str, member: str) -> bool:
        """Mark ``member`` in set ``key``; whether it is the first to."""

    @abstractmethod
    def admit(self, key: str, member: str, limit: int) -> Admit:
        """Add ``member`` to set ``key`` unless the set already holds ``limit`` members."""

    def admit_many(self, members: Sequence[tuple[str, str]], limit: int) -> list[Admit]:
        """``admit`` for each (key, member), in order."""
        return [self.admit(key, member, limit) for key, member in members]

    @abstractmethod
    def acquire(self, name: str, token: str, limit: int, delay: float, ttl: float) -> float:
        """Take a lease on ``name``: at most ``limit`` holders, starts ``delay`` s apart.

        Returns 0 when taken, else the seconds to wait before asking again. A lease lapses
        after ``ttl`` s unless released (a killed holder's leases free themselves).
        """

    @abstractmethod
    def release(self, name: str, token: str) -> None:
        """Give back the lease ``token`` on ``name``."""


class LocalTally(Tally):
    """The tally in this process's memory."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.counts: dict[str, Counter[str]] = {}
        self.sets: dict[str, set[str]] = {}
        self.leases: dict[str, dict[str, float]] = {}  # name -> token -> expiry
        self.last_start: dict[str, float] = {}

    def incr(self, key: str, fields: Mapping[str, int]) -> dict[str, int]:
        counts = self.counts.setdefault(key, Counter())
        for field, by in fields.items():
            counts[field] += by
        return {field: counts[field] for field in fields}

    def get(self, key: str, fields: Sequence[str]) -> list[int]:
        counts = self.counts.get(key)
        return [counts[f] for f in fields] if counts else [0] * len(fields)

    def first(self, key: str, member: str) -> bool:
        members = self.sets.setdefault(key, set())
        if member in members:
            return False
        members.add(member)
        return True

    def admit(self, key: str, member: str, limit: int) -> Admit:
        members = self.sets.setdefault(key, set())
        if member in members:
            return Admit.KNOWN
        if len(members) >= limit:
            return Admit.FULL
        members.add(member)
        return Admit.NEW

    def acquire(self, name: str, token: str, limit: int, delay: float, ttl: float) -> float:
        now = self.clock()
        held = {t: e for t, e in self.leases.get(name, {}).items() if e > now}
        self.leases[name] = held
        if len(held) >= limit:
            return POLL
        wait = self.last_start.get(name, -delay) + delay - now
        if wait > 0:
            return wait
        held[token] = now + ttl
        self.last_start[name] = now
        return 0.0

    def release(self, name: str, token: str) -> None:
        self.leases.get(name, {}).pop(token, None)


POLL = 0.05  # seconds between asking again for a lease while all are held

# Atomic in Redis (a script runs alone). Time is the Redis server's, so machines whose
# clocks differ still keep the delay. KEYS: leases (a sorted set, token -> expiry ms),
# last start (ms). ARGV: token, limit, delay ms, ttl ms, poll ms.
# Returns 0 when taken, else the milliseconds to wait.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return tonumber(ARGV[5]) end
local delay = tonumber(ARGV[3])
local last = tonumber(redis.call('GET', KEYS[2]) or '-1e18')
if last + delay > now then return last + delay - now end
local ttl = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('SET', KEYS[2], now, 'PX', math.max(delay, 1000))
return 0
"""

# KEYS: the set. ARGV: member, limit, key ttl s. Returns an ``Admit``.
_ADMIT = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 2 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""


class RedisTally(Tally):
    """The tally in Redis, under ``prefix`` (one round trip per call).

    Calls are synchronous, like scrapy-redis's own scheduler calls: a sub-millisecond
    round trip on a LAN; what can take long (waiting for a lease) is the caller's
    business, done between calls without blocking the reactor.
    """

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self._acquire = client.register_script(_ACQUIRE)
        self._admit = client.register_script(_ADMIT)

    def _key(self, key: str) -> str:
        return self.prefix + key

    def incr(self, key: str, fields: Mapping[str, int]) -> dict[str, int]:
        k = self._key(key)
        pipe = self.client.pipeline(transaction=False)
        for field, by in fields.items():
            pipe.hincrby(k, field, by)
        pipe.expire(k, KEY_TTL)
        values = pipe.execute()
        return dict(zip(fields, (int(v) for v in values), strict=False))

    def get(self, key: str, fields: Sequence[str]) -> list[int]:
        return [int(v or 0) for v in self.client.hmget(self._key(key), list(fields))]

    def first(self, key: str, member: str) -> bool:
        k = self._key(key)
        pipe = self.client.pipeline(transaction=False)
        pipe.sadd(k, member)
        pipe.expire(k, KEY_TTL)
        return bool(pipe.execute()[0])

    def admit(self, key: str, member: str, limit: int) -> Admit:
        return Admit(int(self._admit(keys=[self._key(key)], args=[member, limit, KEY_TTL])))

    def admit_many(self, members: Sequence[tuple[str, str]], limit: int) -> list[Admit]:
        if not members:
            return []
        pipe = self.client.pipeline(transaction=False)
        for key, member in members:
            self._admit(keys=[self._key(key)], args=[member, limit, KEY_TTL], client=pipe)
        return [Admit(int(v)) for v in pipe.execute()]

    def acquire(self, name: str, token: str, limit: int, delay: float, ttl: float) -> float:
        keys = [self._key(f"lease:{name}"), self._key(f"last:{name}")]
        args = [token, limit, int(delay * 1000), max(1, int(ttl * 1000)), int(POLL * 1000)]
        return int(self._acquire(keys=keys, args=args)) / 1000

    def release(self, name: str, token: str) -> None:
        self.client.zrem(self._key(f"lease:{name}"), token)


class FailoverTally(Tally):
    """A ``RedisTally`` that, when Redis fails, calls ``on_lost`` once and goes on locally.

    Every call after the loss goes to the ``LocalTally`` at once (no timeouts, no
    tracebacks), so the crawl can drain and stop cleanly.
    """

    def __init__(self, primary: Tally | None, on_lost: Callable[[Exception], None]) -> None:
        self.primary = primary
        self.local = LocalTally()
        self.on_lost = on_lost

    @property
    def lost(self) -> bool:
        return self.primary is None

    def fail(self, exc: Exception) -> None:
        if self.primary is not None:
            self.primary = None
            self.on_lost(exc)

    def _call(self, method: str, *args: Any) -> Any:
        if self.primary is not None:
            import redis

            try:
                return getattr(self.primary, method)(*args)
            except redis.RedisError as exc:
                self.fail(exc)
        return getattr(self.local, method)(*args)

    def incr(self, key: str, fields: Mapping[str, int]) -> dict[str, int]:
        return self._call("incr", key, fields)

    def get(self, key: str, fields: Sequence[str]) -> list[int]:
        return self._call("get", key, fields)

    def first(self, key: str, member: str) -> bool:
        return self._call("first", key, member)

    def admit(self, key: str, member: str, limit: int) -> Admit:
        return self._call("admit", key, member, limit)

    def admit_many(self, members: Sequence[tuple[str, str]], limit: int) -> list[Admit]:
        return self._call("admit_many", members, limit)

    def acquire(self, name: str, token: str, limit: int, delay: float, ttl: float) -> float:
        return self._call("acquire", name, token, limit, delay, ttl)

    def release(self, name: str, token: str) -> None:
        self._call("release", name, token)


def frontier_url(crawler: Crawler) -> str | None:
    """The shared frontier's Redis URL, or None for a crawl in one process."""
    return crawler.settings.get("PROVENANCE_FRONTIER") or None


def redis_client(url: str) -> Any:
    """A Redis client that fails within seconds rather than hanging the reactor."""
    import redis
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url,
        socket_timeout=3,
        socket_connect_timeout=3,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.1), 2),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        health_check_interval=30,
    )


def join_run(client: Any) -> str:
    """The id of the crawl run the live processes share; a new one if none is live."""
    client.set(RUN_KEY, uuid.uuid4().hex[:12], nx=True, ex=RUN_TTL)
    run = client.get(RUN_KEY)
    client.expire(RUN_KEY, RUN_TTL)
    return run.decode() if isinstance(run, bytes) else str(run)


_tallies: weakref.WeakKeyDictionary[Crawler, Tally] = weakref.WeakKeyDictionary()


def shared_tally(crawler: Crawler) -> Tally:
    """The crawl's tally, one per crawler for all its components.

    Local without ``PROVENANCE_FRONTIER``; in Redis with it.
    """
    if crawler in _tallies:
        return _tallies[crawler]
    url = frontier_url(crawler)
    tally: Tally = LocalTally() if url is None else _open_shared(crawler, url)
    _tallies[crawler] = tally
    return tally


def _open_shared(crawler: Crawler, url: str) -> FailoverTally:
    from scrapy import signals
    from scrapy.utils.asyncio import create_looping_call

    stats = crawler.stats
    assert stats is not None
    running = False  # the spider is open: the engine can close it

    def on_lost(exc: Exception) -> None:
        reason = " ".join(str(exc).split())[:300] or exc.__class__.__name__
        log.error(
            "shared crawl state in Redis lost (%s: %s): stopping this crawler; its "
            "unfinished work stays in the frontier table for the next start",
            exc.__class__.__name__,
            reason,
        )
        stats.set_value("shared/redis_lost", 1)
        stats.set_value("shared/redis_lost_reason", f"{exc.__class__.__name__}: {reason}")
        if running:
            _schedule_close(crawler)

    import redis

    client = redis_client(url)
    tally = FailoverTally(None, on_lost)
    try:
        run = join_run(client)
        tally.primary = RedisTally(client, f"{RUN_KEY}:{run}:")
        stats.set_value("shared/run", run)
        log.info("sharing budgets, trap counters and politeness in %s (run %s)", url, run)
    except redis.RedisError as exc:
        on_lost(exc)  # the tally stays local; the crawl stops when the spider opens

    heartbeat: Any = None

    def beat() -> None:
        if tally.lost:
            return
        try:
            client.expire(RUN_KEY, RUN_TTL)
        except redis.RedisError as exc:
            tally.fail(exc)

    def opened() -> None:
        nonlocal heartbeat, running
        running = True
        if tally.lost:
            _schedule_close(crawler)
            return
        heartbeat = create_looping_call(beat)
        heartbeat.start(HEARTBEAT, now=False)

    def closed() -> None:
        nonlocal running
        running = False
        if heartbeat is not None and heartbeat.running:
            heartbeat.stop()
        client.close()

    crawler.signals.connect(opened, signal=signals.spider_opened, weak=False)
    crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
    return tally


def _schedule_close(crawler: Crawler) -> None:
    from scrapy.utils.defer import deferred_from_coro

    assert crawler.engine is not None
    deferred_from_coro(crawler.engine.close_spider_async(reason=LOST_REASON))
