"""The results workbook (通报) of one scoring: 述评, a ranked table per category, 得分说明,
报送情况 and 说明, with native charts and A4 landscape print set-up; from recorded data only.

Every text is written as a plain string cell (never a formula); numbers are numbers.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bixue.render.commentary import Commentary, main_kind
from bixue.scoring.engine import shown
from bixue.scoring.explain import CATEGORY_ZH, QUARTER_ZH, period_zh
from bixue.scoring.model import ANNUAL, QUARTERS, TOTAL, YEAR, PeriodScores
from bixue.scoring.rules import Rules
from bixue.scoring.tables import TOTAL_KINDS, export_rows

TITLE = "楚雄州招商引资比学赶超"
MONTH_STATE_ZH = {
    "accepted": "按时",
    "late": "迟报",
    "missing": "未报送",
    "rejected": "未通过未更正",
}


@dataclass(frozen=True)
class BookInfo:
    """What a workbook says about itself: which version, under which rules, when, its gaps."""

    period: str
    label: str  # 第N版（已通报） or 草稿…
    rules_version: str
    generated_at: str
    notes: tuple[str, ...] = ()  # 数据不全 lines, the year's basis
    replaces: int | None = None  # 第N版 this version replaces
    gate_ran: bool = True  # False: scored from a file, no inputs gate


def period_title(period: str) -> str:
    """2023Q2 -> 2023年第二季度; 2023 -> 2023年度."""
    if "Q" in period:
        return f"{period[:4]}年第{QUARTER_ZH[period[4:]][0]}季度"
    return f"{period}年度"


def attachment_name(period: str) -> str:
    return f"{TITLE}{period_title(period)}通报.xlsx"


def put_text(cell: Any, text: str) -> None:
    """A text cell that stays text: openpyxl would otherwise take '=…' for a formula."""
    cell.value = text
    cell.data_type = "s"


def _num(value: Decimal | str | int | None) -> float | None:
    return None if value is None or value == "" else float(Decimal(str(value)))


def _setup(sheet: Any, info: BookInfo, title_rows: str | None) -> None:
    """A4 landscape, fit to one page wide, print titles, the version in every page's footer."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    if title_rows:
        sheet.print_title_rows = title_rows
    incomplete = "；数据不全" if any(n.startswith("数据不全") for n in info.notes) else ""
    sheet.oddFooter.left.text = f"{info.label}；评分规则 {info.rules_version}{incomplete}"
    sheet.oddFooter.left.size = 8
    sheet.oddFooter.right.text = f"生成时间 {info.generated_at}；第 &P 页，共 &N 页"
    sheet.oddFooter.right.size = 8


def _styles() -> dict[str, Any]:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="808080")
    return {
        "title": Font(name="宋体", size=16, bold=True),
        "sub": Font(name="宋体", size=10),
        "head": Font(name="黑体", size=10, bold=True),
        "fill": PatternFill("solid", fgColor="DDEBF7"),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "wrap": Alignment(vertical="top", wrap_text=True),
    }


def _title(sheet: Any, text: str, sub: str, width: int, st: dict[str, Any]) -> None:
    put_text(sheet.cell(row=1, column=1), text)
    sheet.cell(row=1, column=1).font = st["title"]
    sheet.cell(row=1, column=1).alignment = st["center"]
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(width, 1))
    sheet.row_dimensions[1].height = 30
    put_text(sheet.cell(row=2, column=1), sub)
    sheet.cell(row=2, column=1).font = st["sub"]
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(width, 1))


