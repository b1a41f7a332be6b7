"""The shared tally (crawler.shared): the same cases in memory and in the real Redis.

Redis tests use database 6 of 127.0.0.1:6379 (``PROVENANCE_TEST_REDIS``), flushed before
each test; they are skipped when Redis is unreachable, unless ``PROVENANCE_REQUIRE_REDIS``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.items import PageItem
from crawler.kinds import FetchStatus, RequestKind
from crawler.middlewares import BudgetMiddleware
from crawler.shared import (
    Admit,
    FailoverTally,
    LocalTally,
    RedisTally,
    Tally,
    join_run,
    redis_client,
)
from crawler.traps import ShapeBudgetMiddleware, TrapRefused
from crawler.urls import normalize_url
from tests.conftest import redis_or_skip

TEST_REDIS = os.environ.get("PROVENANCE_TEST_REDIS", "redis://127.0.0.1:6379/6")


@pytest.fixture
def redis_db() -> Iterator[Any]:
    """A client of the test database, flushed before the test."""
    client = redis_or_skip(TEST_REDIS)
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(params=["local", "redis"])
def tally(request: pytest.FixtureRequest) -> Tally:
    """Each test using it runs on the in-memory tally and on the Redis one."""
    if request.param == "local":
        return LocalTally()
    return RedisTally(request.getfixturevalue("redis_db"), "test:")


def test_counters(tally: Tally) -> None:
    assert tally.get("shape:a", ["sent", "done"]) == [0, 0]
    assert tally.incr("shape:a", {"sent": 2, "done": 1}) == {"sent": 2, "done": 1}
    assert tally.incr("shape:a", {"sent": 1}) == {"sent": 3}
    assert tally.get("shape:a", ["sent", "done", "barren"]) == [3, 1, 0]
    assert tally.get("shape:b", ["sent"]) == [0]


def test_first(tally: Tally) -> None:
    assert [tally.first("trapped", s) for s in ("x", "y", "x", "x")] == [True, True, False, False]
    assert tally.first("other", "x")


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ("abc", [Admit.NEW, Admit.NEW, Admit.FULL]),
        ("aab", [Admit.NEW, Admit.KNOWN, Admit.NEW]),
        ("abca", [Admit.NEW, Admit.NEW, Admit.FULL, Admit.KNOWN]),  # admitted stay admitted
        ("", []),
    ],
)
def test_admit_bounded(tally: Tally, members: str, expected: list[Admit]) -> None:
    assert [tally.admit("outlet:a.test", m, 2) for m in members] == expected


def test_lease_concurrency(tally: Tally) -> None:
    take = [tally.acquire("a.test", t, 2, 0.0, 30) for t in ("t1", "t2", "t3")]
    assert take[:2] == [0, 0] and take[2] > 0
    assert tally.acquire("b.test", "u1", 2, 0.0, 30) == 0  # outlets apart
    tally.release("a.test", "t1")
    assert tally.acquire("a.test", "t3", 2, 0.0, 30) == 0


def test_lease_delay(tally: Tally) -> None:
    assert tally.acquire("a.test", "t1", 5, 0.3, 30) == 0
    wait = tally.acquire("a.test", "t2", 5, 0.3, 30)
    assert 0 < wait <= 0.3
    time.sleep(wait + 0.02)
    assert tally.acquire("a.test", "t2", 5, 0.3, 30) == 0


def test_a_lease_lapses(tally: Tally) -> None:
    """A killed process never releases: its lease frees itself after ``ttl``."""
    assert tally.acquire("a.test", "dead", 1, 0.0, 0.2) == 0
    assert tally.acquire("a.test", "live", 1, 0.0, 0.2) > 0
    time.sleep(0.25)
    assert tally.acquire("a.test", "live", 1, 0.0, 0.2) == 0


def test_leases_hold_across_clients(redis_db: Any) -> None:
    """Eight clients (as eight processes) take and give back leases on one outlet:
    never more than the limit at once."""
    limit, holders, peak, lock = 3, set(), [0], threading.Lock()

    def worker(n: int) -> None:
        tally = RedisTally(redis_client(TEST_REDIS), "test:")
        for i in range(25):
            token = f"{n}-{i}"
            while (wait := tally.acquire("a.test", token, limit, 0.0, 30)) > 0:
                time.sleep(wait / 5)
            with lock:
                holders.add(token)
                peak[0] = max(peak[0], len(holders))
            time.sleep(0.002)
            with lock:
                holders.discard(token)
            tally.release("a.test", token)
        tally.client.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == limit


def test_a_crawl_run_is_joined_while_a_process_lives(redis_db: Any) -> None:
    run = join_run(redis_db)
    assert join_run(redis_db) == run  # a second process joins
    redis_db.delete("provenance:crawl")  # every process gone for RUN_TTL
    assert join_run(redis_db) != run  # the next run starts fresh


def test_lost_redis_is_reported_once_and_the_calls_go_on_locally() -> None:
    lost: list[Exception] = []
    tally = FailoverTally(RedisTally(redis_client("redis://127.0.0.1:1/6"), "x:"), lost.append)
    assert tally.admit("outlet:a.test", "u", 1) == Admit.NEW
    assert tally.admit("outlet:a.test", "v", 1) == Admit.FULL
    assert tally.acquire("a.test", "t", 1, 0.0, 30) == 0
    assert len(lost) == 1 and tally.lost


def _stats() -> MemoryStatsCollector:
    return MemoryStatsCollector(get_crawler())


def _request(url: str, kind: RequestKind = RequestKind.LISTING) -> Request:
    return Request(url, meta={"kind": kind})


def test_the_outlet_budget_holds_across_processes(redis_db: Any) -> None:
    one, two = (
        BudgetMiddleware(_stats(), 2, 60, tally=RedisTally(redis_db, "run:")) for _ in range(2)
    )
    home = Response("http://a.test/", request=_request("http://a.test/", RequestKind.HOME))
    first = list(one.process_spider_output(home, [_request("http://a.test/n/a.html")]))
    urls = ("http://a.test/n/a.html", "http://a.test/n/b.html", "http://a.test/n/c.html")
    second = list(two.process_spider_output(home, [_request(u) for u in urls]))
    assert len(first) == 1 and [r.url for r in second] == list(urls[:2])
    assert two.stats.get_value("trail/skipped/outlet_budget") == 1


def test_trap_counts_hold_across_processes(redis_db: Any) -> None:
    one, two = (ShapeBudgetMiddleware(_stats(), 3, RedisTally(redis_db, "run:")) for _ in "12")
    for n in range(3):
        url = f"http://a.test/list/page/{n}"
        one.process_request(_request(url))
        one.outcome(PageItem(url=url, outlet="a.test", fetch_status=FetchStatus.NOT_ARTICLE,
                             fetched_at=datetime.now(UTC), via=RequestKind.LISTING))  # fmt: skip
    with pytest.raises(TrapRefused) as refused:
        two.process_request(_request("http://a.test/list/page/9"))
    assert refused.value.first  # recorded once, by whichever process refuses first
    with pytest.raises(TrapRefused) as again:
        one.process_request(_request("http://a.test/list/page/10"))
    assert not again.value.first


def test_revisit_state_is_read_from_the_database_when_links_come(sqlite_engine: Any) -> None:
    """With a shared frontier, a page another process stored after this one started is
    known, and skipped until it is due; unknown pages pass."""
    from sqlalchemy.orm import Session

    from crawler.db.models import Page
    from crawler.middlewares import RevisitMiddleware

    crawler = get_crawler(settings_dict={"PROVENANCE_FRONTIER": "redis://127.0.0.1:6379/6"})
    mw = RevisitMiddleware(crawler, str(sqlite_engine.url), lookup=True)
    mw.spider_opened()  # the run starts; then another process stores a page
    with Session(sqlite_engine) as s, s.begin():
        s.add(Page(url="http://a.test/fresh.html", fetch_status="ok", etag='"v1"',
                   next_visit_at=datetime.now(UTC) + timedelta(hours=20)))  # fmt: skip
    assert set(mw.read_known(["http://a.test/fresh.html", "http://a.test/new.html"])) == {
        "http://a.test/fresh.html"
    }
    links = [_request("http://a.test/fresh.html"), _request("http://a.test/new.html")]
    kept = list(mw._admit(links, mw.read_known([normalize_url(r.url) for r in links])))
    assert [r.url for r in kept] == ["http://a.test/new.html"]
    assert crawler.stats.get_value("trail/skipped/fresh") == 1
    seed = _request("http://a.test/fresh.html", RequestKind.SEED)  # seeds: conditionally
    (kept_seed,) = mw._admit([seed], mw.read_known(["http://a.test/fresh.html"]))
    assert kept_seed.headers.get("If-None-Match") == b'"v1"'
    mw.spider_closed()
