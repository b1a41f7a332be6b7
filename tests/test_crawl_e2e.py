"""End to end: crawl the simulated web from its seeds, in a subprocess, on SQLite and PostgreSQL.

Checks that every reachable page is stored with correct fields, that robots.txt is
obeyed, that every hostile page is recorded with its reason, and that a second crawl
updates rather than duplicates.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crawler.db.models import Article, CrawlRun, Link, Page
from crawler.db.session import make_engine
from crawler.kinds import FetchStatus
from crawler.settings import CONCURRENT_REQUESTS, PROVENANCE_MAX_PAGES_PER_SHAPE
from crawler.urls import normalize_url
from tests.harness import crawl_args, provenance, simulated_web, write_seeds
from tests.simweb import hostile

pytestmark = pytest.mark.e2e


@dataclass
class Crawled:
    truth: dict[str, Any]
    engine: Engine
    first: Any  # CompletedProcess of the first crawl
    second: Any  # of the second crawl
    counts_after_first: dict[str, int]
    hits: Any  # the server's request counter


def _counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
            for m in (Page, Article, Link)
        }


def _crawl_twice(db_url: str, tmp: Path) -> Iterator[Crawled]:
    with simulated_web() as (web, server):
        seeds = write_seeds(web, tmp / "seeds.txt")
        first = provenance(crawl_args(db_url, seeds), proxy_url=server.url)
        engine = make_engine(db_url)
        counts = _counts(engine)
        second = provenance(crawl_args(db_url, seeds), proxy_url=server.url)
        yield Crawled(web.truth, engine, first, second, counts, server.hits)
        engine.dispose()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def crawled(request, tmp_path_factory) -> Iterator[Crawled]:  # noqa: ANN001
    tmp = tmp_path_factory.mktemp(f"e2e-{request.param}")
    if request.param == "sqlite":
        db_url = f"sqlite:///{tmp / 'crawl.db'}"
    else:
        db_url = request.getfixturevalue("pg_database_url")
    yield from _crawl_twice(db_url, tmp)


def _host(url: str) -> str:
    """A URL's host, IPv6 literals in one spelling."""
    host = urlsplit(url).hostname or ""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def _words(text: str) -> str:
    return " ".join(text.split())


def test_crawls_exit_cleanly_and_summarise(crawled: Crawled) -> None:
    for run in (crawled.first, crawled.second):
        assert run.returncode == 0, run.stderr[-3000:]
        assert "crawl run" in run.stdout and "articles" in run.stdout


def test_every_reachable_article_is_stored_with_its_fields(crawled: Crawled) -> None:
    expected = {
        url: a for url, a in crawled.truth["articles"].items()
        if a["reachable"] and not a["disallowed"]
    }  # fmt: skip
    assert len(expected) >= 200
    with Session(crawled.engine) as s:
        stored = {a.url: a for a in s.scalars(select(Article))}
    missing = sorted(set(expected) - set(stored))
    assert not missing, f"{len(missing)} reachable articles not stored, e.g. {missing[:5]}"
    wrong: list[str] = []
    for url, truth in expected.items():
        art = stored[url]
        if _words(art.title or "") != _words(truth["title"]):
            wrong.append(f"{url} title {art.title!r} != {truth['title']!r}")
        if truth["author"] and truth["author"] not in (art.author or ""):
            wrong.append(f"{url} author {art.author!r} != {truth['author']!r}")
        if truth["published"]:
            published = datetime.fromisoformat(truth["published"])
            if art.published is None:
                wrong.append(f"{url} no date, expected {truth['published']}")
            elif truth["date_precision"] == "date" or art.date_precision == "date":
                if art.published.date() != published.date():
                    wrong.append(f"{url} day {art.published} != {published}")
            elif art.published != published:
                wrong.append(f"{url} published {art.published} != {published}")
        if truth["language"] and art.language != truth["language"]:
            wrong.append(f"{url} language {art.language!r} != {truth['language']!r}")
        text = _words(art.text)
        found = sum(_words(p) in text for p in truth["paragraphs"])
        if found < 0.9 * len(truth["paragraphs"]):
            wrong.append(f"{url} text has {found}/{len(truth['paragraphs'])} paragraphs")
    assert len(wrong) <= 0.02 * len(expected), "\n".join(wrong[:20])


