"""Write one fetched page (and its article and links) in one transaction, idempotently.

Re-crawling a URL updates its rows; a failed re-fetch keeps the evidence of the last
good fetch (raw HTML, article) and records the new failure beside it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crawler.db.models import Article, FetchStatus, FrontierEntry, Link, Outlet, Page, PageVersion
from crawler.items import PageItem
from crawler.revisit import next_visit

ARTICLE_FIELDS = ("title", "author", "published", "published_raw", "date_precision",
                  "canonical_url", "site_name", "language", "text", "text_hash",
                  "word_count")  # fmt: skip


def outlet_id(session: Session, domain: str) -> int:
    """Id of the outlet ``domain``, created if new (safe with concurrent writers)."""
    found = session.scalar(select(Outlet.id).where(Outlet.domain == domain))
    if found is not None:
        return found
    session.execute(_insert_ignore(session, Outlet).values(domain=domain))
    return session.scalars(select(Outlet.id).where(Outlet.domain == domain)).one()


def store_page(session: Session, item: PageItem, run_id: int | None) -> int | None:
    """Record ``item``; return the id of its article when its text is new or changed."""
    outlet = outlet_id(session, item.outlet) if item.outlet else None
    page = session.scalar(select(Page).where(Page.url == item.url))
    if page is None:
        page = Page(url=item.url, first_fetched_at=item.fetched_at, fetch_status=item.fetch_status)
        session.add(page)
    page.outlet_id = outlet
    page.crawl_run_id = run_id
    page.fetched_at = item.fetched_at
    page.depth = item.depth
    page.discovered_via = page.discovered_via or item.via
    session.flush()
    _record_frontier(session, item, run_id)
    if item.fetch_status == FetchStatus.NOT_MODIFIED:
        page.unchanged_visits += 1
        page.next_visit_at = next_visit(page.fetch_status, page.error, _has_article(session, page),
                                        page.unchanged_visits, item.fetched_at)  # fmt: skip
        session.flush()
        return None
    failed = item.fetch_status == FetchStatus.FAILED
    page.fetch_status = item.fetch_status
    page.error = item.error
    page.error_detail = item.error_detail
    page.http_status = item.http_status
    if not failed or page.raw_html is None:
        # A failure never erases the evidence of an earlier good fetch.
        changed = page.content_hash is not None and page.content_hash != item.content_hash
        if changed and page.raw_html is not None:
            session.add(PageVersion(  # the earlier body becomes history
                page_id=page.id, crawl_run_id=page.crawl_run_id, fetched_at=page.fetched_at,
                content_hash=page.content_hash, raw_html=page.raw_html,
                warc_file=page.warc_file, warc_offset=page.warc_offset,
            ))  # fmt: skip
        page.unchanged_visits = (
            0 if changed or page.content_hash is None else page.unchanged_visits + 1
        )
        page.final_url = item.final_url
        page.content_type = item.content_type
        page.encoding = item.encoding
        page.content_length = item.content_length
        page.content_hash = item.content_hash
        page.raw_html = item.raw
        page.etag = item.etag
        page.last_modified = item.last_modified
        page.warc_file = item.warc_file
        page.warc_offset = item.warc_offset
    page.next_visit_at = next_visit(item.fetch_status, item.error, item.article is not None,
                                    page.unchanged_visits, item.fetched_at)  # fmt: skip
    session.flush()
    if failed:
        return None
    session.execute(delete(Link).where(Link.page_id == page.id))
    if item.links:
        session.execute(
            insert(Link),
            [
                {"page_id": page.id, "to_url": ln.url, "kind": ln.kind,
                 "anchor_text": ln.anchor, "context": ln.context}
                for ln in item.links
            ],
        )  # fmt: skip
    if item.article is None or item.final_url is None:
        return None
    data = item.article
    article = session.scalar(select(Article).where(Article.url == item.final_url))
    if article is None:
        article = Article(url=item.final_url, first_seen_at=item.fetched_at)
        session.add(article)
    elif article.text_hash == data.text_hash and article.page_id == page.id:
        return None  # same text: nothing to match again
    article.page_id = page.id
    article.outlet_id = page.outlet_id  # type: ignore[assignment]
    for name in ARTICLE_FIELDS:
        setattr(article, name, getattr(data, name))
    session.flush()
    return article.id


def _has_article(session: Session, page: Page) -> bool:
    return page.final_url is not None and (
        session.scalar(select(Article.id).where(Article.url == page.final_url)) is not None
    )


def _record_frontier(session: Session, item: PageItem, run_id: int | None) -> None:
    """This page is recorded: it leaves the frontier, and the work it led to enters it."""
    done = {item.url} | ({item.final_url} if item.final_url else set())
    session.execute(delete(FrontierEntry).where(FrontierEntry.url.in_(done)))
    rows = [
        {"url": url, "kind": kind, "depth": depth, "crawl_run_id": run_id,
         "discovered_at": item.fetched_at}
        for url, kind, depth in dict.fromkeys(item.discovered)
        if url not in done
    ]  # fmt: skip
    if rows:
        session.execute(_insert_ignore(session, FrontierEntry), rows)


def _insert_ignore(session: Session, model: type) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(model).on_conflict_do_nothing()
    return insert(model)  # pragma: no cover
