"""Scores as rows (export, what-if), and measures read from a CSV file, with errors per line."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bixue.scoring.engine import shown
from bixue.scoring.model import (
    ANNUAL,
    QUARTERS,
    TOTAL,
    YEAR,
    Measure,
    Period,
    PeriodScores,
    ScoringError,
)
from bixue.scoring.rules import Rules

FIELDS = ("unit", "category", "indicator", "measure", "target", "rank", "points")
TOTAL_KINDS = (TOTAL, ANNUAL, YEAR)
Row = dict[str, str | int | None]


def plain(value: Decimal | None) -> str | None:
    """A measure or target exactly as given, never in exponent notation."""
    return None if value is None else format(value, "f")


def export_rows(scores: PeriodScores) -> list[Row]:
    """Per unit: a row per indicator or part, then total (and for a year, annual and year)."""
    rows: list[Row] = []
    for unit in scores.units:
        rows += [
            {
                "unit": ln.unit,
                "category": ln.category,
                "indicator": ln.indicator,
                "measure": plain(ln.measure),
                "target": plain(ln.target),
                "rank": ln.place,
                "points": str(shown(ln.points)),
            }
            for ln in scores.lines
            if ln.unit == unit
        ]
        mine = {t.kind: t for t in scores.totals if t.unit == unit}
        rows += [
            {
                "unit": unit,
                "category": mine[kind].category,
                "indicator": kind,
                "measure": None,
                "target": None,
                "rank": mine[kind].rank,
                "points": str(shown(mine[kind].points)),
            }
            for kind in TOTAL_KINDS
            if kind in mine
        ]
    return rows


def csv_text(rows: Sequence[Row]) -> str:
    """The rows as CSV with the export's header; empty cells for missing values."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def json_text(rows: Sequence[Row]) -> str:
    """The rows as a JSON list; decimals stay strings so no digit is lost to binary floats."""
    return json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n"


def write_csv_file(rows: Sequence[Row], path: Path) -> None:
    """CSV for the office: UTF-8 with a byte-order mark, which Excel needs to show Chinese."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(csv_text(rows), encoding="utf-8-sig")


def _number(text: str, where: str) -> Decimal | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ScoringError(f"{where}：{text!r} 不是数字") from None
    if not value.is_finite():
        raise ScoringError(f"{where}：{text!r} 不是有限数字")
    return value


def read_measures(
    path: Path,
    rules: Rules,
    period: Period,
    categories: Mapping[str, str],
    *,
    quarters: bool,
) -> tuple[list[Measure], dict[tuple[str, str], Decimal]]:
    """Measures from unit,indicator,value[,target]; with `quarters`, also unit,Q1|Q2|Q3,value.

    Every problem names the file and line: an unknown unit, an indicator that is not one of
    the period's for the unit's category, a duplicate, a value that is not a number.
    """
    leaves = {leaf.key: leaf for leaf in rules.leaves(period.kind)}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScoringError(f"文件不存在：{path}") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = {"unit", "indicator", "value"} - set(reader.fieldnames or ())
    if missing:
        raise ScoringError(
            f"{path}：缺少列 {', '.join(sorted(missing))}（应为 unit,indicator,value）"
        )
    measures: list[Measure] = []
    totals: dict[tuple[str, str], Decimal] = {}
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(reader, start=2):
        where = f"{path.name} 第{number}行"
        unit = (row.get("unit") or "").strip()
        indicator = (row.get("indicator") or "").strip()
        if unit not in categories:
            raise ScoringError(f"{where}：未知单位 {unit!r}")
        if (unit, indicator) in seen:
            raise ScoringError(f"{where}：{unit} 的 {indicator} 重复")
        seen.add((unit, indicator))
        value = _number(row.get("value") or "", where)
        if quarters and indicator in QUARTERS:
            if value is None:
                raise ScoringError(f"{where}：{unit} 的 {indicator} 季度得分为空")
            totals[(unit, indicator)] = value
            continue
        leaf = leaves.get(indicator)
        if leaf is None or leaf.category != categories[unit]:
            raise ScoringError(f"{where}：{period} 没有适用于 {unit} 的指标 {indicator!r}")
        target = _number(row.get("target") or "", where)
        measures.append(Measure(unit, indicator, value, target))
    return measures, totals
