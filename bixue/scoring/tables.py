"""Scores as rows (export, what-if), and measures read from a CSV file, with errors per line."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bixue.scoring.engine import shown
from bixue.scoring.explain import (
    CATEGORY_ZH,
    QUARTER_ZH,
    TOTAL_ZH,
    category_sizes,
    explain_lines,
    period_zh,
    rank_text,
    total_sentence,
    unit_components,
)
from bixue.scoring.methods import number as plain_number
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
from bixue.textcell import put_text

FIELDS = ("unit", "category", "indicator", "measure", "target", "rank", "points")
# The office's reading of each row (Chinese column names), after the contract fields above.
EXPLAINED = ("类别", "指标名称", "分值", "计分方法", "计量值", "依据", "目标值", "名次", "说明")
COLUMNS = FIELDS + EXPLAINED
TOTAL_KINDS = (TOTAL, ANNUAL, YEAR)
Row = dict[str, str | int | None]


def plain(value: Decimal | None) -> str | None:
    """A measure or target exactly as given, never in exponent notation."""
    return None if value is None else format(value, "f")


def export_rows(scores: PeriodScores, rules: Rules | None, unit: str | None = None) -> list[Row]:
    """Per unit: a row per indicator or part, then total (and for a year, annual and year).

    `rules` (the period's year) gives the Chinese labels; `unit` keeps one unit's rows only.
    """
    explained = explain_lines(scores.lines, rules)
    sizes = category_sizes(scores)
    shared: dict[tuple[str, str, int | None], int] = {}
    for t in scores.totals:
        shared[(t.category, t.kind, t.rank)] = shared.get((t.category, t.kind, t.rank), 0) + 1
    rows: list[Row] = []
    for name in scores.units:
        if unit is not None and name != unit:
            continue
        for ln in scores.lines:
            if ln.unit != name:
                continue
            e = explained[(ln.unit, ln.indicator)]
            rows.append(
                {
                    "unit": ln.unit,
                    "category": ln.category,
                    "indicator": ln.indicator,
                    "measure": plain(ln.measure),
                    "target": plain(ln.target),
                    "rank": ln.place,
                    "points": str(shown(ln.points)),
                    "类别": CATEGORY_ZH.get(ln.category, ln.category),
                    "指标名称": e.name,
                    "分值": plain_number(ln.weight),
                    "计分方法": e.method_zh,
                    "计量值": e.measure_text,
                    "依据": e.figures_text,
                    "目标值": e.target_text,
                    "名次": e.rank_text,
                    "说明": e.sentence,
                }
            )
        mine = {t.kind: t for t in scores.totals if t.unit == name}
        components = unit_components(scores, name)
        for kind in TOTAL_KINDS:
            if kind not in mine:
                continue
            t = mine[kind]
            n = sizes.get(t.category, 0)
            tied = shared[(t.category, kind, t.rank)]
            rows.append(
                {
                    "unit": name,
                    "category": t.category,
                    "indicator": kind,
                    "measure": None,
                    "target": None,
                    "rank": t.rank,
                    "points": str(shown(t.points)),
                    "类别": CATEGORY_ZH.get(t.category, t.category),
                    "指标名称": TOTAL_ZH[kind],
                    "分值": None,
                    "计分方法": None,
                    "计量值": None,
                    "依据": None,
                    "目标值": None,
                    "名次": rank_text(t.rank, tied, n),
                    "说明": total_sentence(t, n, components, tied),
                }
            )
    return rows


def csv_text(rows: Sequence[Row], note: str | None = None) -> str:
    """The rows as CSV with the export's header; empty cells for missing values.

    `note` is the one line a scoring's state may put above the header (draft, circulated,
    数据不全); None writes none.
    """
    buffer = io.StringIO()
    if note:
        csv.writer(buffer, lineterminator="\n").writerow([note])
    fields = list(rows[0]) if rows else list(COLUMNS)  # the export's own fields come first
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def json_text(rows: Sequence[Row]) -> str:
    """The rows as a JSON list; decimals stay strings so no digit is lost to binary floats."""
    return json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n"


def write_csv_file(rows: Sequence[Row], path: Path, note: str | None = None) -> None:
    """CSV for the office: UTF-8 with a byte-order mark, which Excel needs to show Chinese."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(csv_text(rows, note), encoding="utf-8-sig")


