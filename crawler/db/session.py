"""Engines and sessions: SQLite by default, PostgreSQL for big or shared runs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DB_PATH = Path("data/provenance.db")
ENV_VAR = "PROVENANCE_DB"


class DatabaseError(RuntimeError):
    """The database cannot be used; the message says why, for the user."""


def resolve_db_url(db: str | None = None) -> str:
    """Turn ``--db`` / ``PROVENANCE_DB`` / the default into a SQLAlchemy URL.

    A plain path (``data/x.db``) means a SQLite file; anything with ``://`` is a URL
    (``postgresql://postgres@127.0.0.1/provenance`` uses psycopg 3).
    """
    value = db or os.environ.get(ENV_VAR) or str(DEFAULT_DB_PATH)
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser()}"
    if value.startswith("postgresql://") or value.startswith("postgres://"):
        value = "postgresql+psycopg://" + value.split("://", 1)[1]
    try:
        make_url(value)
    except ArgumentError as exc:
        raise DatabaseError(f"not a database URL: {value!r} ({exc})") from None
    return value


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    # WAL lets readers (reports, exports) run while a crawl writes; busy_timeout
    # waits for a competing writer instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_autocommit_driver(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN itself
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")  # writers wait for each other's turn
    cursor.close()


def _begin_immediate(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(db: str | None = None, writer: bool = False, **kwargs: Any) -> Engine:
    """Create an engine for ``db`` (URL or path), creating a SQLite file's folder.

    ``writer``: on SQLite, every transaction takes the write lock when it begins
    (``BEGIN IMMEDIATE``). Processes writing the same file at once (the crawl's store,
    matchers) then wait their turn (``busy_timeout``); a transaction that read first
    and wrote later would instead fail at once when another had written meanwhile.
    """
    url = make_url(resolve_db_url(db))
    try:
        url.get_dialect()
    except (ArgumentError, ImportError) as exc:
        raise DatabaseError(f"unsupported database URL {url.render_as_string()!r}: {exc}") from None
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        if writer:
            event.listen(engine, "connect", _sqlite_autocommit_driver)
            event.listen(engine, "begin", _begin_immediate)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if url.get_backend_name() == "postgresql":
        kwargs.setdefault("connect_args", {"connect_timeout": 5})
    return create_engine(url, **kwargs)


def describe(engine: Engine) -> str:
    """The engine's URL with any password hidden, for messages."""
    return engine.url.render_as_string(hide_password=True)
