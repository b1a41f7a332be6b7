"""Reads and writes of search-based discovery: the answer cache, the hits, the scope."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.orm import Session

from crawler.db.base import utcnow
from crawler.db.models import Article, Page
from crawler.db.reuse_models import ReuseMark, ReusePair, ReuseProvenance
from crawler.db.search_models import SearchCache, SearchHit

__all__ = [
    "ArticleText",
    "cached_results",
    "known_urls",
    "load_article",
    "record_hits",
    "discovered_via",
    "roots_of",
    "save_results",
    "searched",
    "is_copy_of_any",
    "discovery_report",
    "stock_fingerprints",
    "unsearched_roots",
]


@dataclass(frozen=True, slots=True)
class ArticleText:
    id: int
    url: str
    title: str
    text: str


def load_article(session: Session, article_id: int) -> ArticleText | None:
    row = session.execute(
        select(Article.id, Article.url, Article.title, Article.text).where(Article.id == article_id)
    ).first()
    return ArticleText(row[0], row[1], row[2] or "", row[3] or "") if row else None


def stock_fingerprints(session: Session) -> frozenset[int]:
    """Fingerprints the matcher marked as boilerplate: passages holding one are no query."""
    return frozenset(session.scalars(select(ReuseMark.hash)))


def cached_results(
    session: Session, backend: str, query: str, now: datetime | None = None
) -> list[dict[str, Any]] | None:
    """The cached answer of ``backend`` to the normalised ``query``, unless expired."""
    row = session.scalar(
        select(SearchCache).where(SearchCache.backend == backend, SearchCache.query == query)
    )
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    return list(row.results)


def save_results(
    session: Session, backend: str, query: str, results: list[dict[str, Any]], ttl: float
) -> None:
    """Cache an answer for ``ttl`` seconds (replacing an expired one)."""
    session.execute(
        delete(SearchCache).where(SearchCache.backend == backend, SearchCache.query == query)
    )
    now = utcnow()
    session.add(
        SearchCache(
            backend=backend,
            query=query,
            results=results,
            fetched_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )  # fmt: skip
    )


def record_hits(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    session.add_all(SearchHit(**row) for row in rows)


def known_urls(session: Session, urls: Iterable[str]) -> set[str]:
    """Which of ``urls`` were already requested (as pages) or are stored articles."""
    wanted = list(dict.fromkeys(urls))
    if not wanted:
        return set()
    found = set(session.scalars(select(Page.url).where(Page.url.in_(wanted))))
    found |= set(session.scalars(select(Page.final_url).where(Page.final_url.in_(wanted))))
    return found


def searched(session: Session, article_id: int) -> bool:
    """Whether an earlier run already searched for this article's copies."""
    return bool(session.scalar(select(exists().where(SearchHit.article_id == article_id))))


def discovered_via(session: Session, article_id: int) -> str | None:
    """How the page of an article was found (``pages.discovered_via``)."""
    return session.scalar(
        select(Page.discovered_via).join(Article, Article.page_id == Page.id)
        .where(Article.id == article_id)
    )  # fmt: skip


def roots_of(session: Session, article_id: int) -> set[int]:
    """Roots of the stories ``article_id`` takes part in (copies exist), itself included."""
    prov = session.get(ReuseProvenance, article_id)
    if prov is None:
        return set()
    return {prov.root_id}


def unsearched_roots(session: Session, limit: int) -> list[int]:
    """Story roots (articles others copy) never searched for: work for a run that starts."""
    done = select(SearchHit.article_id)
    rows = session.scalars(
        select(ReuseProvenance.root_id)
        .where(ReuseProvenance.root_id.not_in(done))
        .distinct()
        .order_by(ReuseProvenance.root_id)
        .limit(limit)
    )
    return list(rows)


def is_copy_of_any(session: Session, article_id: int) -> bool:
    """Whether the article takes part in a verified reuse pair."""
    t = ReusePair
    return bool(
        session.scalar(select(exists().where(or_(t.a_id == article_id, t.b_id == article_id))))
    )


def discovery_report(
    session: Session, article_id: int, since: datetime | None = None
) -> list[dict[str, Any]]:
    """Each query sent for an article (since ``since``), its results, what was fetched and
    which fetched pages were confirmed as copies (a reuse pair with the article)."""
    rows = session.scalars(
        select(SearchHit)
        .where(SearchHit.article_id == article_id,
               SearchHit.created_at >= (since or datetime.min.replace(tzinfo=UTC)))
        .order_by(SearchHit.id)
    ).all()  # fmt: skip
    partners: set[int] = set()
    for a, b in session.execute(
        select(ReusePair.a_id, ReusePair.b_id).where(
            or_(ReusePair.a_id == article_id, ReusePair.b_id == article_id)
        )
    ):
        partners.add(b if a == article_id else a)
    queries: list[dict[str, Any]] = []
    for h in rows:
        if h.url is None:
            queries.append({"backend": h.backend, "query": h.query, "status": h.decision,
                            "results": []})  # fmt: skip
            continue
        if not queries:
            continue
        result: dict[str, Any] = {"rank": h.rank, "url": h.url, "title": h.title,
                                  "overlap": h.overlap, "decision": h.decision}  # fmt: skip
        page = session.execute(
            select(Page.fetch_status, Page.error, Page.final_url).where(Page.url == h.url)
        ).first()
        if h.decision == "fetched":
            result["fetch"] = (page[1] or page[0]) if page else "not_fetched"
        final = page[2] if page and page[2] else h.url
        aid = session.scalar(select(Article.id).where(Article.url == final))
        result["copy"] = aid is not None and aid in partners
        queries[-1]["results"].append(result)
    return queries
