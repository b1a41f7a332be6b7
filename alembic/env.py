"""Alembic environment: migrates the engine handed over by ``crawler.db.migrate``,
or the database named by ``PROVENANCE_DB`` (default ``data/provenance.db``)."""

from __future__ import annotations

from alembic import context

import crawler.db.models  # noqa: F401  (registers the tables on Base.metadata)
import crawler.db.reuse_models  # noqa: F401  (copy-detection tables)
import crawler.db.search_models  # noqa: F401  (search-based discovery)
from crawler.db.base import Base
from crawler.db.session import make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=str(make_engine().url),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
