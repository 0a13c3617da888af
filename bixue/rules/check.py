"""Run the suites over a run's submissions and attach each failure to its cell."""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from bixue.forms.parse import ParsedSheet
from bixue.forms.spec import FORMS
from bixue.model import Submission
from bixue.rules.problem import Problem
from bixue.rules.regions import check_regions
from bixue.rules.validate import CellFailure, failures_of, run_suites

log = logging.getLogger(__name__)


def _column_absent(sheet: ParsedSheet, field: str | None) -> bool:
    """A form column the sheet does not have (derived fields are never absent)."""
    keys = {c.key for c in FORMS[sheet.form].columns}
    return field in keys and field not in sheet.columns


def period_bounds(period: str) -> dict[str, str]:
    """The reporting period 2023年1—N月 as ISO dates, for rules on dates inside it."""
    year, month = (int(x) for x in period.split("-"))
    last = calendar.monthrange(year, month)[1]
    return {"period_start": f"{year:04d}-01-01", "period_end": f"{year:04d}-{month:02d}-{last:02d}"}


def _value(sheet: ParsedSheet, excel_row: int, field: str | None) -> str | None:
    """A failing cell's submitted value as text; the unreadable raw text where there was one."""
    if not field:
        return None
    rows = sheet.frame[sheet.frame["excel_row"] == excel_row]
    if rows.empty:
        return None
    for name in (field + "__invalid", field):
        if name in rows and rows.iloc[0][name] is not None and not pd.isna(rows.iloc[0][name]):
            value = rows.iloc[0][name]
            return (
                str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
            )
    return None


def to_problem(sheet: ParsedSheet, failure: CellFailure) -> Problem:
    """A GX failure as a problem a submitter can find: sheet, row, column, header, value."""
    header = FORMS[sheet.form].column(failure.field).label if failure.field else None
    return Problem(
        rule=failure.rule,
        message=failure.message,
        severity="warning" if failure.severity == "warning" else "error",
        sheet=sheet.sheet,
        row=failure.excel_row,
        column=sheet.letter(failure.field) if failure.field else None,
        header=header,
        value=_value(sheet, failure.excel_row, failure.field),
        fix=failure.fix,
    )


def frames_by_year(submissions: list[Submission]) -> dict[int, dict[str, pd.DataFrame]]:
    """Each rules year's rows per form, tagged by submission: what one suite run checks.

    The frames are joined first and tagged once per column: a copy of every sheet to add four
    columns cost as much as the suites themselves on a month of many small workbooks.
    """
    parts: dict[int, dict[str, list[pd.DataFrame]]] = defaultdict(lambda: defaultdict(list))
    tags: dict[int, dict[str, list[dict[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for sub in submissions:
        if not sub.period:
            continue
        for sheet in sub.sheets:
            if sheet.frame.empty:
                continue
            year = int(sub.period[:4])
            parts[year][sheet.form].append(sheet.frame)
            tags[year][sheet.form].append(
                {"submission_id": sub.id, "unit": sub.unit or "", **period_bounds(sub.period)}
            )
    return {
        year: {form: _tagged(frames, tags[year][form]) for form, frames in forms.items()}
        for year, forms in sorted(parts.items())
    }


def _tagged(frames: list[pd.DataFrame], tags: list[dict[str, str]]) -> pd.DataFrame:
    """The frames one below the other, each row carrying its own frame's tags as columns."""
    joined = pd.concat(frames, ignore_index=True)
    lengths = [len(f) for f in frames]
    for column in tags[0]:
        joined[column] = pd.Series(
            np.repeat(np.array([t[column] for t in tags], dtype=object), lengths), dtype="str"
        )
    return joined


def validate_submissions(
    submissions: list[Submission], results_home: Path | None = None, run_name: str = ""
) -> list[Submission]:
    """Each form validated once over all rows of the run (per rules year), problems attached.

    With results_home, GX's results are also kept there for the office's Data Docs; keeping
    them must not hold up the units' receipts, so a failure to store is logged, not raised.
    """
    sheets = {
        (sub.id, sheet.form): (sub, sheet)
        for sub in submissions
        if sub.period
        for sheet in sub.sheets
        if not sheet.frame.empty
    }
    for year, frames in frames_by_year(submissions).items():
        runs = run_suites(frames, year)
        if results_home is not None:
            try:
                from bixue.rules.docs import store_results

                store_results(results_home, runs, run_name)
            except Exception:
                log.exception("validation results of %s not stored for Data Docs", run_name)
        for failure in failures_of(runs):
            sub, sheet = sheets[(failure.submission_id, failure.form)]
            if _column_absent(sheet, failure.field):
                continue  # already one column_missing problem, not one per row
            sub.problems.append(to_problem(sheet, failure))
    # The region segment depends on the code's year (config/admin_codes.yaml): checked in Python.
    check_regions(s for s in submissions if s.period)
    for sub in submissions:
        sub.problems.sort(key=lambda p: (p.sheet or "", p.row or 0, p.column or "", p.rule))
    return submissions


# The field(s) that name a row of each form, as a clerk would look for it.
ROW_NAMES: dict[str, tuple[str, ...]] = {
    "a3": ("project_name",),
    "a4": ("project_name",),
    "a5": ("activity",),
    "ledger_trips": ("trip",),
    "ledger_signings": ("project_name",),
    "stats_funds": ("county", "industry"),
    "stats_fdi": ("county",),
}
NAME_LIMIT = 30


def _row_name(record: Mapping[str, object], fields: tuple[str, ...]) -> str | None:
    parts = [str(v).strip() for f in fields if isinstance(v := record.get(f), str) and v.strip()]
    name = "·".join(parts).replace("\n", " ")
    if len(name) > NAME_LIMIT:
        name = name[: NAME_LIMIT - 1] + "…"
    return name or None


def name_rows(submissions: list[Submission]) -> list[Submission]:
    """Each located problem names its row's project or activity (before the rows are let go)."""
    for sub in submissions:
        names: dict[tuple[str, int], str] = {}
        # only the sheets with a located problem still unnamed: most submissions have none
        wanted = {p.sheet for p in sub.problems if p.sheet and p.row and p.item is None}
        for sheet in sub.sheets:
            if sheet.sheet not in wanted:
                continue
            fields = ROW_NAMES.get(sheet.form, ())
            present = [f for f in fields if f in sheet.frame]
            if not present or sheet.frame.empty:
                continue
            for record in sheet.frame[["excel_row", *present]].to_dict("records"):
                name = _row_name(record, fields)
                if name:
                    names[(sheet.sheet, int(record["excel_row"]))] = name
        if names:
            sub.problems = [
                replace(p, item=names.get((p.sheet, p.row)))
                if p.sheet and p.row and p.item is None
                else p
                for p in sub.problems
            ]
    return submissions


def apply_severities(
    submissions: list[Submission], severities: Mapping[str, str]
) -> list[Submission]:
    """The configured severity of each rule (config/checks.yaml) over the suites' own."""
    for sub in submissions:
        sub.problems = [
            replace(p, severity="error" if severities[p.rule] == "error" else "warning")
            if p.rule in severities
            else p
            for p in sub.problems
        ]
    return submissions
