"""Several crawler processes on one shared frontier (PostgreSQL + Redis) against the
simulated web: used by ``tests/test_shared_frontier_e2e.py`` and ``make bench-scale``."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tests.bench.measure import Measured, run_measured
from tests.harness import PROVENANCE, ROOT, crawl_args, proxy_env

REDIS = os.environ.get("PROVENANCE_TEST_REDIS", "redis://127.0.0.1:6379/1")

# A quick crawl whose pages do not depend on the order they are found in: two outlets'
# trails to a fixed depth (a URL is dropped beyond it before the dupefilter sees it, so
# every URL within it is fetched whatever path reaches it first), with online matching
# off (the credit links of a copy it finds are crawled beyond the depth, and whether it
# finds one depends on which article was stored first); `match --rebuild` matches after.
SEEDS = ("http://steppeinsider.test/", "http://dailyherald.test/")
ORDER_FREE = ("PROVENANCE_MATCH_ENABLED=False",)
SHARED_SETTINGS = (
    "PROVENANCE_FRONTIER_IDLE=3",
    "PROVENANCE_HEARTBEAT_INTERVAL=1",
    "PROVENANCE_PROCESS_TIMEOUT=4",
)


def flush_frontier(redis_url: str, db_url: str) -> None:
    """Delete the shared frontier keys of ``db_url``'s project (and nothing else)."""
    from redis import Redis

    from crawler.sharedfrontier import frontier_prefix

    server = Redis.from_url(redis_url)
    keys = list(server.scan_iter(match=f"{frontier_prefix(db_url)}:*"))
    if keys:
        server.delete(*keys)


@dataclass
class MultiCrawl:
    processes: int
    seconds: float  # wall time from the first start to the last exit
    cpu_seconds: float  # user + system of every process and its workers
    runs: list[Measured]
    access: list[Any]  # the server's access log entries of this crawl
    killed: int | None = None  # index of the process killed with SIGKILL
    notes: dict[str, Any] = field(default_factory=dict)

    def fetches(self) -> Counter[str]:
        return Counter(a.url for a in self.access)


def crawl_args_for(
    db_url: str, seeds: Path, depth: int, frontier: str | None, settings: Sequence[str] = ()
) -> list[str]:
    extra = ["--set", f"DEPTH_LIMIT={depth}", "--no-resume"]
    for setting in settings:
        extra += ["--set", setting]
    if frontier:
        extra += ["--frontier", frontier]
        for setting in SHARED_SETTINGS:
            extra += ["--set", setting]
    return crawl_args(db_url, seeds, *extra)


def run_crawlers(
    server: Any,
    db_url: str,
    seeds: Path,
    *,
    processes: int,
    depth: int = 1,
    frontier: str | None = REDIS,
    kill_after: float | None = None,
    kill_when: Callable[[int], bool] | None = None,
    settings: Sequence[str] = (),
    timeout: float = 300,
) -> MultiCrawl:
    """Start ``processes`` crawlers at once (one without ``frontier``); with ``kill_after``,
    SIGKILL the first one that many seconds after the start, or once ``kill_when(pid)``
    holds after that (polled), and start none in its place."""
    args = crawl_args_for(db_url, seeds, depth, frontier, settings)
    env = proxy_env(server.url)
    before = len(server.access_log)
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    runs: list[Measured | None] = [None] * processes
    popen: list[subprocess.Popen[str] | None] = [None] * processes

    def one(i: int) -> None:
        runs[i] = run_measured([*PROVENANCE, *args], env, ROOT, timeout,
                               on_start=lambda p: popen.__setitem__(i, p))  # fmt: skip

    start = time.perf_counter()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(processes)]
    for t in threads:
        t.start()
    killed = None
    if kill_after is not None:
        time.sleep(kill_after)
        victim = popen[0]
        assert victim is not None, "the first crawler did not start"
        deadline = time.monotonic() + timeout / 2
        while kill_when is not None and not kill_when(victim.pid):
            if victim.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        _kill_tree(victim.pid)
        killed = 0
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return MultiCrawl(processes, seconds, cpu, [r for r in runs if r is not None],
                      list(server.access_log[before:]), killed)  # fmt: skip


def _kill_tree(pid: int) -> None:
    """SIGKILL a crawler and its extraction workers (all started by us)."""
    children = _descendants(pid)
    os.kill(pid, signal.SIGKILL)
    for child in children:
        with suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            kids = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        found += [int(k) for k in kids]
        todo += [int(k) for k in kids]
    return found


def stored(db_url: str) -> dict[str, Any]:
    """What a crawl stored, by URL: pages with their status, articles, copy decisions."""
    from crawler.db.models import Article, CrawlRun, FrontierEntry, Page
    from crawler.db.reuse_models import ReusePair
    from crawler.db.session import make_engine

    engine = make_engine(db_url)
    with Session(engine) as s:
        pages = {u: (st, err) for u, st, err in s.execute(
            select(Page.url, Page.fetch_status, Page.error))}  # fmt: skip
        articles: dict[int, str] = {i: u for i, u in s.execute(select(Article.id, Article.url))}
        pairs: set[tuple[str, str, str]] = set()
        rows = s.execute(select(ReusePair.a_id, ReusePair.b_id, ReusePair.copy_id,
                                ReusePair.source_id))  # fmt: skip
        for a, b, copy, source in rows:
            if source is None or copy is None:  # undecided: the pair, in URL order
                pairs.add(("undecided", *sorted((articles[a], articles[b]))))
            else:
                pairs.add(("copy->source", articles[copy], articles[source]))
        frontier = s.scalar(select(text("count(*)")).select_from(FrontierEntry)) or 0
        runs = [r or {} for r in s.scalars(select(CrawlRun.stats))]
    engine.dispose()
    return {"pages": pages, "articles": set(articles.values()), "pairs": pairs,
            "frontier": frontier, "runs": runs}  # fmt: skip


def write_seed_file(path: Path, seeds: Sequence[str] = SEEDS) -> Path:
    path.write_text("\n".join(seeds) + "\n", encoding="utf-8")
    return path


def holds_work(redis_url: str, db_url: str) -> Callable[[int], bool]:
    """``kill_when`` for ``run_crawlers``: the process of this pid has requests in flight."""
    from redis import Redis

    from crawler.sharedfrontier import frontier_prefix

    server = Redis.from_url(redis_url)
    key = f"{frontier_prefix(db_url)}:inflight:owner"

    def check(pid: int) -> bool:
        return any(f":{pid}:".encode() in owner for owner in server.hvals(key))

    return check
