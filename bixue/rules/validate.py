"""Great Expectations suites from `expectations/<year>/`, run once per form over a run's rows."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from bixue.forms.spec import FORMS
from bixue.rules.catalog import EXPECTATIONS_DIR

if TYPE_CHECKING:
    from great_expectations.core import (
        ExpectationSuite,
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )

INDEX_COLUMNS = ["submission_id", "excel_row"]
# Who sent a failing row: listed beside the index columns when a frame has it (for Data Docs).
UNIT_COLUMN = "unit"


class SuiteError(Exception):
    """A suite file is broken; validating with it would silently check less than it says."""


@dataclass(frozen=True)
class CellFailure:
    """One failing cell (or row) of one submission, with the rule's own Chinese wording."""

    form: str
    submission_id: str
    excel_row: int
    field: str | None
    rule: str
    message: str
    fix: str
    severity: str  # "error" | "warning"


def suite_path(form: str, year: int) -> Path:
    """The suite of the latest rules year not after `year` (rules carry over until changed)."""
    years = sorted(
        int(p.name) for p in EXPECTATIONS_DIR.iterdir() if p.is_dir() and p.name.isdigit()
    )
    usable = [y for y in years if y <= year] or years[:1]
    if not usable:
        raise SuiteError(f"{EXPECTATIONS_DIR}: no rules year folder")
    return EXPECTATIONS_DIR / str(usable[-1]) / f"{form}.json"


def load_suite(path: Path) -> ExpectationSuite:
    """A suite from JSON, refusing a file whose expectations GX did not all accept."""
    from bixue.rules.gx import defer_unused

    defer_unused()  # before GX is imported
    import great_expectations as gx

    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    declared = len(data.get("expectations") or [])
    for i, item in enumerate(data.get("expectations", [])):
        meta = item.get("meta") or {}
        if not meta.get("rule") or not meta.get("msg_zh"):
            raise SuiteError(f"{path}: expectation {i} ({item.get('type')}) lacks meta.rule/msg_zh")
    rules = [item["meta"]["rule"] for item in data.get("expectations", [])]
    if len(set(rules)) != len(rules):
        twice = sorted({r for r in rules if rules.count(r) > 1})
        raise SuiteError(f"{path}: rule names used twice: {', '.join(twice)}")
    suite = gx.ExpectationSuite(**data)
    if len(suite.expectations) != declared:
        kept = {(e.meta or {}).get("rule") for e in suite.expectations}
        lost = [e["meta"]["rule"] for e in data["expectations"] if e["meta"]["rule"] not in kept]
        raise SuiteError(f"{path}: GX did not load {', '.join(lost)} (unknown expectation type?)")
    return suite


