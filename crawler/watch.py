"""The outlets a nightly run revisits, and the work left by runs that stopped early."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from crawler.db.models import Article, FrontierEntry, Outlet, Page, WatchedOutlet
from crawler.db.reuse_models import ReusePair
from crawler.db.store import outlet_id
from crawler.kinds import FetchStatus
from crawler.urls import home_url, outlet_of


def add_watch(session: Session, url: str, added_by: str = "user") -> WatchedOutlet:
    """Watch the outlet of ``url`` (its home page is the entry point); idempotent."""
    oid = outlet_id(session, outlet_of(url))
    found = session.scalar(select(WatchedOutlet).where(WatchedOutlet.outlet_id == oid))
    if found is None:
        found = WatchedOutlet(outlet_id=oid, url=home_url(url), added_by=added_by)
        session.add(found)
        session.flush()
    return found


def remove_watch(session: Session, url_or_domain: str) -> bool:
    """Stop watching an outlet (by URL or domain); False if it was not watched."""
    domain = outlet_of(url_or_domain) if "://" in url_or_domain else url_or_domain.lower()
    row = session.scalar(select(WatchedOutlet).join(Outlet).where(Outlet.domain == domain))
    if row is None:
        return False
    session.delete(row)
    return True


def list_watches(session: Session) -> list[WatchedOutlet]:
    return list(session.scalars(select(WatchedOutlet).join(Outlet).order_by(Outlet.domain)))


def trail_outlet_homes(session: Session) -> list[str]:
    """Home pages of every outlet on a trail: outlets with an article in a copy pair."""
    ids = union(select(ReusePair.a_id), select(ReusePair.b_id)).subquery()
    rows = session.execute(
        select(Page.final_url)
        .distinct()
        .join(Article, Article.page_id == Page.id)
        .where(Article.id.in_(select(ids.c[0])))
    )
    return sorted({home_url(u) for (u,) in rows if u})


def pending_frontier(session: Session) -> list[str]:
    """URLs an earlier run took on and never recorded (it was stopped or killed)."""
    return list(session.scalars(select(FrontierEntry.url).order_by(FrontierEntry.id)))


def due_articles(session: Session, now: datetime, limit: int = 20_000) -> list[str]:
    """Stored articles whose revisit time has come, the longest-waiting first.

    They are revisited even when no changed listing links to them any more: an edit
    deep in an archive is found by the revisit policy, not by luck.
    """
    return list(session.scalars(
        select(Page.url)
        .where(Page.fetch_status == FetchStatus.OK, Page.next_visit_at <= now)
        .order_by(Page.next_visit_at)
        .limit(limit)
    ))  # fmt: skip


def nightly_seeds(session: Session, now: datetime | None = None) -> list[str]:
    """Watched outlets, outlets on trails, the work earlier runs left, then due articles."""
    seeds = [w.url for w in list_watches(session)] + trail_outlet_homes(session)
    seeds += pending_frontier(session)
    seeds += due_articles(session, now or datetime.now(UTC))
    return list(dict.fromkeys(seeds))
