"""Every rule id there is: the suites' (read as JSON, without importing GX) and the history's."""

from __future__ import annotations

import json
import os
from pathlib import Path

# Kept light (no pandas, SQLAlchemy or GX): configuration is checked against it on every command.
EXPECTATIONS_DIR = Path(
    os.environ.get("BIXUE_EXPECTATIONS_DIR", Path(__file__).resolve().parents[2] / "expectations")
)
HISTORY_RULES = (
    "a3.evidence_missing",
    "a3.evidence_unconfirmed",
    "a3.stage_backwards",
    "a3.project_disappeared",
    "a4.funds_exceed_statistics",
    "a5.not_started",
    "ledger_trips.not_started",
    "ledger_signings.repeated",
)
# Rules checked in Python against config, beside the suites (bixue/rules/regions.py).
CONFIG_RULES = ("a4.project_code.region",)

STRUCTURE_RULES = (
    "header_not_found",
    "column_missing",
    "unreadable",
    "form_unknown",
    "form_mixed",
    "file_type",
    "formula_uncached",
    "period_missing",
    "submitter_unknown",
    "submitter_mismatch",
    "form_not_for_unit",
    "sheet_too_large",
    "workbook_too_large",
    "xml_entities",
    "parse_failed",
)


def known_rules() -> set[str]:
    """Rule ids a severity may be configured for."""
    rules = set(HISTORY_RULES) | set(CONFIG_RULES) | set(STRUCTURE_RULES)
    for path in EXPECTATIONS_DIR.glob("*/*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        rules |= {e["meta"]["rule"] for e in data.get("expectations", [])}
    return rules
