"""What search-based discovery stores: cached search answers and what each query found.

* ``search_cache``: one row per (backend, normalised query): the results and when they
  expire, so nightly runs do not ask a search service twice for the same phrase.
* ``search_hits``: per searched article, each query sent and each result with what was
  done with it (fetched, too little overlap, already known, ...). A page fetched because
  of a result keeps ``pages.discovered_via = 'search'``; its row here names the backend
  and the query that found it: that is the evidence of how a copy was found.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crawler.db.base import Base, utcnow
from crawler.db.models import URL

QUERY = String(1024)


class SearchCache(Base):
    """A search service's answer to one query, kept until ``expires_at``."""

    __tablename__ = "search_cache"
    __table_args__ = (UniqueConstraint("backend", "query"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    backend: Mapped[str] = mapped_column(String(32))
    query: Mapped[str] = mapped_column(QUERY)  # graph.queries.normalise_query
    # [{"url", "title", "snippet", "published"}, ...] in the service's order
    results: Mapped[list[Any]] = mapped_column(default=list)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SearchHit(Base):
    """One query sent for an article (``url`` None) or one of its results and its fate."""

    __tablename__ = "search_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )  # the article searched for
    backend: Mapped[str] = mapped_column(String(32))
    query: Mapped[str] = mapped_column(QUERY)
    url: Mapped[str | None] = mapped_column(URL, index=True)
    rank: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)
    snippet: Mapped[str | None] = mapped_column(Text)
    overlap: Mapped[float | None] = mapped_column(Float)
    # query rows: "ok", "cached" or a reason code; result rows: "fetched",
    # "low_overlap", "known", "self", "over_budget"
    decision: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
