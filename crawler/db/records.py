"""Stored decisions read back for the graph: article records, copy edges, undecided pairs.

``graph/`` builds and measures graphs from these plain records; this module is the one
place that turns ``reuse_pairs`` and ``reuse_provenance`` rows into them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from crawler.db.models import Article, CrawlRun, Outlet
from crawler.db.reuse_models import ReusePair, ReuseProvenance
from graph.records import ArticleRecord, CopyEdge

__all__ = ["UndecidedPair", "last_run_start", "load_records", "load_undecided", "outlets_since"]


@dataclass(frozen=True, slots=True)
class UndecidedPair:
    """Reuse whose direction the signals do not settle."""

    url_a: str
    url_b: str
    similarity: float
    kind: str
    confidence: float
    signals: tuple[str, ...]


def load_records(session: Session) -> tuple[list[ArticleRecord], list[CopyEdge]]:
    """Every stored article, and the copy -> direct source edges.

    Time windows are applied once, on publication dates, by ``graph.build``. Undecided
    pairs are not edges (see ``load_undecided``).
    """
    rows = session.execute(
        select(Article.id, Article.url, Outlet.domain, Article.title, Article.published,
               Article.first_seen_at, Article.date_precision)
        .join(Outlet, Outlet.id == Article.outlet_id)
        .order_by(Article.url)
    ).all()  # fmt: skip
    records = [
        ArticleRecord(r.url, r.domain, r.title, r.published, r.first_seen_at,
                      r.date_precision if r.published is not None else None)
        for r in rows
    ]  # fmt: skip
    urls = {r.id: r.url for r in rows}
    edges: list[CopyEdge] = []
    prov = session.execute(select(ReuseProvenance.article_id, ReuseProvenance.sources)).all()
    wanted = {(aid, sid) for aid, sources in prov if aid in urls for sid in sources}
    if not wanted:
        return records, edges
    src = aliased(Article)
    for pair, source_url in session.execute(
        select(ReusePair, src.url).join(src, src.id == ReusePair.source_id)
    ):
        if (pair.copy_id, pair.source_id) not in wanted:
            continue
        edges.append(
            CopyEdge(
                copy_url=urls[pair.copy_id],
                source_url=source_url,
                similarity=round(pair.similarity, 4),
                kind=pair.kind,
                confidence=round(pair.confidence, 4),
                evidence=tuple(sorted({s[0] for s in pair.signals if s[1] == pair.source_id})),
                credited=pair.credited,
            )
        )
    edges.sort(key=lambda e: (e.copy_url, e.source_url))
    return records, edges


def load_undecided(session: Session) -> list[UndecidedPair]:
    """Pairs with verified reuse but no decided direction."""
    a, b = aliased(Article), aliased(Article)
    out = [
        UndecidedPair(ua, ub, round(p.similarity, 4), p.kind, p.confidence,
                      tuple(f"{s[0]}->{ua if s[1] == p.a_id else ub}" for s in p.signals))
        for p, ua, ub in session.execute(
            select(ReusePair, a.url, b.url)
            .join(a, a.id == ReusePair.a_id)
            .join(b, b.id == ReusePair.b_id)
            .where(ReusePair.source_id.is_(None))
        )
    ]  # fmt: skip
    return sorted(out, key=lambda u: (u.url_a, u.url_b))


def last_run_start(session: Session) -> datetime | None:
    """Start of the latest crawl run, the default boundary of the morning report."""
    return session.scalar(select(CrawlRun.started_at).order_by(CrawlRun.id.desc()).limit(1))


def outlets_since(session: Session, since: datetime) -> list[str]:
    """Domains of the outlets first seen at or after ``since``."""
    query = select(Outlet.domain).where(Outlet.first_seen_at >= since).order_by(Outlet.domain)
    return list(session.scalars(query))
