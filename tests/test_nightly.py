"""Nightly runs against the simulated web: incremental, locked, and surviving SIGKILL."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.db.models import Article, CrawlRun, FrontierEntry, Page, PageVersion
from crawler.db.session import make_engine
from crawler.lock import run_lock
from tests.harness import (
    LOOPBACK_SETTINGS,
    PROVENANCE,
    ROOT,
    crawl_args,
    let_a_night_pass,
    provenance,
    proxy_env,
    simulated_web,
    write_seeds,
)
from tests.simweb import generate

pytestmark = pytest.mark.e2e


def _settings() -> list[str]:
    return [arg for s in LOOPBACK_SETTINGS for arg in ("--set", s)]


def _last_stats(db_url: str) -> dict[str, Any]:
    engine = make_engine(db_url)
    with Session(engine) as s:
        run = s.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        assert run is not None
        return run.stats


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A first crawl, a nightly with nothing changed, a nightly after the web moved on."""
    tmp = tmp_path_factory.mktemp("nightly")
    db_url = f"sqlite:///{tmp / 'nightly.db'}"
    with simulated_web() as (web, server):
        seeds = write_seeds(web, tmp / "seeds.txt")
        first = provenance(crawl_args(db_url, seeds), proxy_url=server.url)
        assert first.returncode == 0, first.stderr[-2000:]
        first_stats = _last_stats(db_url)
        let_a_night_pass(db_url)
        quiet = provenance(["nightly", "--db", db_url, "-q", *_settings()], proxy_url=server.url)
        quiet_stats = _last_stats(db_url)
        web1 = generate(epoch=1)
        server.set_web(web1)
        # Two nights later: pages found unchanged last night wait 40 h before a recheck.
        let_a_night_pass(db_url, hours=48)
        moved = provenance(["nightly", "--db", db_url, "-q", *_settings()], proxy_url=server.url)
        report = provenance(["report", "--db", db_url, "--since-last-run", "--format", "json"])
        yield {
            "db": db_url, "truth": web1.truth, "first": first_stats, "quiet": quiet,
            "quiet_stats": quiet_stats, "moved": moved, "report": report, "tmp": tmp,
        }  # fmt: skip


def test_unchanged_night_downloads_little(nights: dict[str, Any]) -> None:
    assert nights["quiet"].returncode == 0, nights["quiet"].stderr[-2000:]
    first, quiet = nights["first"], nights["quiet_stats"]
    assert quiet["downloader/response_bytes"] <= 0.10 * first["downloader/response_bytes"]
    assert quiet.get("trail/pages/ok", 0) == 0
    assert quiet["trail/pages/not_modified"] > 0


def test_next_night_stores_new_and_edited_articles(nights: dict[str, Any]) -> None:
    assert nights["moved"].returncode == 0, nights["moved"].stderr[-2000:]
    truth = nights["truth"]
    new = {u for u, a in truth["articles"].items()
           if a["epoch"] == 1 and a["reachable"] and not a["disallowed"]}  # fmt: skip
    edited = {u for u, a in truth["articles"].items()
              if a["modified_epoch"] == 1 and a["epoch"] == 0 and a["reachable"]
              and not a["disallowed"]}  # fmt: skip
    assert new and edited
    engine = make_engine(nights["db"])
    with Session(engine) as s:
        stored = {a.url: a for a in s.scalars(select(Article))}
        versioned = set(s.scalars(
            select(Page.final_url).join(PageVersion, PageVersion.page_id == Page.id)
        ))  # fmt: skip
    assert not new - set(stored), f"new articles missed: {sorted(new - set(stored))[:5]}"
    assert edited <= versioned, f"edits without a stored version: {sorted(edited - versioned)[:5]}"
    for url in edited:
        paragraphs = truth["articles"][url]["paragraphs"]
        text = " ".join(stored[url].text.split())
        assert sum(" ".join(p.split()) in text for p in paragraphs) >= 0.9 * len(paragraphs)


