"""initial warehouse: mail ledger, submissions, problems, facts, notices

Revision ID: 0001
Revises:
Create Date: 2026-11-22 12:36:35.594860
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deferral",
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.PrimaryKeyConstraint("raw_sha256"),
    )
    op.create_table(
        "message",
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_key", sa.Text(), nullable=True),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("sender", sa.Text(), nullable=True),
        sa.Column("display_from", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.Text(), nullable=True),
        sa.Column("received_at", sa.Text(), nullable=True),
        sa.Column("raw_path", sa.Text(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("processed_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("raw_sha256"),
    )
    op.create_table(
        "notice",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("ref", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "submission",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("message_sha256", sa.String(length=64), nullable=False),
        sa.Column("attachment_sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("workbook", sa.String(length=16), nullable=True),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=True),
        sa.Column("rows_loaded", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "attachment",
        sa.Column("message_sha256", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("name_flagged", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("stored_path", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_sha256"],
            ["message.raw_sha256"],
        ),
        sa.PrimaryKeyConstraint("message_sha256", "sha256"),
    )
    op.create_table(
        "fact_a3",
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("sheet", sa.Text(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("seq", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("project_name", sa.Text(), nullable=True),
        sa.Column("partner", sa.Text(), nullable=True),
        sa.Column("site", sa.Text(), nullable=True),
        sa.Column("investment_yi", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("stage", sa.Text(), nullable=True),
        sa.Column("progress", sa.Text(), nullable=True),
        sa.Column("issues", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("submission_id", "sheet", "excel_row"),
    )
    op.create_table(
        "fact_a4",
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("sheet", sa.Text(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("seq", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("project_name", sa.Text(), nullable=True),
        sa.Column("partner", sa.Text(), nullable=True),
        sa.Column("local_company", sa.Text(), nullable=True),
        sa.Column("site", sa.Text(), nullable=True),
        sa.Column("start_month", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("funds_yi", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("project_code", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("submission_id", "sheet", "excel_row"),
    )
    op.create_table(
        "fact_a5",
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("sheet", sa.Text(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("seq", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("activity", sa.Text(), nullable=True),
        sa.Column("dates", sa.Text(), nullable=True),
        sa.Column("dates_start", sa.Text(), nullable=True),
        sa.Column("dates_end", sa.Text(), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("leader", sa.Text(), nullable=True),
        sa.Column("lead_unit", sa.Text(), nullable=True),
        sa.Column("participants", sa.Text(), nullable=True),
        sa.Column("companies", sa.Text(), nullable=True),
        sa.Column("talks", sa.Text(), nullable=True),
        sa.Column("signed_projects", sa.Text(), nullable=True),
        sa.Column("place_kind", sa.Text(), nullable=True),
        sa.Column("out_of_province", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("company_count", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("leader_rank", sa.Text(), nullable=True),
        sa.Column("qualifies", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("submission_id", "sheet", "excel_row"),
    )
    op.create_table(
        "fact_ledger_signings",
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("sheet", sa.Text(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("seq", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("project_name", sa.Text(), nullable=True),
        sa.Column("partner", sa.Text(), nullable=True),
        sa.Column("site", sa.Text(), nullable=True),
        sa.Column("signed_on", sa.Text(), nullable=True),
        sa.Column("investment_yi", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("submission_id", "sheet", "excel_row"),
    )
    op.create_table(
        "fact_ledger_trips",
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("sheet", sa.Text(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("seq", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("trip", sa.Text(), nullable=True),
        sa.Column("dates", sa.Text(), nullable=True),
        sa.Column("dates_start", sa.Text(), nullable=True),
        sa.Column("dates_end", sa.Text(), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("leader", sa.Text(), nullable=True),
        sa.Column("leader_kind", sa.Text(), nullable=True),
        sa.Column("companies", sa.Text(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("submission_id", "sheet", "excel_row"),
    )
    op.create_table(
        "fact_stats_fdi",
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("sheet", sa.Text(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("county", sa.Text(), nullable=True),
        sa.Column("fdi_wan_usd", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("fdi_prior_wan_usd", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("submission_id", "sheet", "excel_row"),
    )
    op.create_table(
        "fact_stats_funds",
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("sheet", sa.Text(), nullable=False),
        sa.Column("excel_row", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("county", sa.Text(), nullable=True),
        sa.Column("industry", sa.Text(), nullable=True),
        sa.Column("out_pref_yi", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("out_pref_prior_yi", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("out_prov_yi", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("out_prov_prior_yi", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("submission_id", "sheet", "excel_row"),
    )
    op.create_table(
        "problem",
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("sheet", sa.Text(), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("col", sa.String(length=4), nullable=True),
        sa.Column("header", sa.Text(), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("fix", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("submission_id", "seq"),
    )


def downgrade() -> None:
    op.drop_table("problem")
    op.drop_table("fact_stats_funds")
    op.drop_table("fact_stats_fdi")
    op.drop_table("fact_ledger_trips")
    op.drop_table("fact_ledger_signings")
    op.drop_table("fact_a5")
    op.drop_table("fact_a4")
    op.drop_table("fact_a3")
    op.drop_table("attachment")
    op.drop_table("submission")
    op.drop_table("notice")
    op.drop_table("message")
    op.drop_table("deferral")
