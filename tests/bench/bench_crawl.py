"""``make bench-crawl``: pages/s of the product against a plain Scrapy + trafilatura spider.

Both crawl the same simulated web in this session, through the same loopback proxy and
with the same concurrency and politeness settings: first the product (crawl, extraction
in worker processes, storage in SQLite, online matching unless ``--no-match``), then the
plain spider over exactly the URLs the product fetched. The hostile host is left out:
its stalls and traps measure timeouts, not throughput.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=int, default=12, help="simulated web size (12: >5,000 pages)"
    )
    parser.add_argument("--no-match", action="store_true", help="product without online matching")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    t0 = time.perf_counter()
    with simulated_web(scale=args.scale) as (web, server):
        print(f"simulated web: scale {args.scale}, {len(web.truth['articles'])} articles, "
              f"generated in {time.perf_counter() - t0:.1f} s; results in {tmp}")  # fmt: skip
        seeds = tmp / "seeds.txt"
        seeds.write_text("\n".join(s for s in web.seeds if "hostile.test" not in s) + "\n")
        db_url = f"sqlite:///{tmp / 'bench.db'}"
        extra = ["--set", "PROVENANCE_MATCH_ENABLED=False"] if args.no_match else []
        env = proxy_env(server.url)

        product = run_measured([*PROVENANCE, *crawl_args(db_url, seeds, *extra)], env, ROOT, 3600)
        if product.returncode != 0:
            print(product.stderr[-3000:], file=sys.stderr)
            return 1
        engine = make_engine(db_url)
        with Session(engine) as s:
            run = s.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
            urls = list(s.scalars(select(Page.url).where(Page.http_status.is_not(None))))
        assert run is not None
        urls_file = tmp / "urls.txt"
        urls_file.write_text("\n".join(urls) + "\n")

        plain_cmd = [sys.executable, "-m", "tests.bench.plain_spider", str(urls_file),
                     *LOOPBACK_SETTINGS]  # fmt: skip
        plain = run_measured(plain_cmd, env, ROOT, 3600)
        if plain.returncode != 0:
            print(plain.stderr[-3000:], file=sys.stderr)
            return 1
        plain_stats = json.loads(plain.stdout.strip().splitlines()[-1])

    p_pages, p_elapsed, p_rate = _pages_per_second(run.stats, product)
    b_pages, b_elapsed, b_rate = _pages_per_second(plain_stats, plain)
    ratio = p_rate / b_rate if b_rate else float("inf")
    label = "product (no online matching)" if args.no_match else "product"
    print(f"{'':32} {'pages':>7} {'seconds':>8} {'pages/s':>8} {'peak MiB':>9}")
    print(f"{label:32} {p_pages:>7} {p_elapsed:>8.1f} {p_rate:>8.1f} {product.peak_rss_mib:>9.0f}")
    print(f"{'plain Scrapy + trafilatura':32} {b_pages:>7} {b_elapsed:>8.1f} {b_rate:>8.1f} "
          f"{plain.peak_rss_mib:>9.0f}")  # fmt: skip
    print(
        f"ratio product/plain: {ratio:.2f}x (target >= {TARGET}x): "
        + ("met" if ratio >= TARGET else "NOT met")
    )
    print(
        f"product articles stored: {run.stats.get('trail/pages/ok', 0)}; "
        f"peak memory is the sum over the process tree (crawler + extraction workers)"
    )
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
