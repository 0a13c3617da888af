"""fact_ledger_signings: project_key, so a county's signing counts once a year in SQL

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("fact_ledger_signings", sa.Column("project_key", sa.Text(), nullable=True))
    # Rows loaded before this revision get the key the loader now derives (bixue.forms.derive).
    facts = sa.table(
        "fact_ledger_signings",
        sa.column("submission_id"),
        sa.column("sheet"),
        sa.column("excel_row"),
        sa.column("project_name"),
        sa.column("project_key"),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(facts.c.submission_id, facts.c.sheet, facts.c.excel_row, facts.c.project_name)
    ).all()
    if not rows:
        return  # a new warehouse: nothing to key, and the deriving code (pandas) not loaded
    from bixue.forms.derive import project_key

    keyed = [
        {"s": r.submission_id, "h": r.sheet, "r": r.excel_row, "key": project_key(r.project_name)}
        for r in rows
    ]
    if keyed:
        conn.execute(
            facts.update()
            .where(
                facts.c.submission_id == sa.bindparam("s"),
                facts.c.sheet == sa.bindparam("h"),
                facts.c.excel_row == sa.bindparam("r"),
            )
            .values(project_key=sa.bindparam("key")),
            keyed,
        )


def downgrade() -> None:
    with op.batch_alter_table("fact_ledger_signings") as batch:
        batch.drop_column("project_key")
