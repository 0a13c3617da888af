"""score drafts: the inputs gate's gaps on each run, and circulations that lock a run as 第N版

Revision ID: 0101
Revises: 0100
Create Date: 2026-12-01 10:30:00

Runs recorded before this revision were "locked" versions that were never mailed to anyone.
Decision: they become drafts. Nothing is written for them in score_circulation, so the newest
run of each period is its current draft, which the office circulates when it is satisfied;
their gaps are NULL (no gate checked them). A circulated 第N版 is therefore always one that
`circulate_version` locked.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0101"
down_revision = "0100"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("score_run", sa.Column("gaps", sa.Text(), nullable=True))
    op.create_table(
        "score_circulation",
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rules_version", sa.String(length=32), nullable=False),
        sa.Column("inputs_hash", sa.String(length=64), nullable=False),
        sa.Column("circulated_at", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["period", "version"], ["score_run.period", "score_run.version"]),
        sa.PrimaryKeyConstraint("period", "number"),
        sa.UniqueConstraint("period", "version", name="uq_score_circulation_run"),
    )


def downgrade() -> None:
    op.drop_table("score_circulation")
    with op.batch_alter_table("score_run") as batch:
        batch.drop_column("gaps")
