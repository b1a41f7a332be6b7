"""reuse index, pairs and provenance

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 01:59:03.261686
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import crawler.db.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "reuse_outlet_hashes",
        sa.Column("hash", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("outlet_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hash", "outlet_id", name=op.f("pk_reuse_outlet_hashes")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "reuse_postings",
        sa.Column("hash", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("hash", "article_id", name=op.f("pk_reuse_postings")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "reuse_documents",
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("fingerprints", sa.LargeBinary(), nullable=False),
        sa.Column("indexed_at", crawler.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("matched_at", crawler.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_reuse_documents_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_reuse_documents")),
    )
    op.create_table(
        "reuse_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("a_id", sa.Integer(), nullable=False),
        sa.Column("b_id", sa.Integer(), nullable=False),
        sa.Column("containment_a", sa.Float(), nullable=False),
        sa.Column("containment_b", sa.Float(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("matched_words", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "passages",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("copy_id", sa.Integer(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("credited", sa.Boolean(), nullable=False),
        sa.Column(
            "signals",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", crawler.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["a_id"], ["articles.id"], name=op.f("fk_reuse_pairs_a_id_articles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["b_id"], ["articles.id"], name=op.f("fk_reuse_pairs_b_id_articles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reuse_pairs")),
        sa.UniqueConstraint("a_id", "b_id", name=op.f("uq_reuse_pairs_a_id_b_id")),
    )
    with op.batch_alter_table("reuse_pairs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reuse_pairs_b_id"), ["b_id"], unique=False)

    op.create_table(
        "reuse_provenance",
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column(
            "sources",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("root_id", sa.Integer(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("updated_at", crawler.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_reuse_provenance_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_reuse_provenance")),
    )
    with op.batch_alter_table("reuse_provenance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reuse_provenance_root_id"), ["root_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("reuse_provenance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reuse_provenance_root_id"))

    op.drop_table("reuse_provenance")
    with op.batch_alter_table("reuse_pairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reuse_pairs_b_id"))

    op.drop_table("reuse_pairs")
    op.drop_table("reuse_documents")
    op.drop_table("reuse_postings")
    op.drop_table("reuse_outlet_hashes")
