"""A tiny corpus builder for the copy-detection and CLI tests (databases come from conftest).

Helpers, not tests: the name keeps pytest from collecting it as a test module."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.db.models import Article, Link, Outlet, Page

_SYL = "ka lo mi ne ru sa te vo pa di gu re fo na bi ze lu xo ma ti".split()  # noqa: SIM905


def words(seed: int | str, n: int) -> list[str]:
    """``n`` pseudo-words, the same for the same seed, unrelated across seeds."""
    rng = random.Random(str(seed))
    return ["".join(rng.choice(_SYL) for _ in range(rng.randint(2, 4))) for _ in range(n)]


def paragraphs(seed: int | str, n: int = 6, size: int = 60) -> list[str]:
    return [" ".join(words(f"{seed}/{i}", size)).capitalize() + "." for i in range(n)]


def add_article(
    session: Session,
    url: str,
    body: str,
    *,
    published: datetime | None = None,
    precision: str | None = "datetime",
    links: list[tuple[str, str]] = (),  # type: ignore[assignment]
    first_seen: datetime | None = None,
    canonical: str | None = None,
) -> int:
    """Store an outlet (by host), a page, an article and its links; return the article id."""
    domain = url.split("/")[2].removeprefix("www.")
    outlet = session.scalar(select(Outlet).where(Outlet.domain == domain))
    if outlet is None:
        outlet = Outlet(domain=domain)
        session.add(outlet)
        session.flush()
    page = Page(url=url, final_url=url, outlet_id=outlet.id, fetch_status="ok")
    session.add(page)
    session.flush()
    for kind, to_url in links:
        session.add(Link(page_id=page.id, to_url=to_url, kind=kind))
    art = Article(
        url=url,
        page_id=page.id,
        outlet_id=outlet.id,
        title=url.rsplit("/", 1)[-1],
        published=published,
        date_precision=precision if published else None,
        canonical_url=canonical,
        text=body,
        text_hash=hashlib.sha256(body.encode()).hexdigest(),
        word_count=len(body.split()),
        first_seen_at=first_seen or datetime(2026, 1, 1, tzinfo=UTC),
    )
    session.add(art)
    session.flush()
    return art.id


def day(d: int, h: int = 12) -> datetime:
    return datetime(2026, 1, d, h, tzinfo=UTC)
