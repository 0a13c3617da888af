"""fact_a4: the project code's region when it lies in the prefecture

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("fact_a4", sa.Column("local_region", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fact_a4") as batch:
        batch.drop_column("local_region")
