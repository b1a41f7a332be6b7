"""End to end: crawler processes sharing one Redis keep one politeness limit and one page
budget per outlet, read the revisit state from the database, and stop cleanly when
Redis goes away.

The simulated web answers each request 50 ms late, so requests overlap and the server's
access log shows how many each outlet had at once, whichever process sent them. Redis
database 5 of 127.0.0.1:6379 (``PROVENANCE_TEST_REDIS_E2E``), flushed first.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.db.models import CrawlRun
from crawler.db.session import make_engine
from crawler.settings import CONCURRENT_REQUESTS_PER_DOMAIN
from crawler.urls import normalize_url, outlet_of
from tests.conftest import redis_or_skip
from tests.harness import PROVENANCE, ROOT, crawl_args, proxy_env, simulated_web
from tests.simweb.server import Access

pytestmark = pytest.mark.e2e

REDIS_E2E = os.environ.get("PROVENANCE_TEST_REDIS_E2E", "redis://127.0.0.1:6379/5")
BUDGET = 15  # pages per outlet, small enough to be reached on most outlets
LATENCY = 0.05


def peak_concurrency(log: Iterable[Access]) -> dict[str, int]:
    """The most requests any outlet had in flight at one moment, per outlet.

    >>> peak_concurrency([Access("a.test", "http://a.test/1", 0, 2),
    ...                   Access("a.test", "http://a.test/2", 1, 3),
    ...                   Access("a.test", "http://a.test/3", 3, 4)])
    {'a.test': 2}
    """
    events: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for a in log:
        outlet = outlet_of(a.url) or a.host
        events[outlet] += [(a.started, 1), (a.ended, -1)]
    peaks = {}
    for outlet, marks in events.items():
        now = peak = 0
        for _, step in sorted(marks):  # at a tie an end (-1) comes before a start
            now += step
            peak = max(peak, now)
        peaks[outlet] = peak
    return peaks


def _budgeted(web: Any, log: Iterable[Access]) -> dict[str, set[str]]:
    """URLs fetched per outlet that a page budget counts: not robots.txt, not a seed,
    not a redirect's target (those bypass the spider and its budget)."""
    seeds = {normalize_url(s) for s in web.seeds if s.startswith("http")}
    fetched = {a.url for a in log}
    targets = set()
    for url in fetched:
        resp = web.response(url)
        location = dict(resp.headers).get("Location") if resp is not None else None
        if resp is not None and 300 <= resp.status < 400 and location:
            targets.add(normalize_url(location))
    out: dict[str, set[str]] = defaultdict(set)
    for url in fetched:
        if url.endswith("/robots.txt") or normalize_url(url) in seeds | targets:
            continue
        out[outlet_of(url) or ""].add(url)
    return out


def _behaviour(web: Any, url: str) -> str | None:
    resp = web.response(url)
    return resp.behaviour if resp is not None else None


@pytest.fixture
def redis_e2e() -> Iterator[str]:
    client = redis_or_skip(REDIS_E2E)
    yield REDIS_E2E
    client.flushdb()
    client.close()


