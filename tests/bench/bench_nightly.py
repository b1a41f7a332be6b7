"""``make bench-nightly``: what a nightly run costs when little changed, and what it finds.

Crawls the simulated web once, lets a night pass and runs ``provenance nightly`` with
nothing changed, then lets the web publish ~5% new articles and edit ~2% and runs it
again. Prints bytes downloaded and time of each run against the first, and how many of
the new copies the last run found (a verified reuse pair between copy and source).
Targets: unchanged run <= 10% of the bytes and <= 15% of the time; every new copy found.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.db.models import Article, CrawlRun
from crawler.db.reuse_models import ReusePair
from crawler.db.session import make_engine
from tests.bench.measure import run_measured
from tests.harness import (
    LOOPBACK_SETTINGS,
    PROVENANCE,
    ROOT,
    crawl_args,
    let_a_night_pass,
    proxy_env,
    simulated_web,
    write_seeds,
)
from tests.simweb import generate


def _last_stats(db_url: str) -> dict[str, Any]:
    engine = make_engine(db_url)
    with Session(engine) as s:
        run = s.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
    engine.dispose()
    assert run is not None
    return run.stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=2, help="simulated web size")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-nightly-"))
    db_url = f"sqlite:///{tmp / 'nightly.db'}"
    nightly = [*PROVENANCE, "nightly", "--db", db_url, "--quiet"]
    nightly += [a for s in LOOPBACK_SETTINGS for a in ("--set", s)]
    rows = []
    with simulated_web(scale=args.scale) as (web, server):
        env = proxy_env(server.url)
        seeds = write_seeds(web, tmp / "seeds.txt")
        first = run_measured([*PROVENANCE, *crawl_args(db_url, seeds)], env, ROOT, 3600)
        rows.append(("first crawl", first, _last_stats(db_url)))
        let_a_night_pass(db_url)
        quiet = run_measured(nightly, env, ROOT, 3600)
        rows.append(("nightly, nothing changed", quiet, _last_stats(db_url)))
        web1 = generate(scale=args.scale, epoch=1)
        server.set_web(web1)
        let_a_night_pass(db_url)
        moved = run_measured(nightly, env, ROOT, 3600)
        rows.append(("nightly, 5% new, 2% edited", moved, _last_stats(db_url)))
    for label, measured, _stats in rows:
        if measured.returncode != 0:
            print(f"{label} failed:\n{measured.stderr[-3000:]}", file=sys.stderr)
            return 1

    base_bytes = rows[0][2]["downloader/response_bytes"]
    base_time = rows[0][1].seconds
    print(f"simulated web scale {args.scale}; results in {tmp}")
    print(f"{'':28} {'requests':>8} {'MiB down':>9} {'bytes %':>8} {'seconds':>8} {'time %':>7}")
    for label, measured, stats in rows:
        down = stats.get("downloader/response_bytes", 0)
        print(f"{label:28} {stats.get('downloader/request_count', 0):>8} {down / 2**20:>9.2f} "
              f"{100 * down / base_bytes:>7.1f}% {measured.seconds:>8.1f} "
              f"{100 * measured.seconds / base_time:>6.1f}%")  # fmt: skip

    truth = web1.truth
    new_copies = [c for c in truth["copies"] if truth["articles"][c["copy"]]["epoch"] == 1
                  and truth["articles"][c["copy"]]["reachable"]
                  and not truth["articles"][c["copy"]]["disallowed"]]  # fmt: skip
    engine = make_engine(db_url)
    with Session(engine) as s:
        ids = {url: id_ for url, id_ in s.execute(select(Article.url, Article.id))}
        pairs = {(p.a_id, p.b_id) for p in s.scalars(select(ReusePair))}
        sources = {(p.copy_id, p.source_id) for p in s.scalars(select(ReusePair))}
    found = direct = 0
    for c in new_copies:
        a, b = ids.get(c["copy"]), ids.get(c["source"])
        if a is not None and b is not None and (min(a, b), max(a, b)) in pairs:
            found += 1
            direct += (a, b) in sources
    quiet_stats, quiet_time = rows[1][2], rows[1][1].seconds
    bytes_ok = quiet_stats["downloader/response_bytes"] <= 0.10 * base_bytes
    time_ok = quiet_time <= 0.15 * base_time
    print(f"new copies found by the 5% run: {found}/{len(new_copies)} "
          f"(direction decided copy -> source for {direct})")  # fmt: skip
    print(
        f"unchanged run: bytes {'met' if bytes_ok else 'NOT met'} (<= 10%), "
        f"time {'met' if time_ok else 'NOT met'} (<= 15%); "
        f"every new copy found: {'met' if found == len(new_copies) else 'NOT met'}"
    )
    return 0 if bytes_ok and time_ok and found == len(new_copies) else 1


if __name__ == "__main__":
    sys.exit(main())
