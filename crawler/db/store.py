"""Write one fetched page (and its article and links) in one transaction, idempotently.

Re-crawling a URL updates its rows; a failed re-fetch keeps the evidence of the last
good fetch (raw HTML, article) and records the new failure beside it.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crawler.db.models import Article, FetchStatus, Link, Outlet, Page
from crawler.items import PageItem

ARTICLE_FIELDS = ("title", "author", "published", "published_raw", "date_precision",
                  "canonical_url", "site_name", "language", "text", "text_hash",
                  "word_count")  # fmt: skip


def outlet_id(session: Session, domain: str) -> int:
    """Id of the outlet ``domain``, created if new (safe with concurrent writers)."""
    found = session.scalar(select(Outlet.id).where(Outlet.domain == domain))
    if found is not None:
        return found
    dialect = session.get_bind().dialect.name
    values = {"domain": domain}
    if dialect == "postgresql":
        stmt = postgresql.insert(Outlet).values(values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(Outlet).values(values).on_conflict_do_nothing()
    else:  # pragma: no cover - other backends: plain insert
        stmt = insert(Outlet).values(values)
    session.execute(stmt)
    return session.scalars(select(Outlet.id).where(Outlet.domain == domain)).one()


def store_page(session: Session, item: PageItem, run_id: int | None) -> int | None:
    """Record ``item``; return the id of its article, if it has one."""
    outlet = outlet_id(session, item.outlet) if item.outlet else None
    page = session.scalar(select(Page).where(Page.url == item.url))
    if page is None:
        page = Page(url=item.url, first_fetched_at=item.fetched_at)
        session.add(page)
    failed = item.fetch_status == FetchStatus.FAILED
    page.outlet_id = outlet
    page.crawl_run_id = run_id
    page.fetch_status = item.fetch_status
    page.error = item.error
    page.error_detail = item.error_detail
    page.http_status = item.http_status
    page.fetched_at = item.fetched_at
    page.depth = item.depth
    page.discovered_via = page.discovered_via or item.via
    if not failed or page.raw_html is None:
        # A failure never erases the evidence of an earlier good fetch.
        page.final_url = item.final_url
        page.content_type = item.content_type
        page.encoding = item.encoding
        page.content_length = item.content_length
        page.content_hash = item.content_hash
        page.raw_html = item.raw
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
    article.page_id = page.id
    article.outlet_id = page.outlet_id  # type: ignore[assignment]
    for name in ARTICLE_FIELDS:
        setattr(article, name, getattr(data, name))
    session.flush()
    return article.id
