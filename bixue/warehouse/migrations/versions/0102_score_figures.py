"""score figures: the figures behind each audited measure (本年累计, 上年同期, 目标)

Revision ID: 0102
Revises: 0101
Create Date: 2026-12-01 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0102"
down_revision = "0101"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("score_line") as batch:
        batch.add_column(sa.Column("figures", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("score_line") as batch:
        batch.drop_column("figures")
