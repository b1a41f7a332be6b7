"""The process registry: live crawler and matcher processes, known by their heartbeat.

A process registers when it starts, beats every few seconds and removes itself on a
clean close. One whose heartbeat is older than the timeout is dead: whoever notices
(a live process at its heartbeat, or a new one at its start) puts its work back and
deletes its row. Times are the database server's (``now()``), so the clocks of several
machines never have to agree (on SQLite, one machine: its clock). Crawlers
(``crawler.sharedfrontier``) and matchers (``crawler.matcher``) both register here.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from crawler.db.base import utcnow
from crawler.db.models import FrontierEntry, WorkerProcess

__all__ = [
    "claim_frontier",
    "dead_processes",
    "forget",
    "heartbeat",
    "live_processes",
    "new_process_id",
    "register",
    "release_claims",
]


def _now(session: Session) -> datetime:
    """The database server's time (PostgreSQL), or this machine's (SQLite)."""
    if session.get_bind().dialect.name == "sqlite":
        return utcnow()
    now = session.scalar(select(func.now()))
    assert now is not None
    return now


def _alive(pid: int) -> bool:
    """Whether a process of this machine still runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's: alive
        return True
    return True


def new_process_id() -> str:
    """``host:pid:token``: unique across machines and across a reused pid."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def register(session: Session, process_id: str, role: str, run_id: int | None) -> None:
    host, pid, _ = process_id.rsplit(":", 2)
    session.add(
        WorkerProcess(
            id=process_id,
            role=role,
            host=host,
            pid=int(pid),
            crawl_run_id=run_id,
            started_at=_now(session),
            heartbeat_at=_now(session),
        )
    )


def heartbeat(session: Session, process_id: str) -> bool:
    """Mark ``process_id`` alive; False when its row is gone (another process judged it
    dead and put its work back), in which case it registers again."""
    done = session.execute(
        update(WorkerProcess)
        .where(WorkerProcess.id == process_id)
        .values(heartbeat_at=_now(session))
    )
    return bool(done.rowcount)


def dead_processes(session: Session, timeout: float, role: str | None = None) -> list[str]:
    """Ids of registered processes whose last heartbeat is older than ``timeout`` s, and
    of this machine's processes that are gone (dead at once, without waiting)."""
    stale = WorkerProcess.heartbeat_at < _now(session) - timedelta(seconds=timeout)
    query = select(WorkerProcess.id, WorkerProcess.host, WorkerProcess.pid, stale.label("stale"))
    if role is not None:
        query = query.where(WorkerProcess.role == role)
    host = socket.gethostname()[:60]
    return [
        r.id for r in session.execute(query) if r.stale or (r.host == host and not _alive(r.pid))
    ]


def live_processes(session: Session) -> list[tuple[WorkerProcess, float]]:
    """Every registered process with its heartbeat age in seconds, oldest first."""
    now = _now(session)
    rows = session.scalars(select(WorkerProcess).order_by(WorkerProcess.started_at)).all()
    return [(p, (now - p.heartbeat_at).total_seconds() if now else 0.0) for p in rows]


def forget(session: Session, process_ids: list[str]) -> None:
    """Remove processes from the registry (a clean close, or dead ones whose work is back)."""
    if process_ids:
        session.execute(delete(WorkerProcess).where(WorkerProcess.id.in_(process_ids)))


def claim_frontier(session: Session, process_id: str, urls: list[str]) -> int:
    """Record in ``frontier`` that ``process_id`` took ``urls`` and has not recorded them."""
    if not urls:
        return 0
    done = session.execute(
        update(FrontierEntry)
        .where(FrontierEntry.url.in_(urls))
        .where(or_(FrontierEntry.claimed_by.is_(None), FrontierEntry.claimed_by != process_id))
        .values(claimed_by=process_id, claimed_at=_now(session))
    )
    return done.rowcount or 0


def release_claims(session: Session, process_ids: list[str]) -> int:
    """Frontier rows claimed by ``process_ids`` become unclaimed work again."""
    if not process_ids:
        return 0
    done = session.execute(
        update(FrontierEntry)
        .where(FrontierEntry.claimed_by.in_(process_ids))
        .values(claimed_by=None, claimed_at=None)
    )
    return done.rowcount or 0