def _start(db_url: str, seeds: Path, proxy: str, *extra: str) -> subprocess.Popen[str]:
    args = crawl_args(db_url, seeds, *extra)
    return subprocess.Popen(
        [*PROVENANCE, *args], cwd=ROOT, env=proxy_env(proxy), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


@pytest.mark.postgres
def test_two_processes_share_politeness_budgets_and_revisit_state(
    pg_fresh_url: str, redis_e2e: str, tmp_path: Path
) -> None:
    with simulated_web(latency=LATENCY) as (web, server):
        valid = [s for s in web.seeds if s.startswith("http")]
        halves = [tmp_path / "a.txt", tmp_path / "b.txt"]
        halves[0].write_text("\n".join(valid[::2]) + "\n")  # different seeds: the two
        halves[1].write_text("\n".join(valid[1::2]) + "\n")  # meet outlets in other orders
        shared = ("--set", f"PROVENANCE_FRONTIER={redis_e2e}",
                  "--set", f"PROVENANCE_MAX_PAGES_PER_OUTLET={BUDGET}")  # fmt: skip
        procs = [_start(pg_fresh_url, seeds, server.url, *shared) for seeds in halves]
        outs = [p.communicate(timeout=900) for p in procs]
        log = list(server.access_log)
    for proc, (_, err) in zip(procs, outs, strict=True):
        assert proc.returncode == 0, err[-3000:]
        assert "Traceback" not in err, err[-3000:]
    assert len(log) > 200
    # A stalled answer ended for the crawler at its timeout (lease given back); the server
    # holds it open until it stops, so its interval in the log is not the crawler's.
    peaks = peak_concurrency(a for a in log if _behaviour(web, a.url) != "stall")
    assert max(peaks.values()) <= CONCURRENT_REQUESTS_PER_DOMAIN, peaks
    assert max(peaks.values()) == CONCURRENT_REQUESTS_PER_DOMAIN  # the limit was reached
    budgeted = _budgeted(web, log)
    over = {o: len(u) for o, u in budgeted.items() if len(u) > BUDGET}
    assert not over, over
    assert sum(len(u) == BUDGET for u in budgeted.values()) >= 5  # budgets were spent
    engine = make_engine(pg_fresh_url)
    with Session(engine) as s:
        runs = list(s.scalars(select(CrawlRun)))
    engine.dispose()
    assert len(runs) == 2
    # the same shared run; pages the other process stored were not fetched again
    assert len({r.stats.get("shared/run") for r in runs}) == 1
    assert sum(r.stats.get("trail/revisit/lookups", 0) for r in runs) > 0
    assert sum(r.stats.get("trail/skipped/fresh", 0) for r in runs) > 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.postgres
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server binary")
def test_redis_lost_mid_crawl_stops_the_crawl_cleanly(pg_fresh_url: str, tmp_path: Path) -> None:
    port = _free_port()
    redis_server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    db_url = pg_fresh_url  # a shared frontier needs a shared database
    try:
        with simulated_web(latency=LATENCY) as (web, server):
            seeds = tmp_path / "seeds.txt"
            seeds.write_text("\n".join(web.seeds) + "\n")
            time.sleep(0.3)  # redis-server up
            proc = _start(db_url, seeds, server.url,
                          "--set", f"PROVENANCE_FRONTIER=redis://127.0.0.1:{port}/0")  # fmt: skip
            deadline = time.monotonic() + 120
            while len(server.access_log) < 30 and time.monotonic() < deadline:
                time.sleep(0.1)
            redis_server.kill()
            _, err = proc.communicate(timeout=300)
            fetched = len(server.access_log)
    finally:
        redis_server.kill()
        redis_server.wait()
    assert proc.returncode == 1, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert "the shared Redis was lost" in err
    assert fetched < 300  # it stopped, rather than crawl the whole web unshared
    engine = make_engine(db_url)
    with Session(engine) as s:
        run = s.scalars(select(CrawlRun)).one()
    engine.dispose()
    # whichever notices first: the shared budgets (shared_state_lost) or the queue
    assert run.stats["finish_reason"] in ("shared_state_lost", "frontier_error")


@pytest.mark.postgres
def test_redis_unreachable_at_start_is_one_line(pg_fresh_url: str, tmp_path: Path) -> None:
    port = _free_port()  # nothing listens there
    with simulated_web() as (web, server):
        seeds = tmp_path / "seeds.txt"
        seeds.write_text("\n".join(web.seeds) + "\n")
        proc = _start(pg_fresh_url, seeds, server.url,
                      "--set", f"PROVENANCE_FRONTIER=redis://127.0.0.1:{port}/0")  # fmt: skip
        _, err = proc.communicate(timeout=300)
        fetched = len(server.access_log)
    assert proc.returncode == 2, err[-3000:]  # refused before the crawl, like any bad option
    assert err.strip().count("\n") == 0 and "cannot be reached" in err, err[-3000:]
    assert fetched == 0
