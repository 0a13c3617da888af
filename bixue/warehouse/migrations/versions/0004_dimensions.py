"""dimensions: units valid over time, periods, industries with their group, forms

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dim_unit",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.String(length=10), nullable=False),
        sa.Column("valid_to", sa.String(length=10), nullable=True),
        sa.Column("category", sa.String(length=8), nullable=False),
        sa.Column("admin_code", sa.String(length=6), nullable=True),
        sa.Column("senders", sa.Text(), nullable=False),
        sa.Column("aliases", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", "valid_from"),
    )
    op.create_table(
        "dim_period",
        sa.Column("key", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=True),
        sa.Column("month", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.String(length=10), nullable=False),
        sa.Column("end_date", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "dim_industry",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("industry", sa.Text(), nullable=False),
        sa.Column("group_unit", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("year", "industry"),
    )
    op.create_table(
        "dim_form",
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("attachment", sa.String(length=8), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("workbook", sa.String(length=16), nullable=False),
        sa.Column("sheet", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    for table in ("dim_form", "dim_industry", "dim_period", "dim_unit"):
        op.drop_table(table)
