"""``make bench-crawl``: pages/s of the product against a plain Scrapy + trafilatura spider.

All crawl the same simulated web in this session, through the same loopback proxy and
with the same concurrency and politeness settings: the product (crawl, extraction in
worker processes, storage in SQLite: the issue's target), the plain spider over exactly
the URLs the product fetched, and the product again with online matching, reported
beside it. The hostile host is left out: its stalls and traps measure timeouts, not
throughput.
"""

from __future__ import annotations

import argparse
import json
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

TARGET = 1.3


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=int, default=12, help="simulated web size (12: >5,000 pages)"
    )
    parser.add_argument("--skip-match", action="store_true", help="leave out the third run")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    t0 = time.perf_counter()
    rows: list[tuple[str, int, float, float, float]] = []
    with simulated_web(scale=args.scale) as (web, server):
        web.prerender()
        took = time.perf_counter() - t0
        print(f"simulated web: scale {args.scale}, {len(web.truth['articles'])} articles, "
              f"generated in {took:.1f} s; results in {tmp}", flush=True)  # fmt: skip
        seeds = tmp / "seeds.txt"
        seeds.write_text("\n".join(s for s in web.seeds if "hostile.test" not in s) + "\n")
        env = proxy_env(server.url)

        db_url = f"sqlite:///{tmp / 'store.db'}"
        measured, stats = _product(db_url, seeds, env, match=False)
        rows.append(("product: crawl+extract+store", *_pages_per_second(stats, measured),
                     measured.peak_rss_mib))  # fmt: skip
        engine = make_engine(db_url)
        with Session(engine) as s:
            urls = list(s.scalars(select(Page.url).where(Page.http_status.is_not(None))))
        engine.dispose()
        urls_file = tmp / "urls.txt"
        urls_file.write_text("\n".join(urls) + "\n")

        plain_cmd = [sys.executable, "-m", "tests.bench.plain_spider", str(urls_file),
                     *LOOPBACK_SETTINGS]  # fmt: skip
        plain = run_measured(plain_cmd, env, ROOT, 3600)
        if plain.returncode != 0:
            raise SystemExit(plain.stderr[-3000:])
        plain_stats = json.loads(plain.stdout.strip().splitlines()[-1])
        rows.append(("plain Scrapy + trafilatura", *_pages_per_second(plain_stats, plain),
                     plain.peak_rss_mib))  # fmt: skip

        if not args.skip_match:
            measured, stats = _product(f"sqlite:///{tmp / 'match.db'}", seeds, env, match=True)
            rows.append(("product + online matching", *_pages_per_second(stats, measured),
                         measured.peak_rss_mib))  # fmt: skip

    print(f"{'':32} {'pages':>7} {'seconds':>8} {'pages/s':>8} {'peak MiB':>9}")
    for label, pages, elapsed, rate, peak in rows:
        print(f"{label:32} {pages:>7} {elapsed:>8.1f} {rate:>8.1f} {peak:>9.0f}")
    plain_rate = rows[1][3]
    ratio = rows[0][3] / plain_rate
    print(
        f"ratio product/plain: {ratio:.2f}x (target >= {TARGET}x): "
        + ("met" if ratio >= TARGET else "NOT met")
    )
    if len(rows) > 2:
        print(f"with online matching: {rows[2][3] / plain_rate:.2f}x")
    print("peak memory is the sum over each process tree (crawler + extraction workers)")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
