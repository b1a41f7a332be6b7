"""``make bench-scale``: 1, 2 and 3 crawler processes on one shared frontier.

Every count crawls the same simulated web from the same seeds into a fresh PostgreSQL
database through one Redis (``--frontier``), all processes started at once. Reported
for each count: pages stored, pages/s over the span the server saw requests (start-up
and the idle wait before the stop left out) and over the wall time, and CPU seconds
per page of all processes and their extraction workers (user + system, from
``getrusage`` of the children). The machine has 2 cores shared with other work:
run ``--rounds`` rounds and read medians.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from tests.conftest import scratch_database
from tests.harness import simulated_web
from tests.multicrawl import (
    REDIS,
    SEEDS,
    flush_frontier,
    run_crawlers,
    stored,
    write_seed_file,
)


def one(server: object, seeds: Path, processes: int, depth: int) -> dict[str, float]:
    with scratch_database("prov_f1_bench_") as db_url:
        flush_frontier(REDIS, db_url)
        crawl = run_crawlers(server, db_url, seeds, processes=processes, depth=depth)
        failed = [r for r in crawl.runs if r.returncode != 0]
        if failed:
            raise SystemExit(failed[0].stderr[-3000:])
        pages = len(stored(db_url)["pages"])
    span = max(a.ended for a in crawl.access) - min(a.started for a in crawl.access)
    return {
        "pages": pages,
        "rate": pages / span,
        "wall_rate": pages / crawl.seconds,
        "cpu_ms": 1000 * crawl.cpu_seconds / pages,
        "rss": max(r.peak_rss_mib for r in crawl.runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--depth", type=int, default=2, help="DEPTH_LIMIT of every crawl")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    results: dict[int, list[dict[str, float]]] = {n: [] for n in args.processes}
    with simulated_web() as (_, server), tempfile.TemporaryDirectory() as tmp:
        seeds = write_seed_file(Path(tmp) / "seeds.txt")
        for r in range(args.rounds):
            for n in args.processes:
                res = one(server, seeds, n, args.depth)
                results[n].append(res)
                print(f"round {r + 1}: {n} processes: {res['pages']:.0f} pages, "
                      f"{res['rate']:.1f} pages/s, {res['cpu_ms']:.0f} ms CPU/page",
                      flush=True)  # fmt: skip
    print(f"\nshared frontier, seeds {' '.join(SEEDS)}, depth {args.depth}, "
          f"median of {args.rounds} round(s)")  # fmt: skip
    print(f"{'processes':>9}  {'pages':>6}  {'pages/s':>7}  {'wall p/s':>8}  {'CPU ms/page':>11}  "
          f"{'speed-up':>8}  {'peak RSS/process':>16}")  # fmt: skip
    base = None
    for n in args.processes:
        med = {k: statistics.median(r[k] for r in results[n]) for k in results[n][0]}
        base = base or med["rate"]
        speedup = med["rate"] / base
        print(f"{n:>9}  {med['pages']:>6.0f}  {med['rate']:>7.1f}  {med['wall_rate']:>8.1f}  "
              f"{med['cpu_ms']:>11.0f}  {speedup:>7.2f}x  {med['rss']:>12.0f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
