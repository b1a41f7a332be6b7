"""Database fixtures for every test: a migrated SQLite file, a scratch PostgreSQL database.

``engine`` runs a test on both backends. PostgreSQL tests are skipped when the server is
unreachable, unless ``PROVENANCE_REQUIRE_PG`` is set (CI), where that is a failure; Redis
tests likewise with ``PROVENANCE_REQUIRE_REDIS`` (``redis_or_skip``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, delete, text
from sqlalchemy.orm import Session

from crawler.db.base import Base
from crawler.db.migrate import upgrade
from crawler.db.session import make_engine

PG_ADMIN = os.environ.get(
    "PROVENANCE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def redis_or_skip(url: str) -> Any:
    """A client of the Redis at ``url``, flushed; the test is skipped when Redis does not
    answer (a failure when ``PROVENANCE_REQUIRE_REDIS`` is set, as in CI)."""
    import redis

    from crawler.shared import redis_client

    client = redis_client(url)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        if os.environ.get("PROVENANCE_REQUIRE_REDIS"):
            pytest.fail(f"Redis is required here but unreachable at {url}: {exc}")
        pytest.skip(f"Redis unreachable at {url}: {exc.__class__.__name__}")
    return client


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@contextmanager
def scratch_database(prefix: str | None = None) -> Iterator[str]:
    """A new, migrated PostgreSQL database (named ``$PROVENANCE_TEST_PG_PREFIX`` + random),
    dropped afterwards. A server that does not answer skips the test, or fails it when
    ``PROVENANCE_REQUIRE_PG`` is set."""
    prefix = prefix or os.environ.get("PROVENANCE_TEST_PG_PREFIX", "prov_test_")
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT",
                          connect_args={"connect_timeout": 3})  # fmt: skip
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        if os.environ.get("PROVENANCE_REQUIRE_PG"):
            pytest.fail(f"PostgreSQL is required here but unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc.__class__.__name__}")
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A scratch PostgreSQL database for the session (``pg_engine`` empties it per test)."""
    with scratch_database() as url:
        yield url


@pytest.fixture
def pg_fresh_url() -> Iterator[str]:
    """A PostgreSQL database of its own for one test (crawls in a subprocess, which
    must not meet what an earlier test stored)."""
    with scratch_database() as url:
        yield url


@pytest.fixture
def pg_engine(pg_database_url: str) -> Iterator[Engine]:
    """The scratch PostgreSQL database, emptied for each test."""
    engine = make_engine(pg_database_url)
    with Session(engine) as s, s.begin():
        for table in reversed(Base.metadata.sorted_tables):
            s.execute(delete(table))
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each test using it runs once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")
