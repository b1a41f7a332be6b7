"""Storage on SQLite and PostgreSQL: idempotent writes, failures that keep the evidence."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from crawler.db.models import Article, FetchStatus, Link, LinkKind, Outlet, Page
from crawler.db.store import store_page
from crawler.items import ArticleData, FoundLink, PageItem

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
