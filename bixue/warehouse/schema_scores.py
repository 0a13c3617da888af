"""Warehouse tables of scores and their audit trail (issue: scoring engine); shared metadata.

A scoring of a period is a run (period, version); runs are never changed or deleted. A run is a
draft until it is circulated: a circulation row locks it as 第N版, and a later circulation of a
newer draft is 第N+1版 beside it. Decimals are kept as exact text.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKeyConstraint,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from bixue.warehouse.schema import metadata

score_run = Table(
    "score_run",
    metadata,
    Column("period", String(8), nullable=False),  # 2023Q1..2023Q3, or 2023 (annual + year)
    Column("version", Integer, nullable=False),  # 1, then 2… for each forced rescoring
    Column("rules_version", String(32), nullable=False),
    Column("rules_hash", String(64), nullable=False),
    Column("inputs_hash", String(64), nullable=False),
    Column("source", Text, nullable=False),  # where the measures came from
    Column("basis", Text),  # JSON: the quarter versions an annual scoring used
    Column("scored_at", Text, nullable=False),
    # JSON list of the inputs gate's gaps ([] when complete); NULL when no gate ran (0101)
    Column("gaps", Text),
    PrimaryKeyConstraint("period", "version"),
)

# A run circulated to the units: 第{number}版 of its period, locked with its rules and inputs.
score_circulation = Table(
    "score_circulation",
    metadata,
    Column("period", String(8), nullable=False),
    Column("number", Integer, nullable=False),  # 第N版: 1, then 2… for each recirculation
    Column("version", Integer, nullable=False),  # the run circulated
    Column("rules_version", String(32), nullable=False),
    Column("inputs_hash", String(64), nullable=False),  # SHA-256 of the run's inputs
    Column("circulated_at", Text, nullable=False),
    PrimaryKeyConstraint("period", "number"),
    UniqueConstraint("period", "version", name="uq_score_circulation_run"),
    ForeignKeyConstraint(["period", "version"], ["score_run.period", "score_run.version"]),
)

score_line = Table(
    "score_line",
    metadata,
    Column("period", String(8), nullable=False),
    Column("version", Integer, nullable=False),
    Column("unit", Text, nullable=False),
    Column("indicator", String(64), nullable=False),  # key, or key.part
    Column("category", String(8), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("measure", Text),
    Column("target", Text),
    Column("eligibility", String(16), nullable=False),
    Column("place", Integer),
    Column("method", String(16), nullable=False),
    Column("params", Text, nullable=False),  # JSON object of exact strings
    Column("ineligible_when", String(16)),
    Column("weight", Text, nullable=False),
    Column("points", Text, nullable=False),  # unrounded
    Column("rule_version", String(32), nullable=False),
    Column("inputs_hash", String(64), nullable=False),
    Column("figures", Text),  # JSON [[name, exact string or null], …] behind the measure
    PrimaryKeyConstraint("period", "version", "unit", "indicator"),
    ForeignKeyConstraint(["period", "version"], ["score_run.period", "score_run.version"]),
)

score_total = Table(
    "score_total",
    metadata,
    Column("period", String(8), nullable=False),
    Column("version", Integer, nullable=False),
    Column("unit", Text, nullable=False),
    Column("category", String(8), nullable=False),
    Column("kind", String(8), nullable=False),  # total | annual | year | Q1..Q3 (year's inputs)
    Column("seq", Integer, nullable=False),
    Column("points", Text, nullable=False),  # unrounded
    Column("rank", Integer),
    PrimaryKeyConstraint("period", "version", "unit", "kind"),
    ForeignKeyConstraint(["period", "version"], ["score_run.period", "score_run.version"]),
)

# The send ledger of circulated results (0103): one row per version, recipient address and
# message content; pending before the server is asked, sent once it accepted, failed otherwise.
score_send = Table(
    "score_send",
    metadata,
    Column("period", String(8), nullable=False),
    Column("number", Integer, nullable=False),  # 第N版
    Column("recipient", Text, nullable=False),  # one envelope address
    Column("content_sha256", String(64), nullable=False),  # SHA-256 of the message sent
    Column("unit", Text),  # the unit whose breakdown it carries; NULL for leaders and office
    Column("state", String(8), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False),
    Column("message_id", Text),
    Column("error", Text),
    Column("updated_at", Text, nullable=False),
    PrimaryKeyConstraint("period", "number", "recipient", "content_sha256"),
)

# The office's approval of a draft (0104): one row per request (the flow run that asked), the
# draft shown, waiting until the office decides, then approved (with 第N版 once locked) or
# refused, with the office's words.
score_approval = Table(
    "score_approval",
    metadata,
    Column("run_id", Text, nullable=False),  # the flow run that asked (or any request id)
    Column("period", String(8), nullable=False),
    Column("version", Integer, nullable=False),  # the draft (score_run.version) shown
    Column("state", String(8), nullable=False),  # waiting | approved | refused
    Column("opinion", Text),  # 意见, as the office wrote it
    Column("number", Integer),  # 第N版 locked on approval
    Column("requested_at", Text, nullable=False),
    Column("decided_at", Text),
    PrimaryKeyConstraint("run_id"),
)

__all__ = [
    "metadata",
    "score_approval",
    "score_circulation",
    "score_line",
    "score_run",
    "score_send",
    "score_total",
]