def test_morning_report_lists_the_new_copies(nights: dict[str, Any]) -> None:
    assert nights["report"].returncode == 0, nights["report"].stderr
    report = json.loads(nights["report"].stdout)
    truth = nights["truth"]
    new_copies = {c["copy"] for c in truth["copies"] if truth["articles"][c["copy"]]["epoch"] == 1
                  and truth["articles"][c["copy"]]["reachable"]}  # fmt: skip
    reported = {c["copy"] for c in report["new_copies"]}
    assert report["new_articles"] > 0
    assert len(reported & new_copies) >= 0.9 * len(new_copies)


def test_second_run_waits_for_the_lock(nights: dict[str, Any]) -> None:
    engine = make_engine(nights["db"])
    with run_lock(engine):
        done = provenance(["nightly", "--db", nights["db"], "-q"])
    assert done.returncode == 3
    assert "another nightly run" in done.stderr and "Traceback" not in done.stderr


def _wait_for_pages(db: Path, count: int, proc: subprocess.Popen[Any], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
                if conn.execute("SELECT count(*) FROM pages").fetchone()[0] >= count:
                    return
        except sqlite3.Error:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the crawl did not store {count} pages in {timeout} s")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_crawl_loses_nothing_and_resumes(tmp_path: Path, sig: signal.Signals) -> None:
    db = tmp_path / "killed.db"
    db_url = f"sqlite:///{db}"
    with simulated_web() as (web, server):
        seeds = write_seeds(web, tmp_path / "seeds.txt")
        # Output to a file, not a pipe: after SIGKILL the orphaned extraction workers
        # would hold a pipe open until they notice their parent is gone.
        with open(tmp_path / "crawl.log", "w") as log:
            proc = subprocess.Popen([*PROVENANCE, *crawl_args(db_url, seeds)], cwd=ROOT,
                                    env=proxy_env(server.url), stdout=log, stderr=log,
                                    text=True)  # fmt: skip
            _wait_for_pages(db, 150, proc, timeout=120)
            proc.send_signal(sig)
            proc.wait(timeout=120)

        with sqlite3.connect(db) as conn:  # consistent after the kill
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
            assert (
                conn.execute(
                    "SELECT count(*) FROM articles a LEFT JOIN pages p ON p.id = a.page_id "
                    "WHERE p.id IS NULL OR p.raw_html IS NULL OR p.content_hash IS NULL"
                ).fetchone()[0]
                == 0
            )
            left = conn.execute("SELECT count(*) FROM frontier").fetchone()[0]
            stored_before = conn.execute("SELECT count(*) FROM pages").fetchone()[0]
        assert left > 0 and stored_before >= 150

        if sig == signal.SIGKILL:  # the nightly run repairs, closes the run record, resumes
            again = provenance(["nightly", "--db", db_url, "-q", *_settings()],
                               proxy_url=server.url)  # fmt: skip
        else:  # a plain crawl resumes the frontier too
            again = provenance(crawl_args(db_url, seeds), proxy_url=server.url)
            assert "resuming" in again.stderr
        assert again.returncode == 0, again.stderr[-2000:]
        checked = provenance(["evidence", "--check", "--db", db_url])
        assert checked.returncode == 0 and checked.stdout.startswith("0 WARC files with problems")
    expected = {
        u for u, a in web.truth["articles"].items() if a["reachable"] and not a["disallowed"]
    }
    engine = make_engine(db_url)
    with Session(engine) as s:
        stored = set(s.scalars(select(Article.url)))
        dup = s.execute(select(Page.url).group_by(Page.url).having(func.count() > 1)).all()
        frontier = s.scalar(select(func.count()).select_from(FrontierEntry))
        statuses = [r.status for r in s.scalars(select(CrawlRun).order_by(CrawlRun.id))]
    assert not expected - stored, f"lost after the kill: {sorted(expected - stored)[:5]}"
    assert not dup and frontier == 0
    assert statuses == (
        ["killed", "finished"] if sig == signal.SIGKILL else ["shutdown", "finished"]
    )
