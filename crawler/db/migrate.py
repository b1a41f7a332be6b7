"""Run Alembic from code: the schema is owned by ``alembic/versions``, never ``create_all``."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from alembic.util import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from crawler.db.session import DatabaseError, describe

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(engine: Engine) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Upgrade to head; return (before, after) revisions. Clear errors, no tracebacks."""
    try:
        before = current_revision(engine)
        if before is not None and not _known(engine, before):
            raise DatabaseError(
                f"the database {describe(engine)} is at schema revision {before}, which this "
                "version of the code does not know: it was migrated by a newer version. "
                "Upgrade the code."
            )
        command.upgrade(alembic_config(engine), "head")
        return before, current_revision(engine)
    except OperationalError as exc:
        raise DatabaseError(explain_operational_error(engine, exc)) from None
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"cannot migrate {describe(engine)}: {exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0]}"
        ) from None


def _known(engine: Engine, revision: str) -> bool:
    try:
        return (
            ScriptDirectory.from_config(alembic_config(engine)).get_revision(revision) is not None
        )
    except (ResolutionError, CommandError):
        return False


def check_writable(engine: Engine) -> None:
    """Fail fast, with one message, when another process holds the database's write lock.

    SQLite readers never block under WAL, but a crawl or a match must write: we take the
    write lock once (waiting ``busy_timeout``) before starting rather than mid-crawl.
    """
    if engine.dialect.name != "sqlite":
        return
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.exec_driver_sql("ROLLBACK")
    except OperationalError as exc:
        raise DatabaseError(explain_operational_error(engine, exc)) from None


def ensure_current(engine: Engine) -> None:
    """Bring the schema to head, logging what changed (a crawl calls this on start)."""
    before, after = upgrade(engine)
    if before != after:
        log.info("database schema migrated from %s to %s", before or "empty", after)


def explain_operational_error(engine: Engine, exc: OperationalError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    first = text.strip().splitlines()[0] if text.strip() else exc.__class__.__name__
    if "locked" in first:
        return f"the database {describe(engine)} is locked by another process ({first})"
    return f"cannot use the database {describe(engine)}: {first}"
