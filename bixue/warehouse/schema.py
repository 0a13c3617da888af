"""Warehouse tables: the audit trail of mail and submissions, and one fact table per form."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from bixue.forms.spec import FORMS, INVALID, frame_columns

metadata = MetaData()

message = Table(
    "message",
    metadata,
    Column("raw_sha256", String(64), primary_key=True),
    Column("source_key", Text),
    Column("message_id", Text),
    Column("sender", Text),
    Column("display_from", Text),
    Column("subject", Text),
    Column("sent_at", Text),
    Column("received_at", Text),
    Column("raw_path", Text, nullable=False),
    Column("unit", Text),
    Column("state", String(16), nullable=False),  # accepted | rejected | quarantined | ignored
    Column("reasons", Text),  # JSON list of Chinese reasons
    Column("processed_at", Text),
    Column("noticed_at", Text),  # its receipts queued in the notice ledger; NULL: not yet
)

attachment = Table(
    "attachment",
    metadata,
    Column("message_sha256", String(64), ForeignKey("message.raw_sha256"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("filename", Text, nullable=False),
    Column("name_flagged", Boolean, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("size", Integer, nullable=False),
    Column("stored_path", Text, nullable=False),
    # the container it was unpacked from, "" when sent as is; NULL: recorded before 0008
    Column("origin", Text),
    PrimaryKeyConstraint("message_sha256", "sha256"),
)

submission = Table(
    "submission",
    metadata,
    Column("id", String(32), primary_key=True),  # derived from message + attachment hashes
    Column("message_sha256", String(64), nullable=False),
    Column("attachment_sha256", String(64), nullable=False),
    Column("filename", Text, nullable=False),
    Column("unit", Text),
    Column("workbook", String(16)),
    Column("period", String(7)),  # YYYY-MM, the 2023年1—N月 of the title
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # accepted | rejected
    Column("late", Boolean, nullable=False),
    Column("received_at", Text),
    Column("rows_loaded", Integer, nullable=False),
    Column("loaded_at", Text, nullable=False),
    Column("sheets", Text),  # JSON [{form, sheet, rows}] its receipt names; NULL before 0009
    # Two loads at once cannot give one unit's form for a period the same version.
    Index("uq_submission_version", "unit", "workbook", "period", "version", unique=True),
)

problem = Table(
    "problem",
    metadata,
    Column("submission_id", String(32), ForeignKey("submission.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("rule", Text, nullable=False),
    Column("severity", String(8), nullable=False),
    Column("sheet", Text),
    Column("row", Integer),
    Column("col", String(4)),
    Column("header", Text),
    Column("value", Text),
    Column("message", Text, nullable=False),
    Column("fix", Text),
    Column("item", Text),  # the row's 项目名称 or 活动名称; NULL before 0011
    PrimaryKeyConstraint("submission_id", "seq"),
)

# Mail for a later month than the run's: kept in the mailbox and skipped unread until that month.
deferral = Table(
    "deferral",
    metadata,
    Column("raw_sha256", String(64), primary_key=True),
    Column("period", String(7), nullable=False),
    Column("source_key", Text),  # its mailbox position (0010); NULL when deferred before
)

notice = Table(
    "notice",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("unit", Text),
    Column("period", String(7)),
    Column("kind", String(16), nullable=False),
    Column("recipients", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("ref", Text),
    Column("sent_at", Text),  # NULL while pending
    # The notice ledger: pending (queued, raw kept) -> sent (accepted by SMTP / on disk).
    Column("state", String(8), nullable=False, server_default="sent"),
    Column("message_id", Text),
    Column("queued_at", Text),
    Column("raw", LargeBinary),  # the composed mail while pending; NULL once sent
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
)

# Amounts are exact decimals (亿元 to the 元, 万美元 to the cent); counts share the type.
# ---------------------------------------------------------------- dimensions (from config/)

# Units are valid over time: a renamed or merged unit closes its row (valid_to) and opens another.
dim_unit = Table(
    "dim_unit",
    metadata,
    Column("name", Text, nullable=False),
    Column("valid_from", String(10), nullable=False),
    Column("valid_to", String(10)),  # exclusive; NULL while the unit exists
    Column("category", String(8), nullable=False),  # county | group
    Column("admin_code", String(6)),
    Column("senders", Text, nullable=False),  # JSON list
    Column("aliases", Text, nullable=False),  # JSON list
    PrimaryKeyConstraint("name", "valid_from"),
)

dim_period = Table(
    "dim_period",
    metadata,
    Column("key", String(7), primary_key=True),  # 2023-05, 2023Q2, 2023
    Column("kind", String(8), nullable=False),  # month | quarter | year
    Column("year", Integer, nullable=False),
    Column("quarter", Integer),
    Column("month", Integer),
    Column("start_date", String(10), nullable=False),
    Column("end_date", String(10), nullable=False),
)

dim_industry = Table(
    "dim_industry",
    metadata,
    Column("year", Integer, nullable=False),
    Column("industry", Text, nullable=False),
    Column("group_unit", Text),  # the industry group whose scope holds it, if any
    PrimaryKeyConstraint("year", "industry"),
)

dim_form = Table(
    "dim_form",
    metadata,
    Column("key", String(16), primary_key=True),
    Column("attachment", String(8), nullable=False),
    Column("title", Text, nullable=False),
    Column("workbook", String(16), nullable=False),
    Column("sheet", Text, nullable=False),
)

_TYPES = {"number": Numeric(20, 6), "integer": Numeric(20, 6)}


def _fact_table(form: str) -> Table:
    """A fact table per form, its columns the form's fields; rows lead back to their submission."""
    spec = FORMS[form]
    kinds = {c.key: c.kind for c in spec.columns} | dict(spec.derived)
    columns = [
        Column(name, _TYPES.get(kinds.get(name, "text"), Text))
        for name in frame_columns(spec)
        if name != "excel_row" and not name.endswith(INVALID)
    ]
    return Table(
        f"fact_{form}",
        metadata,
        Column("submission_id", String(32), ForeignKey("submission.id"), nullable=False),
        Column("sheet", Text, nullable=False),
        Column("excel_row", Integer, nullable=False),
        Column("unit", Text, nullable=False),
        Column("period", String(7), nullable=False),
        *columns,
        PrimaryKeyConstraint("submission_id", "sheet", "excel_row"),
    )


facts: dict[str, Table] = {form: _fact_table(form) for form in FORMS}


def all_tables() -> MetaData:
    """The metadata with every module's tables registered (the mail ledger, scores)."""
    from bixue.warehouse import schema_mail, schema_scores  # noqa: F401 - registers tables

    return metadata
