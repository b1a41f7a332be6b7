"""``make bench-crawl``: pages/s of the product as users run it against a plain Scrapy spider.

All crawl the same simulated web in this session, through the same loopback proxy and
with the same concurrency and politeness settings: the product as users run it
(``provenance crawl``: crawl, extraction in worker processes, storage in SQLite, and the
local matcher process the crawl starts; the time runs until the command's crawl ends
with the match queue drained), the plain spider over exactly the URLs the product
fetched, and the product with matching off (``PROVENANCE_MATCH_ENABLED=False``: the
queue is left for later), reported beside them. The hostile host is left out: its
stalls and traps measure timeouts, not throughput.

The three run in alternate rounds (``--rounds``, 3 by default) and the verdict is the
ratio of the median rates of the product with matching and the plain spider. On a
shared 2-core machine any run's rate moves by up to 8% from one run to the next;
alternating spreads any drift in the machine's speed over all, and the median is not
decided by one unlucky run. CPU seconds per page are given for each stage: the crawl
process (without storage), storage (its database thread), the extraction workers and
the matcher processes (sampled from /proc, see ``tests.bench.measure``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.db.models import CrawlRun, Page
from crawler.db.session import make_engine
from tests.bench.measure import Measured, run_measured
from tests.harness import LOOPBACK_SETTINGS, PROVENANCE, ROOT, crawl_args, proxy_env, simulated_web

TARGET = 1.5  # product with matching on / plain spider


def _pages_per_second(stats: dict, measured: Measured) -> tuple[int, float, float]:
    pages = int(stats.get("response_received_count", 0))
    elapsed = float(stats.get("elapsed_time_seconds") or measured.seconds)
    return pages, elapsed, pages / elapsed if elapsed else 0.0


def _product(db_url: str, seeds: Path, env: dict[str, str], match: bool) -> tuple[Measured, dict]:
    extra = [] if match else ["--set", "PROVENANCE_MATCH_ENABLED=False"]
    measured = run_measured([*PROVENANCE, *crawl_args(db_url, seeds, *extra)], env, ROOT, 3600)
    if measured.returncode != 0:
        raise SystemExit(measured.stderr[-3000:])
    engine = make_engine(db_url)
    with Session(engine) as s:
        run = s.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
    engine.dispose()
    assert run is not None
    return measured, run.stats


def _plain(urls_file: Path, env: dict[str, str]) -> tuple[Measured, dict]:
    cmd = [sys.executable, "-m", "tests.bench.plain_spider", str(urls_file), *LOOPBACK_SETTINGS]
    measured = run_measured(cmd, env, ROOT, 3600)
    if measured.returncode != 0:
        raise SystemExit(measured.stderr[-3000:])
    return measured, json.loads(measured.stdout.strip().splitlines()[-1])


def _fetched_urls(db_url: str, path: Path) -> Path:
    engine = make_engine(db_url)
    with Session(engine) as s:
        urls = list(s.scalars(select(Page.url).where(Page.http_status.is_not(None))))
    engine.dispose()
    path.write_text("\n".join(urls) + "\n")
    return path


Row = tuple[str, int, float, float, float, dict[str, float]]  # label, pages, s, pages/s, MiB, cpu


def _row(label: str, stats: dict, measured: Measured) -> Row:
    cpu = dict(measured.cpu)
    storage = float(stats.get("trail/db/cpu_seconds", 0.0))
    if "crawl" in cpu:
        cpu["storage"] = storage
        cpu["crawl"] = max(0.0, cpu["crawl"] - storage)
    return (label, *_pages_per_second(stats, measured), measured.peak_rss_mib, cpu)


STAGES = ("crawl", "storage", "extraction", "matching")


def _cpu_line(label: str, rows: list[Row]) -> str:
    """Median CPU milliseconds per page of each stage over the rounds."""
    parts = []
    for stage in STAGES:
        values = [r[5].get(stage, 0.0) / max(1, r[1]) * 1000 for r in rows]
        if any(values):
            parts.append(f"{stage} {statistics.median(values):.1f}")
    total = _cpu_per_page(rows)
    return f"{label}: CPU ms/page " + ", ".join(parts) + f" (all {total:.1f})"


def _cpu_per_page(rows: list[Row]) -> float:
    return statistics.median(sum(r[5].values()) / max(1, r[1]) * 1000 for r in rows)


def _ceiling_line(product: list[Row], plain: list[Row], ratio: float) -> str:
    """The most the product can gain on this machine's cores at these CPU costs.

    The plain spider keeps one core busy; the product spreads its work over all of them,
    so its rate is at most ``cores x plain CPU/page / product CPU/page`` times the plain
    rate. What the target asks of the product's CPU per page follows from it.
    """
    cores = os.cpu_count() or 1
    ours, theirs = _cpu_per_page(product), _cpu_per_page(plain)
    ceiling = cores * theirs / ours
    return (
        f"{cores}-core ceiling at these CPU costs: {cores} x {theirs:.1f} / {ours:.1f} ms "
        f"= {ceiling:.2f}x (reached {ratio / ceiling:.0%} of it); {TARGET}x needs at most "
        f"{cores * theirs / TARGET:.1f} ms/page in all, with every core busy"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=int, default=12, help="simulated web size (12: >5,000 pages)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternate product/plain rounds (median taken)"
    )
    parser.add_argument(
        "--skip-unmatched", action="store_true", help="leave out the runs with matching off"
    )
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    t0 = time.perf_counter()
    product: list[Row] = []
    plain: list[Row] = []
    unmatched: list[Row] = []
    with simulated_web(scale=args.scale) as (web, server):
        web.prerender()
        took = time.perf_counter() - t0
        print(f"simulated web: scale {args.scale}, {len(web.truth['articles'])} articles, "
              f"generated in {took:.1f} s; results in {tmp}", flush=True)  # fmt: skip
        seeds = tmp / "seeds.txt"
        seeds.write_text("\n".join(s for s in web.seeds if "hostile.test" not in s) + "\n")
        env = proxy_env(server.url)

        urls_file: Path | None = None
        for n in range(1, max(1, args.rounds) + 1):
            db_url = f"sqlite:///{tmp / f'store-{n}.db'}"
            measured, stats = _product(db_url, seeds, env, match=True)
            product.append(_row(f"round {n}: product", stats, measured))
            # The plain spider fetches exactly what the first product run fetched.
            urls_file = urls_file or _fetched_urls(db_url, tmp / "urls.txt")
            measured, stats = _plain(urls_file, env)
            plain.append(_row(f"round {n}: plain", stats, measured))
            ratio = product[-1][3] / plain[-1][3]
            line = (f"round {n}: product {product[-1][3]:.1f} pages/s, plain "
                    f"{plain[-1][3]:.1f} pages/s, ratio {ratio:.2f}x")  # fmt: skip
            if not args.skip_unmatched:
                db_url = f"sqlite:///{tmp / f'unmatched-{n}.db'}"
                measured, stats = _product(db_url, seeds, env, match=False)
                unmatched.append(_row(f"round {n}: matching off", stats, measured))
                line += f"; matching off {unmatched[-1][3]:.1f} pages/s"
            print(line, flush=True)

    print(f"{'':32} {'pages':>7} {'seconds':>8} {'pages/s':>8} {'peak MiB':>9}")
    for label, pages, elapsed, rate, peak, _ in [*product, *plain, *unmatched]:
        print(f"{label:32} {pages:>7} {elapsed:>8.1f} {rate:>8.1f} {peak:>9.0f}")
    product_rate = statistics.median(r[3] for r in product)
    plain_rate = statistics.median(r[3] for r in plain)
    ratio = product_rate / plain_rate
    print(f"median pages/s: product as users run it (crawl+extract+store+match, queue "
          f"drained) {product_rate:.1f}, plain Scrapy + trafilatura {plain_rate:.1f}")  # fmt: skip
    print(
        f"ratio product/plain: {ratio:.2f}x (target >= {TARGET}x): "
        + ("met" if ratio >= TARGET else "NOT met")
    )
    if unmatched:
        rate = statistics.median(r[3] for r in unmatched)
        print(f"with matching off: {rate:.1f} pages/s, {rate / plain_rate:.2f}x")
    print(_cpu_line("product", product))
    if unmatched:
        print(_cpu_line("matching off", unmatched))
    print(_cpu_line("plain", plain))
    print(_ceiling_line(product, plain, product_rate / plain_rate))
    print(f"peak memory: product {max(r[4] for r in product):.0f} MiB, "
          + (f"matching off {max(r[4] for r in unmatched):.0f} MiB, " if unmatched else "")
          + f"plain {max(r[4] for r in plain):.0f} MiB "
          "(the sum over each process tree: crawler + extraction workers + matchers)")  # fmt: skip
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
