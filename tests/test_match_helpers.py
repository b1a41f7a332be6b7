"""Shared fixtures for the copy-detection tests: migrated databases and a tiny corpus builder.

``sqlite_engine`` is a fresh file database per test; ``pg_engine`` a scratch PostgreSQL
database per test session (skipped when the server is unreachable), emptied per test.
"""

from __future__ import annotations

import hashlib
import os
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, create_engine, delete, select, text
from sqlalchemy.orm import Session

from crawler.db.base import Base
from crawler.db.migrate import upgrade
from crawler.db.models import Article, Link, Outlet, Page
from crawler.db.session import make_engine

PG_ADMIN = os.environ.get(
    "PROVENANCE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

_SYL = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "sa",
    "te",
    "vo",
    "pa",
    "di",
    "gu",
    "re",
    "fo",
    "na",
    "bi",
    "ze",
    "lu",
    "xo",
    "ma",
    "ti",
]


def words(seed: int | str, n: int) -> list[str]:
    """``n`` pseudo-words, the same for the same seed, unrelated across seeds."""
    rng = random.Random(str(seed))
    return ["".join(rng.choice(_SYL) for _ in range(rng.randint(2, 4))) for _ in range(n)]


def paragraphs(seed: int | str, n: int = 6, size: int = 60) -> list[str]:
    return [" ".join(words(f"{seed}/{i}", size)).capitalize() + "." for i in range(n)]


def sqlite_url(tmp_path) -> str:  # noqa: ANN001
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:  # noqa: ANN001
    engine = make_engine(sqlite_url(tmp_path))
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[str]:
    name = f"prov_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(
            PG_ADMIN, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL unreachable: {exc.__class__.__name__}")
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_engine(_pg_database: str) -> Iterator[Engine]:
    engine = make_engine(_pg_database)
    with Session(engine) as s, s.begin():
        for table in reversed(Base.metadata.sorted_tables):
            s.execute(delete(table))
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request) -> Engine:  # noqa: ANN001
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    return request.getfixturevalue(name)


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
