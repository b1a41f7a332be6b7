"""Storage on SQLite and PostgreSQL: idempotent writes, failures that keep the evidence."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crawler.db.models import (
    Article,
    CrawlRun,
    Link,
    Outlet,
    Page,
    PageVersion,
)
from crawler.db.store import store_page
from crawler.items import ArticleData, FoundLink, PageItem
from crawler.kinds import FetchStatus, LinkKind

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


def _item(text: str = "The strike hit the base at dawn.", **kw: object) -> PageItem:
    article = ArticleData(
        title="Strike", author="Jane Roe", published=T0, published_raw="2025-03-03T12:00:00Z",
        date_precision="datetime", canonical_url="http://src.test/a", site_name="Copy",
        language="en", text=text, text_hash=str(hash(text)), word_count=len(text.split()),
    )  # fmt: skip
    base = PageItem(
        url="http://copy.test/a", final_url="http://www.copy.test/a", outlet="copy.test",
        fetch_status=FetchStatus.OK, fetched_at=T0, http_status=200, raw=b"x\x9c...",
        content_hash="abc", article=article,
        links=[FoundLink("http://src.test/a", LinkKind.ATTRIBUTION, "Source", "Source: Source"),
               FoundLink("http://src.test/a", LinkKind.CANONICAL)],
    )  # fmt: skip
    return replace(base, **kw)  # type: ignore[arg-type]


def _counts(engine: Engine) -> tuple[int, ...]:
    with Session(engine) as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m)) or 0
            for m in (Outlet, Page, Article, Link)
        )


def _store(engine: Engine, item: PageItem, run_id: int | None = None) -> int | None:
    with Session(engine) as s, s.begin():
        return store_page(s, item, run_id)


def test_storing_twice_updates_in_place(engine: Engine) -> None:
    first = _store(engine, _item())
    assert _counts(engine) == (1, 1, 1, 2)
    second = _store(engine, _item(text="The strike hit the base at dawn, officials said."))
    assert first == second and _counts(engine) == (1, 1, 1, 2)
    with Session(engine) as s:
        art = s.scalars(select(Article)).one()
        assert art.text.endswith("officials said.") and art.url == "http://www.copy.test/a"
        assert art.published == T0 and art.first_seen_at == T0


def test_failed_refetch_keeps_the_evidence(engine: Engine) -> None:
    _store(engine, _item())
    later = datetime(2025, 3, 4, tzinfo=UTC)
    failed = _item(
        fetch_status=FetchStatus.FAILED, error="http_503", http_status=503,
        raw=None, content_hash=None, article=None, links=[], fetched_at=later,
    )  # fmt: skip
    assert _store(engine, failed) is None
    with Session(engine) as s:
        page = s.scalars(select(Page)).one()
        assert page.fetch_status == "failed" and page.error == "http_503"
        assert page.raw_html == b"x\x9c..." and page.content_hash == "abc"
        assert page.fetched_at == later and page.first_fetched_at == T0
        assert s.scalar(select(func.count()).select_from(Article)) == 1


def test_failure_without_history_is_recorded_with_its_reason(engine: Engine) -> None:
    item = PageItem(url="http://hostile.test/private/x", outlet="hostile.test",
                    fetch_status=FetchStatus.FAILED, fetched_at=T0, error="robots")  # fmt: skip
    assert _store(engine, item) is None
    with Session(engine) as s:
        page = s.scalars(select(Page)).one()
        assert (page.url, page.error, page.raw_html, page.outlet.domain) == (
            "http://hostile.test/private/x",
            "robots",
            None,
            "hostile.test",
        )


def test_two_urls_redirecting_to_one_article(engine: Engine) -> None:
    a = _store(engine, _item())
    b = _store(engine, _item(url="http://www.copy.test/a"))
    assert a == b and _counts(engine)[1:3] == (2, 1)


def test_changed_body_keeps_the_earlier_one_as_it_was_fetched(engine: Engine) -> None:
    later = datetime(2025, 3, 4, tzinfo=UTC)
    with Session(engine) as s, s.begin():
        runs = [CrawlRun(), CrawlRun()]
        s.add_all(runs)
        s.flush()
        first_run, second_run = runs[0].id, runs[1].id
    _store(engine, _item(warc_file="a.warc.gz", warc_offset=10), first_run)
    edited = _item(text="The strike hit the base at noon.", raw=b"x\x9cnew", content_hash="def",
                   fetched_at=later, warc_file="b.warc.gz", warc_offset=20)  # fmt: skip
    _store(engine, edited, second_run)
    _store(engine, edited, second_run)  # the same body again: no new version
    with Session(engine) as s:
        version = s.scalars(select(PageVersion)).one()
        assert (version.fetched_at, version.crawl_run_id, version.content_hash) == (
            T0, first_run, "abc")  # fmt: skip
        assert (version.raw_html, version.warc_file, version.warc_offset) == (
            b"x\x9c...", "a.warc.gz", 10)  # fmt: skip
        page = s.scalars(select(Page)).one()
        assert (page.content_hash, page.raw_html, page.crawl_run_id) == (
            "def",
            b"x\x9cnew",
            second_run,
        )
        assert (page.fetched_at, page.unchanged_visits) == (later, 1)


def test_not_modified_counts_an_unchanged_visit(engine: Engine) -> None:
    article_id = _store(engine, _item())
    later = datetime(2025, 3, 5, tzinfo=UTC)
    same = PageItem(url="http://copy.test/a", outlet="copy.test", http_status=304,
                    fetch_status=FetchStatus.NOT_MODIFIED, fetched_at=later)  # fmt: skip
    assert article_id is not None and _store(engine, same) is None
    with Session(engine) as s:
        page = s.scalars(select(Page)).one()
        assert (page.fetch_status, page.unchanged_visits, page.fetched_at) == ("ok", 1, later)
        assert page.next_visit_at == later + timedelta(hours=40)  # twice the article interval
        assert page.raw_html == b"x\x9c..." and _counts(engine) == (1, 1, 1, 2)


def test_outlet_ids_are_remembered_once_read(engine: Engine) -> None:
    known: dict[str, int] = {}
    with Session(engine) as s, s.begin():
        store_page(s, _item(), None, known)
    assert known == {}  # created in that transaction: not remembered yet
    with Session(engine) as s, s.begin():
        store_page(s, _item(url="http://copy.test/b", final_url="http://copy.test/b"), None, known)
        outlet = s.scalars(select(Outlet.id)).one()
    assert known == {"copy.test": outlet}
    with Session(engine) as s, s.begin():
        store_page(s, _item(url="http://copy.test/c", final_url="http://copy.test/c"), None, known)
    assert _counts(engine)[:3] == (1, 3, 3)