NUMERIC = {"measure", "target", "points", "分值"}


def xlsx_bytes(rows: Sequence[Row], note: str | None = None) -> bytes:
    """The rows as one worksheet: numbers as numbers, texts plain strings (never formulas)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "得分明细"
    if note:
        _put(sheet.cell(row=1, column=1), note)
    top = 2 if note else 1
    columns = list(rows[0]) if rows else list(COLUMNS)  # the export's own fields come first
    for col, name in enumerate(columns, start=1):
        _put(sheet.cell(row=top, column=col), name)
    for r, row in enumerate(rows, start=top + 1):
        for col, name in enumerate(columns, start=1):
            value = row.get(name)
            if value is None or value == "":
                continue
            if name in NUMERIC and isinstance(value, str):
                sheet.cell(row=r, column=col, value=float(value))
            elif isinstance(value, int):
                sheet.cell(row=r, column=col, value=value)
            else:
                _put(sheet.cell(row=r, column=col), str(value))
    sheet.freeze_panes = sheet.cell(row=top + 1, column=1)
    for letter, width in zip("ABCDEFGHIJKLMNOP", (16, 8, 24, 12, 10, 6, 8), strict=False):
        sheet.column_dimensions[letter].width = width
    sheet.column_dimensions["P"].width = 60
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _put(cell: Any, text: str) -> None:
    """A text cell that stays text (bixue/textcell.py)."""
    put_text(cell, text)


def local_time(iso: str, tz: tzinfo | None) -> str:
    """A stored ISO time as the office reads it, in its own time zone: 2026年12月1日 19:39."""
    try:
        moment = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    if tz is not None and moment.tzinfo is not None:
        moment = moment.astimezone(tz)
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def explanation(
    run: Any,
    scores: PeriodScores,
    rules: Rules | None,
    unit: str,
    note: str | None = None,
    label: str | None = None,
    tz: tzinfo | None = None,
) -> str:
    """One unit's scoring as the office reads it out: title, total and rank, each indicator.

    `label` says which version this is (草稿 or 第N版（已通报）); `note` its gaps and basis.
    """
    rows = export_rows(scores, rules, unit)
    lines = [
        f"{unit} {period_zh(scores.period)}比学赶超得分"
        f"（{label or f'第{run.version}版'}，评分规则 {scores.rules_version}，"
        f"评分时间 {local_time(run.scored_at, tz)}）"
    ]
    if note:
        lines.append(note)
    totals = [r for r in rows if r["indicator"] in TOTAL_KINDS]
    if len(totals) > 1:  # a year: its result first, then the annual score (= the annual total)
        totals = [r for r in reversed(totals) if r["indicator"] != TOTAL]
    lines += [str(r["说明"]) for r in totals]
    if scores.period.isdigit():
        mine = unit_components(scores, unit)
        quarters = "，".join(f"{QUARTER_ZH[q]}{shown(mine[q])}分" for q in QUARTERS if q in mine)
        if quarters:
            lines.append(f"季度得分：{quarters}")
    indicators = [r for r in rows if r["indicator"] not in TOTAL_KINDS]
    for i, r in enumerate(indicators, start=1):
        lines.append(f"{i}. {r['指标名称']}（{r['分值']}分）：{r['说明']}")
        if r["依据"]:
            lines.append(f"   依据：{r['依据']}")
        if r["目标值"]:
            lines.append(f"   目标：{r['目标值']}")
        lines.append(f"   计分方法：{r['计分方法']}")
    lines += _rounding_note(rows, indicators, scores.period.isdigit())
    return "\n".join(lines)


def _rounding_note(rows: Sequence[Row], indicators: Sequence[Row], year: bool) -> list[str]:
    """Why the shown points may not add up to the shown total (D12), when they do not."""
    kind = ANNUAL if year else TOTAL
    total = next((r for r in rows if r["indicator"] == kind), None)
    if total is None or not indicators:
        return []
    added = sum((Decimal(str(r["points"])) for r in indicators), Decimal(0))
    shown_total = Decimal(str(total["points"]))
    if added == shown_total:
        return []
    return [
        f"注：各项得分四舍五入保留两位小数显示，合计按未经舍入的分值计算（决策D12），"
        f"故各项相加为{added}分，与合计{shown_total}分相差{abs(added - shown_total)}分。"
    ]


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
