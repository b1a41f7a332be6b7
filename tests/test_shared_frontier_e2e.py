"""End to end: 1, 2 and 3 crawler processes on one shared frontier (PostgreSQL + Redis).

Each crawl starts from the same two outlets to a fixed depth on the simulated web. The
several-process crawls must fetch every page once across processes (from the server's
access log), and store the same pages, articles and copy decisions (after
``provenance match --rebuild``) as the single process; one crawler killed with SIGKILL
in the middle must lose nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import redis_or_skip, scratch_database
from tests.harness import provenance, simulated_web
from tests.multicrawl import (
    ORDER_FREE,
    REDIS,
    MultiCrawl,
    flush_frontier,
    holds_work,
    run_crawlers,
    stored,
    write_seed_file,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


def _pages(fetches: Counter[str]) -> Counter[str]:
    return Counter({u: n for u, n in fetches.items() if not u.endswith("/robots.txt")})


def _crawl(server: Any, seeds: Path, processes: int, **kw: Any) -> tuple[MultiCrawl, dict]:
    with scratch_database() as db_url:
        frontier = kw.pop("frontier", REDIS)
        if frontier:
            flush_frontier(frontier, db_url)
        if kw.pop("kill_holding_work", False):
            kw["kill_when"] = holds_work(frontier, db_url)
        crawl = run_crawlers(server, db_url, seeds, processes=processes, frontier=frontier,
                             settings=ORDER_FREE, **kw)  # fmt: skip
        for run in crawl.runs:
            assert run.returncode in (0, -9), run.stderr[-2000:]
        assert provenance(["match", "--rebuild", "--quiet", "--db", db_url]).returncode == 0
        return crawl, stored(db_url)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path, MultiCrawl, dict]]:
    """The simulated web, the seeds, and the single-process crawl everything is held to."""
    redis_or_skip(REDIS).close()
    with simulated_web() as (_, server):
        seeds = write_seed_file(tmp_path_factory.mktemp("shared") / "seeds.txt")
        single, result = _crawl(server, seeds, 1, frontier=None)
        assert len(result["pages"]) > 50 and result["pairs"]
        yield server, seeds, single, result


@pytest.mark.parametrize("processes", [2, 3])
def test_several_processes_fetch_once_and_store_what_one_does(web: Any, processes: int) -> None:
    server, seeds, single, expected = web
    crawl, result = _crawl(server, seeds, processes)
    # robots.txt aside: each process reads it for itself (Scrapy's RobotsTxtMiddleware).
    fetched, baseline = _pages(crawl.fetches()), _pages(single.fetches())
    # Once each: no URL more often than the single process asked for it (that one asks
    # twice only for redirect targets also linked directly, and retries of flaky pages).
    extra = {u: n for u, n in fetched.items() if n > baseline.get(u, 0)}
    assert not extra, f"fetched more often than by one process: {sorted(extra.items())[:10]}"
    assert set(fetched) == set(baseline)
    assert result["pages"] == expected["pages"]
    assert result["articles"] == expected["articles"]
    assert result["pairs"] == expected["pairs"]
    assert result["frontier"] == 0  # everything taken was recorded
    # every request taken was acknowledged when it ended (none left for the idle check)
    assert not any(r.get("frontier/unacknowledged") for r in result["runs"])
    busy = [r for r in crawl.runs if "pages recorded" in r.stdout]
    assert len(busy) == processes


def test_a_crawler_killed_with_sigkill_loses_nothing(web: Any) -> None:
    server, seeds, single, expected = web
    # in the middle, while it has requests in flight
    kill_after = single.seconds * 0.3
    crawl, result = _crawl(server, seeds, 2, kill_after=kill_after, kill_holding_work=True)
    assert crawl.killed == 0 and crawl.runs[0].returncode == -9
    missing = set(expected["pages"]) - set(result["pages"])
    assert not missing, f"lost by the kill: {sorted(missing)[:10]}"
    assert result["articles"] == expected["articles"]
    assert result["pairs"] == expected["pairs"]
    survivor = crawl.runs[1]
    assert survivor.returncode == 0, survivor.stderr[-2000:]
    # the survivor noticed the dead process and put its work back
    assert "dead processes" in survivor.stderr, survivor.stderr[-2000:]


def test_a_nightly_run_shared_by_two_processes(web: Any) -> None:
    """``nightly --frontier`` on two processes: no run lock between them, each due page
    asked for once across both."""
    import subprocess

    from tests.harness import LOOPBACK_SETTINGS, PROVENANCE, ROOT, let_a_night_pass, proxy_env

    server, seeds, _, _ = web
    with scratch_database() as db_url:
        flush_frontier(REDIS, db_url)
        run_crawlers(server, db_url, seeds, processes=2, settings=ORDER_FREE)
        let_a_night_pass(db_url)
        args = ["nightly", "--db", db_url, "--quiet", "--frontier", REDIS]
        quick = ("DEPTH_LIMIT=1", "PROVENANCE_FRONTIER_IDLE=2", "PROVENANCE_HEARTBEAT_INTERVAL=1")
        for setting in (*LOOPBACK_SETTINGS, *ORDER_FREE, *quick):
            args += ["--set", setting]
        before = len(server.access_log)
        procs = [subprocess.Popen([*PROVENANCE, *args], cwd=ROOT, env=proxy_env(server.url),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]  # fmt: skip
        outs = [p.communicate(timeout=300) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [e[-1500:] for _, e in outs]
        asked = _pages(Counter(a.url for a in server.access_log[before:]))
        assert asked and max(asked.values()) == 1
        assert all("pages recorded" in out for out, _ in outs)
