"""The match queue and the matchers' outbox (issue 13).

Stored articles wait in ``match_queue`` for a matcher process. A matcher claims a batch
(``claim``: on PostgreSQL ``FOR UPDATE SKIP LOCKED``, so two matchers never take the
same article and never wait for each other; SQLite serialises writers anyway) and
deletes its rows (``done``) in the transaction that records their matching, so a
matcher killed at any moment loses nothing: its claims go back to the queue once its
heartbeat in ``processes`` is stale (``release_stale``; the registry is
``crawler.db.processes``). Matchers write to the outbox
(``match_follow``) what the crawlers should do next, and any crawler takes it (``take``).

Hand-written on SQLAlchemy rather than procrastinate: that library is PostgreSQL-only,
and SQLite (the default database) needs this table and these four statements anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crawler.db import processes
from crawler.db.base import utcnow
from crawler.db.models import WorkerProcess
from crawler.db.reuse_models import MatchFollow, MatchQueueEntry

__all__ = [
    "FOLLOW",
    "MATCHED",
    "STALE_AFTER",
    "claim",
    "depth",
    "done",
    "enqueue",
    "outbox",
    "release_stale",
    "take",
]

FOLLOW = "follow"  # outbox: a URL to crawl first (credit or canonical link of a copy)
MATCHED = "matched"  # outbox: an article whose matching is recorded
STALE_AFTER = 30.0  # seconds without a heartbeat after which a process is taken for dead

Q = MatchQueueEntry.__table__
OUT = MatchFollow.__table__


def _insert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def enqueue(conn: Connection, article_ids: Iterable[int]) -> None:
    """Queue articles for matching (idempotent). An article queued again while claimed
    (its text changed during its matching) is unclaimed, so the matcher's ``done`` leaves
    it queued and it is matched again with the new text."""
    rows = [{"article_id": a, "queued_at": utcnow()} for a in sorted(set(article_ids))]
    if not rows:
        return
    stmt = _insert(conn)(Q)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Q.c.article_id],
        set_={"claimed_by": None, "claimed_at": None, "queued_at": stmt.excluded.queued_at},
    )
    conn.execute(stmt, rows)


def claim(conn: Connection, worker: str, limit: int) -> list[int]:
    """Take up to ``limit`` unclaimed articles, oldest first, for ``worker`` (commit after)."""
    pick = (
        select(Q.c.article_id)
        .where(Q.c.claimed_by.is_(None))
        .order_by(Q.c.queued_at, Q.c.article_id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # rendered on PostgreSQL only
        .scalar_subquery()
    )
    stmt = (
        update(Q)
        .where(Q.c.article_id.in_(pick), Q.c.claimed_by.is_(None))
        .values(claimed_by=worker, claimed_at=utcnow())
        .returning(Q.c.article_id)
    )
    return sorted(conn.execute(stmt).scalars())


def done(conn: Connection, worker: str, article_ids: Iterable[int]) -> None:
    """Drop the worker's claims of these articles (in the transaction recording them)."""
    ids = sorted(set(article_ids))
    if ids:
        conn.execute(delete(Q).where(Q.c.article_id.in_(ids), Q.c.claimed_by == worker))


def release(conn: Connection, worker: str) -> int:
    """Put back every claim of ``worker`` (it stops without matching them)."""
    return conn.execute(
        update(Q).where(Q.c.claimed_by == worker).values(claimed_by=None, claimed_at=None)
    ).rowcount


def release_stale(session: Session, stale_after: float = STALE_AFTER) -> int:
    """Put back the claims of matchers that are dead (``processes.dead_processes``) or
    not registered at all, and forget the dead ones."""
    dead = processes.dead_processes(session, stale_after, role="matcher")
    processes.forget(session, dead)
    registered = select(WorkerProcess.id)
    return session.execute(
        update(Q)
        .where(Q.c.claimed_by.is_not(None), Q.c.claimed_by.not_in(registered))
        .values(claimed_by=None, claimed_at=None)
    ).rowcount


def depth(conn: Connection) -> int:
    """Articles waiting or being matched."""
    return int(conn.execute(select(func.count()).select_from(Q)).scalar_one())


# -- the outbox ----------------------------------------------------------------------
def outbox(conn: Connection, rows: Iterable[tuple[str, str, int | None]]) -> None:
    """Write (kind, url, article id) rows; one pending row per kind and URL."""
    values = [
        {"kind": k, "url": u, "article_id": a, "created_at": utcnow()}
        for k, u, a in dict.fromkeys(rows)
    ]
    if values:
        conn.execute(_insert(conn)(OUT).on_conflict_do_nothing(), values)


def take(conn: Connection, limit: int = 500) -> list[tuple[str, str, int | None]]:
    """Take (delete and return) up to ``limit`` outbox rows, oldest first; with several
    crawlers each row goes to one of them."""
    pick = (
        select(OUT.c.id)
        .order_by(OUT.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    rows = conn.execute(
        delete(OUT).where(OUT.c.id.in_(pick)).returning(OUT.c.id, OUT.c.kind, OUT.c.url,
                                                         OUT.c.article_id)
    ).all()  # fmt: skip
    return [(r.kind, r.url, r.article_id) for r in sorted(rows)]
