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
    fields = list(rows[0]) if rows else list(FIELDS)  # the export's own fields come first
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
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


def _decoded(path: Path) -> str:
    """The file's text: UTF-8 with or without a BOM, else GB18030 (what Chinese Excel saves)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScoringError(f"文件不存在：{path}") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ScoringError(f"{path.name}：无法识别文件编码，请另存为 UTF-8 或 GB18030（GBK）编码的 CSV")


def read_measures(
    path: Path,
    rules: Rules,
    period: Period,
    categories: Mapping[str, str],
    *,
    quarters: bool,
) -> tuple[list[Measure], dict[tuple[str, str], Decimal]]:
    """Measures from unit,indicator,value[,target]; with `quarters`, also unit,Q1|Q2|Q3,value.

    The CSV `export scores` writes is read as it is: its `measure` column is the value, its
    total rows and any column not named here are ignored. Every problem names the file and
    line: an unknown unit, an indicator that is not one of the period's for the unit's
    category, a duplicate, a value that is not a number, a line that is not CSV.
    """
    leaves = {leaf.key: leaf for leaf in rules.leaves(period.kind)}
    reader = csv.DictReader(io.StringIO(_decoded(path)))
    try:
        header = [(name or "").strip() for name in reader.fieldnames or ()]
    except csv.Error as exc:
        raise ScoringError(f"{path.name} 第1行：不是有效的 CSV（{exc}）") from None
    reader.fieldnames = header
    value_column = "value" if "value" in header else "measure"
    missing = {"unit", "indicator", value_column} - set(header)
    if missing:
        raise ScoringError(
            f"{path.name} 第1行：缺少列 {', '.join(sorted(missing))}"
            "（应为 unit,indicator,value[,target]，或 bixue export scores 导出的文件）"
        )
    measures: list[Measure] = []
    totals: dict[tuple[str, str], Decimal] = {}
    seen: set[tuple[str, str]] = set()
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:  # raised before the reader counts the line it failed on
            where = f"{path.name} 第{reader.line_num + 1}行"
            raise ScoringError(f"{where}：不是有效的 CSV（{exc}）") from None
        where = f"{path.name} 第{reader.line_num}行"
        cells = {k: (v or "").strip() if isinstance(v, str) else "" for k, v in row.items() if k}
        if not any(cells.values()):
            continue  # a blank line, or one Excel left as commas only
        unit, indicator = cells.get("unit", ""), cells.get("indicator", "")
        if indicator in TOTAL_KINDS:
            continue  # an exported total: the engine computes it again
        if unit not in categories:
            raise ScoringError(f"{where}：未知单位 {unit!r}")
        if (unit, indicator) in seen:
            raise ScoringError(f"{where}：{unit} 的 {indicator} 重复")
        seen.add((unit, indicator))
        value = _number(cells.get(value_column, ""), where)
        if quarters and indicator in QUARTERS:
            if value is None:
                raise ScoringError(f"{where}：{unit} 的 {indicator} 季度得分为空")
            totals[(unit, indicator)] = value
            continue
        leaf = leaves.get(indicator)
        if leaf is None or leaf.category != categories[unit]:
            raise ScoringError(f"{where}：{period} 没有适用于 {unit} 的指标 {indicator!r}")
        target = _number(cells.get("target", ""), where)
        measures.append(Measure(unit, indicator, value, target))
    return measures, totals
