"""Run the product against the simulated web: server in this process, crawl in a subprocess.

Used by the end-to-end tests, ``make demo``, ``make eval`` and the benchmarks. The crawl
reaches the simulated web only through ``http_proxy``, like any proxy a user sets.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.simweb import SimWeb, generate, serve

ROOT = Path(__file__).resolve().parents[1]
PROVENANCE = [sys.executable, "-m", "crawler.cli"]

# Loopback needs no politeness delay; every other setting stays the product's default.
LOOPBACK_SETTINGS = (
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_START_DELAY=0",
    "DOWNLOAD_TIMEOUT=4",
    "DEPTH_LIMIT=0",
)


@contextmanager
def simulated_web(
    seed: int = 7, scale: int = 1, epoch: int = 0, real: str | None = "test", latency: float = 0.0
) -> Iterator[tuple[SimWeb, Any]]:
    """Generate the simulated web and serve it on a free loopback port (each answer
    ``latency`` seconds late)."""
    web = generate(seed=seed, scale=scale, epoch=epoch, real=real)
    server = serve(web, latency=latency)
    try:
        yield web, server
    finally:
        server.stop()


def proxy_env(proxy_url: str) -> dict[str, str]:
    """The environment of a crawl through the simulated web's proxy."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "https_proxy")}
    env["http_proxy"] = proxy_url
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def write_seeds(web: SimWeb, path: Path) -> Path:
    path.write_text("\n".join(web.seeds) + "\n", encoding="utf-8")
    return path


def provenance(
    args: Sequence[str], *, proxy_url: str | None = None, timeout: float = 600, check: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run the ``provenance`` command in a subprocess (a fresh reactor every time)."""
    env = proxy_env(proxy_url) if proxy_url else {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [*PROVENANCE, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


def crawl_args(db_url: str, seeds: Path, *extra: str) -> list[str]:
    args = ["crawl", "--seeds", str(seeds), "--db", db_url, "--quiet"]
    for setting in LOOPBACK_SETTINGS:
        args += ["--set", setting]
    return [*args, *extra]


def let_a_night_pass(db_url: str, hours: float = 24) -> None:
    """Move every revisit time ``hours`` into the past, as if the next run were a day later.

    The simulated web's nights pass in seconds; the revisit policy counts real time.
    """
    from datetime import timedelta

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from crawler.db.models import Page
    from crawler.db.session import make_engine

    engine = make_engine(db_url)
    shift = timedelta(hours=hours)
    with Session(engine) as session, session.begin():
        for page in session.scalars(select(Page).where(Page.next_visit_at.is_not(None))):
            page.next_visit_at -= shift
            page.fetched_at -= shift
    engine.dispose()
