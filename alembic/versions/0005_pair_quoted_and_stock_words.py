"""reuse pairs record how many shared words were quotation and stock phrases

Independent reports of one event share officials' quotes and stock phrases. Those words
no longer make a pair reuse; each pair keeps how many of its shared words they were, as
evidence a researcher can check.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reuse_pairs") as batch:
        batch.add_column(sa.Column("quoted_words", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("stock_words", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("reuse_pairs") as batch:
        batch.drop_column("stock_words")
        batch.drop_column("quoted_words")