def test_listings_and_print_amp_versions_are_not_articles(crawled: Crawled) -> None:
    """Only truth articles are stored as articles; listings and aliases keep their reason."""
    truth = crawled.truth
    non = truth["non_articles"]
    with Session(crawled.engine) as s:
        stored = set(s.scalars(select(Article.url)))
        pages = {p.url: p for p in s.scalars(select(Page).where(Page.url.in_(list(non))))}
        hostile_ok = set(
            s.scalars(
                select(Page.final_url).where(
                    Page.url.in_(
                        [
                            normalize_url(u)
                            for u, v in truth["hostile"].items()
                            if v["expect"] == "ok"
                        ]
                    )
                )
            )
        )
    as_articles = sorted(stored & set(non))
    assert not as_articles, (
        f"{len(as_articles)} non-article pages stored as articles: {as_articles[:5]}"
    )
    stray = sorted(stored - set(truth["articles"]) - hostile_ok)
    assert not stray, f"stored as articles but not articles: {stray[:5]}"
    reachable = {u for u, a in truth["articles"].items() if a["reachable"] and not a["disallowed"]}
    assert reachable <= stored
    fetched = {u: p for u, p in pages.items() if p.fetch_status != FetchStatus.FAILED}
    assert len(fetched) >= 0.9 * len(set(non) & set(truth["reachable"]))
    kinds = {"listing": "listing", "print": "alias", "amp": "alias"}
    wrong = [  # a listing too short to need a decision has no reason
        f"{u}: {p.fetch_status}/{p.error}, expected not_article/{kinds[non[u]['kind']]}"
        for u, p in fetched.items()
        if p.fetch_status != FetchStatus.NOT_ARTICLE
        or p.error not in (kinds[non[u]["kind"]], None if non[u]["kind"] == "listing" else "")
    ]
    assert not wrong, "\n".join(wrong[:10])
    listings = [p.error for u, p in fetched.items() if non[u]["kind"] == "listing"]
    assert listings.count("listing") >= 0.8 * len(listings)
    with Session(crawled.engine) as s:
        run = s.scalars(select(CrawlRun).order_by(CrawlRun.id)).first()
    assert run is not None
    assert run.stats.get("trail/not_article/listing", 0) > 0
    assert run.stats.get("trail/not_article/alias", 0) > 0
    assert not any(k in run.stats for k in ("trail/failed/listing", "trail/failed/alias"))


def test_no_robots_disallowed_page_is_fetched(crawled: Crawled) -> None:
    disallowed = [u for u, a in crawled.truth["articles"].items() if a["disallowed"]]
    assert disallowed, "the simulated web must disallow some pages"
    for url in disallowed:
        assert crawled.hits.get(url, 0) == 0, f"{url} was fetched despite robots.txt"
    with Session(crawled.engine) as s:
        stored = set(s.scalars(select(Article.url)))
        refused = set(s.scalars(select(Page.url).where(Page.error == "robots")))
    assert not stored & set(disallowed)
    assert refused & set(disallowed), "robots refusals must be recorded with their reason"


def test_every_hostile_page_is_recorded_with_its_reason(crawled: Crawled) -> None:
    problems: list[str] = []
    with Session(crawled.engine) as s:
        pages = {p.url: p for p in s.scalars(select(Page))}
        articles = {a.url: a for a in s.scalars(select(Article))}
        for url, spec in crawled.truth["hostile"].items():
            expect = spec["expect"]
            if expect == "trap":
                prefix = normalize_url(spec["prefix"])
                under = [u for u in pages if u.startswith(prefix)]
                if len(under) > PROVENANCE_MAX_PAGES_PER_SHAPE + CONCURRENT_REQUESTS:
                    problems.append(f"trap {prefix}: {len(under)} pages fetched")
                continue
            if expect == "private_address" and not url.startswith(hostile.H):
                # a link, followed (if at all) to its host's home page: never requested
                if not any(_host(u) == _host(url) and p.error == expect for u, p in pages.items()):
                    problems.append(f"{url}: not recorded as {expect}")
                continue
            page = pages.get(normalize_url(url))
            if page is None:
                problems.append(f"{url}: not recorded (expected {expect})")
            elif expect == "ok":
                art = articles.get(page.final_url or "")
                if page.fetch_status != FetchStatus.OK or art is None:
                    problems.append(f"{url}: {page.fetch_status}/{page.error}, expected ok")
                elif spec.get("must_contain") and spec["must_contain"] not in art.text:
                    problems.append(f"{url}: text lacks {spec['must_contain']!r}")
            elif page.error != expect:
                problems.append(f"{url}: error {page.error!r}, expected {expect!r}")
    assert not problems, "\n".join(problems)


