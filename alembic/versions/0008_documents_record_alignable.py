"""indexed articles record whether their matching found a candidate worth aligning

When a fingerprint becomes boilerplate, its carriers were all matched again. A mark only
masks more of a text, so an article whose matching found no candidate worth aligning
still has none afterwards; ``alignable`` false lets the matcher leave it out. Rows
indexed before this revision are NULL (unknown) and are matched again as before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 16:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reuse_documents") as batch:
        batch.add_column(sa.Column("alignable", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reuse_documents") as batch:
        batch.drop_column("alignable")
