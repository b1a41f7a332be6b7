"""search-based discovery: cached search answers and what each query found

Copies on outlets that no link reaches are found by searching an article's distinctive
passages (issue 14). Answers are cached per (backend, normalised query) with a time to
live; each query and result is kept per searched article as evidence of how a copy was
found.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import crawler.db.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("backend", sa.String(length=32), nullable=False),
        sa.Column("query", sa.String(length=1024), nullable=False),
        sa.Column(
            "results",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("fetched_at", crawler.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", crawler.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_cache")),
        sa.UniqueConstraint("backend", "query", name=op.f("uq_search_cache_backend_query")),
    )
    with op.batch_alter_table("search_cache", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_cache_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "search_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("backend", sa.String(length=32), nullable=False),
        sa.Column("query", sa.String(length=1024), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("snippet", sa.Text(), nullable=True),
        sa.Column("overlap", sa.Float(), nullable=True),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("created_at", crawler.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_search_hits_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_hits")),
    )
    with op.batch_alter_table("search_hits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_hits_article_id"), ["article_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_hits_url"), ["url"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("search_hits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_hits_url"))
        batch_op.drop_index(batch_op.f("ix_search_hits_article_id"))

    op.drop_table("search_hits")
    with op.batch_alter_table("search_cache", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_cache_expires_at"))

    op.drop_table("search_cache")
