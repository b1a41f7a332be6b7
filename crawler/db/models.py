"""What a crawl stores: outlets, fetched pages, extracted articles, links and crawl runs.

One row per requested URL in ``pages`` (its fetch outcome, successful or not) and one
row per final URL in ``articles`` (what trafilatura extracted). Re-crawling updates
rows in place; nothing is ever duplicated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crawler.db.base import Base, utcnow

URL = String(2048)


class Outlet(Base):
    __tablename__ = "outlets"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(32), default="running")
    seeds: Mapped[dict[str, Any]] = mapped_column(default=dict)  # accepted and rejected seeds
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Page(Base):
    """One requested URL and the outcome of its latest fetch."""

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(URL, unique=True)
    final_url: Mapped[str | None] = mapped_column(URL, index=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"), index=True)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    fetch_status: Mapped[str] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(String(64))  # short reason code, e.g. "robots"
    error_detail: Mapped[str | None] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(255))
    encoding: Mapped[str | None] = mapped_column(String(64))
    content_length: Mapped[int | None] = mapped_column(BigInteger)
    content_hash: Mapped[str | None] = mapped_column(String(64))  # sha256 of the raw body
    raw_html: Mapped[bytes | None] = mapped_column(LargeBinary)  # zlib-compressed raw body
    depth: Mapped[int | None] = mapped_column(Integer)
    discovered_via: Mapped[str | None] = mapped_column(String(32))
    first_fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Revisit state, kept here (not in one process's memory) so every run and every
    # crawler process shares it.
    etag: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    next_visit_at: Mapped[datetime | None] = mapped_column(index=True)
    unchanged_visits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Where the archived response of the latest fetch is (relative to the WARC folder).
    warc_file: Mapped[str | None] = mapped_column(String(512))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)

    outlet: Mapped[Outlet | None] = relationship()
    links: Mapped[list[Link]] = relationship(
        back_populates="page", cascade="all, delete-orphan", passive_deletes=True
    )


class Article(Base):
    """The extracted article at one final URL."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(URL, unique=True)  # final URL, after redirects
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    published: Mapped[datetime | None]
    published_raw: Mapped[str | None] = mapped_column(String(64))
    date_precision: Mapped[str | None] = mapped_column(String(16))  # "datetime" | "date"
    canonical_url: Mapped[str | None] = mapped_column(URL)
    site_name: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64), index=True)
    word_count: Mapped[int] = mapped_column(Integer)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    page: Mapped[Page] = relationship()
    outlet: Mapped[Outlet] = relationship()


class Link(Base):
    """A link found on a page, classified by where it sits and what it says."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("page_id", "to_url", "kind"),
        Index("ix_links_to_url_kind", "to_url", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    to_url: Mapped[str] = mapped_column(URL)
    kind: Mapped[str] = mapped_column(String(32))
    anchor_text: Mapped[str | None] = mapped_column(Text)
    context: Mapped[str | None] = mapped_column(Text)  # the credit phrase around the link

    page: Mapped[Page] = relationship(back_populates="links")


class PageVersion(Base):
    """Every distinct body a page has served, in the order we saw them."""

    __tablename__ = "page_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
    raw_html: Mapped[bytes | None] = mapped_column(LargeBinary)  # zlib-compressed
    warc_file: Mapped[str | None] = mapped_column(String(512))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)


class FrontierEntry(Base):
    """A URL a crawl decided to fetch and has not recorded yet: the work a killed run left.

    Written in the same transaction as the page that found it, and deleted in the same
    transaction as the page that records it, so it is exact whenever a run stops.
    """

    __tablename__ = "frontier"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(URL, unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    depth: Mapped[int] = mapped_column(Integer, default=0)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    discovered_at: Mapped[datetime] = mapped_column(default=utcnow)
    # With a shared frontier: the process that took the URL from Redis and has not
    # recorded it yet; if that process dies, its claims go back to the frontier.
    claimed_by: Mapped[str | None] = mapped_column(String(96), index=True)
    claimed_at: Mapped[datetime | None]


class WatchedOutlet(Base):
    """An outlet revisited by every nightly run, added by a user or found on a trail."""

    __tablename__ = "watched_outlets"

    id: Mapped[int] = mapped_column(primary_key=True)
    outlet_id: Mapped[int] = mapped_column(
        ForeignKey("outlets.id", ondelete="CASCADE"), unique=True
    )
    url: Mapped[str] = mapped_column(URL)  # entry point: usually the home page
    added_by: Mapped[str] = mapped_column(String(16), default="user")  # "user" | "trail"
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    outlet: Mapped[Outlet] = relationship()


class WorkerProcess(Base):
    """A live crawler or matcher process, known by its heartbeat. Work claimed by a
    process whose heartbeat stopped (frontier URLs, queued articles) is put back."""

    __tablename__ = "processes"

    id: Mapped[str] = mapped_column(String(96), primary_key=True)  # host:pid:token
    role: Mapped[str] = mapped_column(String(16))  # "crawler" | "matcher"
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    crawl_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