def _header(sheet: Any, row: int, names: Sequence[str], st: dict[str, Any]) -> None:
    for col, name in enumerate(names, start=1):
        cell = sheet.cell(row=row, column=col)
        put_text(cell, name)
        cell.font, cell.fill, cell.border, cell.alignment = (
            st["head"],
            st["fill"],
            st["border"],
            st["center"],
        )
    longest = max((len(n) for n in names), default=4)
    sheet.row_dimensions[row].height = 14 * max(2, min(6, -(-longest // 6)))


def _ranked_sheet(
    book: Any,
    scores: PeriodScores,
    rules: Rules | None,
    category: str,
    info: BookInfo,
    st: dict[str, Any],
) -> None:
    """One category's official table: 名次, 单位, totals, each indicator's points and measure."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.utils import get_column_letter

    cat_zh = CATEGORY_ZH.get(category, category)
    sheet = book.create_sheet(cat_zh)
    kind = main_kind(scores)
    rows = export_rows(scores, rules)
    indicator_rows = [
        r for r in rows if r["category"] == category and r["indicator"] not in TOTAL_KINDS
    ]
    indicators = list(dict.fromkeys(str(r["indicator"]) for r in indicator_rows))
    names = {str(r["indicator"]): str(r["指标名称"]) for r in indicator_rows}
    weights = {str(r["indicator"]): r["分值"] for r in indicator_rows}
    by = {(r["unit"], r["indicator"]): r for r in indicator_rows}
    totals_by = {(t.unit, t.kind): t for t in scores.totals}
    ranked = sorted(
        (t for t in scores.totals if t.category == category and t.kind == kind),
        key=lambda t: (t.rank or 10**6, scores.units.index(t.unit)),
    )
    if kind == YEAR:
        total_cols = [("一季度", "Q1"), ("二季度", "Q2"), ("三季度", "Q3"), ("年度得分", ANNUAL)]
        total_cols.append(("全年得分", YEAR))
    else:
        total_cols = [("合计", TOTAL)]
    head = ["名次", "单位", *(n for n, _ in total_cols)]
    for key in indicators:
        head += [f"{names[key]}（{weights[key]}分）得分", f"{names[key]}计量值"]
    _title(
        sheet,
        f"{TITLE}{period_title(scores.period)}得分排名（{cat_zh}）",
        f"单位：分　{info.label}　评分规则 {info.rules_version}　生成时间 {info.generated_at}",
        len(head),
        st,
    )
    top = 3
    _header(sheet, top, head, st)
    for i, t in enumerate(ranked, start=top + 1):
        values: list[Any] = [t.rank, t.unit]
        for _, k in total_cols:
            found = totals_by.get((t.unit, k))
            values.append(None if found is None else float(shown(found.points)))
        for key in indicators:
            r = by.get((t.unit, key))
            values += [_num(r["points"]) if r else None, str(r["计量值"]) if r else ""]
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row=i, column=col)
            if isinstance(value, str):
                put_text(cell, value)
            else:
                cell.value = value
                if isinstance(value, float):
                    cell.number_format = "0.00"
            cell.border = st["border"]
            cell.alignment = st["center"]
    last = top + len(ranked)
    sheet.freeze_panes = sheet.cell(row=top + 1, column=3)
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 22 if category == "county" else 34
    for col in range(3, len(head) + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 12
    _setup(sheet, info, f"{top}:{top}")

    # Ranked totals: a native bar chart of the ranking column.
    main_col = 2 + len(total_cols)
    chart = BarChart()
    chart.type = "bar"
    chart.title = f"{cat_zh}{head[main_col - 1]}"
    chart.y_axis.title = "分"
    chart.legend = None
    chart.add_data(
        Reference(sheet, min_col=main_col, min_row=top, max_row=last), titles_from_data=True
    )
    chart.set_categories(Reference(sheet, min_col=2, min_row=top + 1, max_row=last))
    chart.x_axis.scaling.orientation = "maxMin"  # first place on top
    chart.height, chart.width = 9, 16
    sheet.add_chart(chart, f"A{last + 3}")

    # Each unit's indicator breakdown, stacked.
    stacked = BarChart()
    stacked.type = "bar"
    stacked.grouping = "stacked"
    stacked.overlap = 100
    stacked.title = f"{cat_zh}各单位指标得分构成"
    for j, _ in enumerate(indicators):
        col = main_col + 1 + 2 * j
        stacked.add_data(
            Reference(sheet, min_col=col, min_row=top, max_row=last), titles_from_data=True
        )
    stacked.set_categories(Reference(sheet, min_col=2, min_row=top + 1, max_row=last))
    stacked.x_axis.scaling.orientation = "maxMin"
    stacked.height, stacked.width = 11, 22
    sheet.add_chart(stacked, f"A{last + 23}")


def _explained_sheet(
    book: Any, scores: PeriodScores, rules: Rules | None, info: BookInfo, st: dict[str, Any]
) -> None:
    """得分说明: every unit × indicator with the export's 说明, then its totals."""
    sheet = book.create_sheet("得分说明")
    head = ["单位", "类别", "指标名称", "分值", "计量值", "依据", "目标值", "名次", "得分", "说明"]
    _title(
        sheet,
        f"{TITLE}{period_title(scores.period)}得分说明",
        f"{info.label}　评分规则 {info.rules_version}",
        len(head),
        st,
    )
    _header(sheet, 3, head, st)
    for i, r in enumerate(export_rows(scores, rules), start=4):
        values = [
            r["unit"],
            r["类别"],
            r["指标名称"],
            _num(r["分值"]),
            r["计量值"],
            r["依据"],
            r["目标值"],
            r["名次"],
            _num(r["points"]),
            r["说明"],
        ]
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row=i, column=col)
            if value is None or value == "":
                pass
            elif isinstance(value, float):
                cell.value = value
                cell.number_format = "0.00"
            else:
                put_text(cell, str(value))
            cell.border = st["border"]
            cell.alignment = st["wrap"]
    sheet.freeze_panes = "B4"
    for letter, width in zip("ABCDEFGHIJ", (22, 12, 26, 6, 12, 30, 12, 10, 8, 56), strict=True):
        sheet.column_dimensions[letter].width = width
    _setup(sheet, info, "3:3")


def _status_sheet(
    book: Any,
    units: Sequence[str],
    months: Mapping[str, Sequence[Mapping[str, Any]]],
    info: BookInfo,
    st: dict[str, Any],
) -> None:
    """报送情况: each unit's state in each report month of the year so far."""
    from openpyxl.styles import PatternFill

    sheet = book.create_sheet("报送情况")
    order = sorted(months)
    head = ["单位", *(f"{int(m[5:])}月" for m in order)]
    _title(
        sheet,
        f"{TITLE}{period_title(info.period)}各单位报送情况",
        "按时：截止日前报送并通过审核；迟报：截止日后报送；未报送：当月无报表；未通过未更正：报表未通过审核且未重报",
        len(head),
        st,
    )
    _header(sheet, 3, head, st)
    colours = {"late": "FFF2CC", "missing": "F8CBAD", "rejected": "F8CBAD"}
    state = {(e["unit"], m): e["state"] for m in order for e in months[m]}
    for i, unit in enumerate(units, start=4):
        put_text(sheet.cell(row=i, column=1), unit)
        sheet.cell(row=i, column=1).border = st["border"]
        for j, m in enumerate(order, start=2):
            s = state.get((unit, m), "missing")
            cell = sheet.cell(row=i, column=j)
            put_text(cell, MONTH_STATE_ZH.get(s, s))
            cell.border, cell.alignment = st["border"], st["center"]
            if s in colours:
                cell.fill = PatternFill("solid", fgColor=colours[s])
    sheet.column_dimensions["A"].width = 34
    sheet.freeze_panes = "B4"
    _setup(sheet, info, "3:3")


def _text_sheet(
    book: Any,
    title: str,
    heading: str,
    lines: Sequence[str],
    info: BookInfo,
    st: dict[str, Any],
    *,
    first: bool = False,
) -> None:
    sheet = book.active if first else book.create_sheet(title)
    sheet.title = title
    _title(
        sheet,
        heading,
        f"{info.label}　评分规则 {info.rules_version}　生成时间 {info.generated_at}",
        1,
        st,
    )
    sheet.column_dimensions["A"].width = 110
    for i, line in enumerate(lines, start=4):
        put_text(sheet.cell(row=i, column=1), line)
        sheet.cell(row=i, column=1).alignment = st["wrap"]
        if line.endswith("："):
            sheet.cell(row=i, column=1).font = st["head"]
        # LibreOffice and Excel keep a set height: about 50 Chinese characters a line
        sheet.row_dimensions[i].height = 16 * max(1, -(-len(line) // 50))
    _setup(sheet, info, None)


def build_workbook(
    scores: PeriodScores,
    rules: Rules | None,
    info: BookInfo,
    comment: Commentary,
    months: Mapping[str, Sequence[Mapping[str, Any]]],
) -> bytes:
    """The whole 通报 workbook as bytes (the same inputs give the same cells)."""
    from openpyxl import Workbook

    st = _styles()
    book = Workbook()
    intro: list[str] = []
    for category, sentences in comment.categories.items():
        intro += [f"{category}述评：", *(s.text for s in sentences), ""]
    if info.replaces:
        intro.insert(0, f"本版替代第{info.replaces}版通报。")
    intro += [f"注：{n}" for n in info.notes]
    _text_sheet(
        book, "述评", f"{TITLE}{period_title(scores.period)}通报", intro, info, st, first=True
    )
    for category in dict.fromkeys(t.category for t in scores.totals):
        _ranked_sheet(book, scores, rules, category, info, st)
    _explained_sheet(book, scores, rules, info, st)
    _status_sheet(book, list(scores.units), months, info, st)
    if not info.gate_ran:
        completeness = "未经报表齐全检查（评分数据不是来自数据仓库）"
    elif any(n.startswith("数据不全") for n in info.notes):
        completeness = "数据不全，见下"
    else:
        completeness = "评分所需报表齐全"
    about = [
        f"评分期：{period_zh(scores.period)}",
        f"版本：{info.label}" + (f"（替代第{info.replaces}版）" if info.replaces else ""),
        f"评分规则：{info.rules_version}",
        f"生成时间：{info.generated_at}",
        f"数据完整性：{completeness}",
        *info.notes,
        "得分按附件6（县市、高新区）和附件7（招商组、平台）计分，保留两位小数；"
        + (
            "全年得分 =（一季度+二季度+三季度）÷6 + 年度得分÷2。"
            if main_kind(scores) == YEAR
            else "合计为各指标得分之和。"
        ),
        "各指标计量值、依据、名次及得分说明见“得分说明”表；各单位逐月报送情况见“报送情况”表。",
    ]
    _text_sheet(book, "说明", f"{TITLE}{period_title(scores.period)}通报说明", about, info, st)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


__all__ = ["QUARTERS", "BookInfo", "attachment_name", "build_workbook", "period_title"]