def _prepared(form: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as float64 and everything else as object with None, as GX compares them."""
    spec = FORMS[form]
    changed = {
        col.key: pd.to_numeric(frame[col.key], errors="coerce").astype("float64")
        for col in spec.columns
        if col.kind in ("number", "integer") and col.key in frame
    }
    changed["excel_row"] = frame["excel_row"].astype("int64")
    changed["submission_id"] = frame["submission_id"].astype(str)
    # assign copies only the changed columns (pandas copies the rest lazily, on write)
    return frame.assign(**changed).reset_index(drop=True)


def _severity(gx_severity: Any) -> str:
    return "warning" if str(getattr(gx_severity, "value", gx_severity)) != "critical" else "error"


@dataclass
class SuiteRun:
    """One form's suite over a run's rows: GX's result (failing rules in full) and its batch."""

    form: str
    result: ExpectationSuiteValidationResult
    batch_id: str


def quiet_gx() -> None:
    """GX sets INFO on some of its own loggers; its chatter is not the office's business."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("great_expectations"):
            logging.getLogger(name).setLevel(logging.WARNING)


def run_suites(frames: Mapping[str, pd.DataFrame], year: int) -> list[SuiteRun]:
    """Each form's suite once over all its rows, failing cells listed only for failing rules.

    A first pass asks GX only whether each rule holds (BOOLEAN_ONLY); the rules that fail run
    again with every failing row listed (COMPLETE). Listing costs GX a few metrics per rule
    and time in proportion to the cells it lists, and a clean month lists none.
    """
    if not any(len(f) for f in frames.values()):
        return []
    from bixue.rules.gx import defer_unused

    defer_unused()  # before GX is imported
    import great_expectations as gx

    quiet_gx()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}  # type: ignore[assignment]
    source = context.data_sources.add_pandas("forms")
    runs: list[SuiteRun] = []
    for form, frame in frames.items():
        if frame.empty:
            continue
        suite = load_suite(suite_path(form, year))
        prepared = _prepared(form, frame)
        batch_def = source.add_dataframe_asset(form).add_batch_definition_whole_dataframe("all")
        batch = batch_def.get_batch(batch_parameters={"dataframe": prepared})
        result = batch.validate(suite, result_format={"result_format": "BOOLEAN_ONLY"})
        failing = [i for i, item in enumerate(result.results) if not item.success]
        if failing:
            # GX returns results in its own order, not the suite's: match them by rule.
            rules = {_rule_of(result.results[i]) for i in failing}
            listed = gx.ExpectationSuite(
                name=suite.name,
                expectations=[e for e in suite.expectations if (e.meta or {})["rule"] in rules],
            )
            index = [c for c in (UNIT_COLUMN, *INDEX_COLUMNS) if c in prepared]
            detail = batch.validate(
                listed,
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": index},
            )
            listed_by_rule = {_rule_of(item): item for item in detail.results}
            for i in failing:
                result.results[i] = listed_by_rule[_rule_of(result.results[i])]
        runs.append(SuiteRun(form, result, batch.id))
    return runs


def _rule_of(item: ExpectationValidationResult) -> str:
    config = item.expectation_config
    assert config is not None  # GX fills it for every result of a suite run
    return str((config.meta or {})["rule"])


def failures_of(runs: list[SuiteRun]) -> list[CellFailure]:
    """Every failing cell the suite runs list, with each rule's Chinese wording."""
    failures: list[CellFailure] = []
    for run in runs:
        for item in run.result.results:
            if item.success:
                continue
            config = item.expectation_config
            assert config is not None  # GX fills it for every result of a suite run
            meta = config.meta or {}
            # Pair and compound rules have no single column: their meta names the cell to show.
            column = meta.get("field") or config.kwargs.get("column")
            field = column.removesuffix("__invalid") if column else None
            rows = item.result.get("unexpected_index_list") or []
            if item.exception_info and not rows and _raised(item.exception_info):
                raise SuiteError(f"{meta.get('rule')}: {_raised(item.exception_info)}")
            for row in rows:
                failures.append(
                    CellFailure(
                        form=run.form,
                        submission_id=str(row["submission_id"]),
                        excel_row=int(row["excel_row"]),
                        field=field,
                        rule=str(meta["rule"]),
                        message=str(meta["msg_zh"]),
                        fix=str(meta.get("fix_zh", "")),
                        severity=_severity(config.severity),
                    )
                )
    return _most_specific(failures)


def validate_frames(frames: Mapping[str, pd.DataFrame], year: int) -> list[CellFailure]:
    """Every failing cell of every form's rows; each frame has submission_id and excel_row."""
    return failures_of(run_suites(frames, year))


def _most_specific(failures: list[CellFailure]) -> list[CellFailure]:
    """Drop "required" where the same cell already failed its type: the text was there, unread."""
    typed = {
        (f.submission_id, f.excel_row, f.field)
        for f in failures
        if not f.rule.endswith(".required") and f.field
    }
    return [
        f
        for f in failures
        if not (f.rule.endswith(".required") and (f.submission_id, f.excel_row, f.field) in typed)
    ]


def _raised(info: Any) -> str | None:
    """The exception message GX caught, if any (it nests per metric for metric errors)."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None