def test_no_request_reaches_a_private_address(crawled: Crawled) -> None:
    hosts = {url.split("/")[2] for url in crawled.hits}
    assert hostile.HOST in hosts
    assert all(h.rsplit(":", 1)[0].endswith(".test") for h in hosts), sorted(hosts)


def test_failures_and_traps_are_counted_in_run_stats(crawled: Crawled) -> None:
    with Session(crawled.engine) as s:
        run = s.scalars(select(CrawlRun).order_by(CrawlRun.id)).first()
    assert run is not None and run.finished_at is not None and run.status == "finished"
    stats = run.stats
    expected = {spec["expect"] for spec in crawled.truth["hostile"].values()} - {"ok"}
    for reason in expected:
        key = "trail/skipped/trap" if reason == "trap" else f"trail/failed/{reason}"
        assert stats.get(key, 0) > 0, f"{key} missing from run stats"
    assert stats["trail/seeds/invalid"] == len(crawled.truth["invalid_seeds"])
    assert len(run.seeds["rejected"]) == len(crawled.truth["invalid_seeds"])


def test_second_crawl_updates_rather_than_duplicates(crawled: Crawled) -> None:
    assert _counts(crawled.engine) == crawled.counts_after_first
    with Session(crawled.engine) as s:
        runs = s.scalar(select(func.count()).select_from(CrawlRun))
        latest = s.scalar(select(func.max(Page.crawl_run_id)))
        dup = s.execute(
            select(Page.url, func.count()).group_by(Page.url).having(func.count() > 1)
        ).all()
    assert runs == 2 and latest == 2 and not dup


def test_raw_html_is_kept_compressed(crawled: Crawled) -> None:
    import zlib

    with Session(crawled.engine) as s:
        page = s.scalars(select(Page).where(Page.fetch_status == FetchStatus.OK).limit(1)).one()
    html = zlib.decompress(page.raw_html or b"")
    assert re.search(rb"<html", html, re.I) and len(page.raw_html or b"") < len(html)


def test_every_fetched_page_is_archived_in_valid_warc(crawled: Crawled, tmp_path: Path) -> None:
    import hashlib

    from warcio.archiveiterator import ArchiveIterator

    from crawler.crawl import warc_dir_for
    from crawler.warc import read_record

    warc_dir = warc_dir_for(str(crawled.engine.url))
    with Session(crawled.engine) as s:
        pages = s.scalars(select(Page).where(Page.content_hash.is_not(None))).all()
    assert pages and all(p.warc_file for p in pages)
    for page in pages[::10]:  # the archived body is the body we stored
        record = read_record(warc_dir, page.warc_file, page.warc_offset)
        assert hashlib.sha256(record.content()).hexdigest() == page.content_hash
    responses = 0
    for path in sorted(warc_dir.glob("*.warc.gz")):  # and warcio reads every file to the end
        with path.open("rb") as f:
            responses += sum(r.rec_type == "response" for r in ArchiveIterator(f))
    assert responses >= len(pages)
    shown = provenance(["evidence", pages[0].url, "--db", str(crawled.engine.url)])
    assert shown.returncode == 0 and "HTTP 200" in shown.stdout


def test_copy_detection_meets_the_quality_floors(crawled: Crawled) -> None:
    """The quality gate: ``make eval``'s figures on this crawl (matched online, as users
    run it) stay above ``tests/eval_floors.json``, on each backend."""
    from tests.eval import FLOORS, check_floors, score

    metrics = score(crawled.engine, crawled.truth)
    assert check_floors(metrics, json.loads(FLOORS.read_text())) == []
