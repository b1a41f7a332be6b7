"""postings carry their outlet; per-outlet counts table replaced by boilerplate marks

Per-outlet fingerprint counts were a second table of random keys, written on every
article: it doubled the index's writes, whose cost grows with the corpus. The counts
are now read from the postings themselves.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 05:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MIN_ARTICLES = 4  # graph.boilerplate.MIN_ARTICLES when this migration was written


def upgrade() -> None:
    op.create_table(
        "reuse_marks",
        sa.Column("hash", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_reuse_marks")),
    )
    op.execute(
        "INSERT INTO reuse_marks (hash) SELECT DISTINCT hash FROM reuse_outlet_hashes "
        f"WHERE outlet_id = 0 OR n >= {MIN_ARTICLES}"
    )
    op.create_table(
        "reuse_postings_new",
        sa.Column("hash", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("outlet_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("hash", "outlet_id", "article_id", name=_pk("reuse_postings_new")),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO reuse_postings_new (hash, outlet_id, article_id) "
        "SELECT p.hash, d.outlet_id, p.article_id FROM reuse_postings AS p "
        "JOIN reuse_documents AS d ON d.article_id = p.article_id"
    )
    op.drop_table("reuse_postings")
    op.drop_table("reuse_outlet_hashes")
    op.rename_table("reuse_postings_new", "reuse_postings")
    _rename_pk("reuse_postings_new", "reuse_postings")


def downgrade() -> None:
    op.create_table(
        "reuse_outlet_hashes",
        sa.Column("hash", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("outlet_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hash", "outlet_id", name=op.f("pk_reuse_outlet_hashes")),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO reuse_outlet_hashes (hash, outlet_id, n) "
        "SELECT hash, outlet_id, count(*) FROM reuse_postings GROUP BY hash, outlet_id"
    )
    op.execute(
        f"INSERT INTO reuse_outlet_hashes (hash, outlet_id, n) SELECT hash, 0, {MIN_ARTICLES} "
        "FROM reuse_marks"
    )
    op.create_table(
        "reuse_postings_old",
        sa.Column("hash", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("hash", "article_id", name=_pk("reuse_postings_old")),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO reuse_postings_old (hash, article_id) "
        "SELECT DISTINCT hash, article_id FROM reuse_postings"
    )
    op.drop_table("reuse_postings")
    op.drop_table("reuse_marks")
    op.rename_table("reuse_postings_old", "reuse_postings")
    _rename_pk("reuse_postings_old", "reuse_postings")


def _pk(temporary_table: str) -> str:
    """The primary key's name: final on SQLite (names need not be unique there and are
    not renamed), temporary on PostgreSQL (the old table still holds the final name)."""
    if op.get_bind().dialect.name == "postgresql":
        return f"pk_{temporary_table}"
    return "pk_reuse_postings"


def _rename_pk(old: str, table: str) -> None:
    """Give the renamed table's primary key the naming convention's name (PostgreSQL keeps
    constraint names through a rename; SQLite has no named constraints to rename)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT pk_{old} TO pk_{table}")
