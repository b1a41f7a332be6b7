"""revisit state, page versions, frontier and watch list

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 02:40:26.402594
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


import crawler.db.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "frontier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.Column("discovered_at", crawler.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"], ["crawl_runs.id"], name=op.f("fk_frontier_crawl_run_id_crawl_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frontier")),
        sa.UniqueConstraint("url", name=op.f("uq_frontier_url")),
    )
    with op.batch_alter_table("frontier", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_frontier_crawl_run_id"), ["crawl_run_id"], unique=False
        )

    op.create_table(
        "watched_outlets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("added_by", sa.String(length=16), nullable=False),
        sa.Column("added_at", crawler.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlets.id"],
            name=op.f("fk_watched_outlets_outlet_id_outlets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watched_outlets")),
        sa.UniqueConstraint("outlet_id", name=op.f("uq_watched_outlets_outlet_id")),
    )
    op.create_table(
        "page_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.Column("fetched_at", crawler.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("raw_html", sa.LargeBinary(), nullable=True),
        sa.Column("warc_file", sa.String(length=512), nullable=True),
        sa.Column("warc_offset", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"],
            ["crawl_runs.id"],
            name=op.f("fk_page_versions_crawl_run_id_crawl_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["pages.id"],
            name=op.f("fk_page_versions_page_id_pages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_versions")),
    )
    with op.batch_alter_table("page_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_page_versions_page_id"), ["page_id"], unique=False)

    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("etag", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("last_modified", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("next_visit_at", crawler.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("unchanged_visits", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("warc_file", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("warc_offset", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_pages_next_visit_at"), ["next_visit_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pages_next_visit_at"))
        batch_op.drop_column("warc_offset")
        batch_op.drop_column("warc_file")
        batch_op.drop_column("unchanged_visits")
        batch_op.drop_column("next_visit_at")
        batch_op.drop_column("last_modified")
        batch_op.drop_column("etag")

    with op.batch_alter_table("page_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_versions_page_id"))

    op.drop_table("page_versions")
    op.drop_table("watched_outlets")
    with op.batch_alter_table("frontier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_frontier_crawl_run_id"))

    op.drop_table("frontier")
