"""The workbook attached to the office's status mail: the month per unit, per version, per problem.

Every text a unit or a sender wrote goes in as a plain string: one starting with = + - @ is kept
as text (quote prefix) and never becomes a formula when the clerk opens the file.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from bixue.config import Settings
from bixue.render.status_lines import period_text
from bixue.textcell import put_text
from bixue.warehouse.status import STATE_ZH, form_name

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
STATE_FILLS = {
    "missing": PatternFill("solid", fgColor="F8CBAD"),
    "rejected": PatternFill("solid", fgColor="FFC7CE"),
    "late": PatternFill("solid", fgColor="FFEB9C"),
    "accepted": PatternFill("solid", fgColor="C6EFCE"),
}
SEVERITY_ZH = {"error": "错误", "warning": "提示"}


def put(ws: Worksheet, row: int, col: int, value: Any) -> Cell:
    """Write one cell; text is always text, whatever it starts with."""
    cell = ws.cell(row=row, column=col)
    if value is None:
        return cell
    if isinstance(value, bool):
        value = "是" if value else "否"
    if isinstance(value, int | float):
        cell.value = value
        return cell
    put_text(cell, str(value))
    return cell


def _sheet(wb: Workbook, title: str, headers: list[str], widths: list[int]) -> Worksheet:
    ws = wb.create_sheet(title)
    for col, (head, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = put(ws, 1, col, head)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A2"
    return ws


def _rows(ws: Worksheet, rows: list[list[Any]], wrap: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            cell = put(ws, r, c, value)
            if c in wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _version_state(s: dict[str, Any]) -> str:
    if s.get("refused_correction"):
        return "更正未通过（原版本仍有效）"
    if s.get("counts"):
        return "有效" + ("（迟报）" if s["late"] else "")
    return "已被新版本替代" if s["state"] == "accepted" else "未通过"


def status_workbook(settings: Settings, view: dict[str, Any]) -> bytes:
    """报送情况 / 问题明细 / 统计数据 / 邮件: the month as the office follows it up."""
    from bixue.render.status_lines import problem_text, unit_summary, when

    wb = Workbook()
    wb.remove(wb.worksheets[0])
    title = f"{period_text(view['period'])}报表报送情况"
    overview = _sheet(
        wb,
        "报送情况",
        ["单位", "状态", "报表", "版本", "版本状态", "收到时间", "文件名", "问题数", "说明"],
        [30, 10, 10, 8, 26, 18, 40, 8, 60],
    )
    rows: list[list[Any]] = []
    fills: list[str] = []
    for unit in view["units"]:
        summary = unit_summary(unit)
        if not unit["submissions"]:
            rows.append([unit["unit"], STATE_ZH[unit["state"]], "", "", "", "", "", "", summary])
            fills.append(unit["state"])
        for s in unit["submissions"]:
            rows.append(
                [
                    unit["unit"],
                    STATE_ZH[unit["state"]],
                    form_name(s["form"]),
                    s["version"],
                    _version_state(s),
                    when(settings, s["received_at"]),
                    s["filename"],
                    len(s["problems"]),
                    summary,
                ]
            )
            fills.append(unit["state"])
    _rows(overview, rows, wrap={9})
    for r, state in enumerate(fills, start=2):
        overview.cell(row=r, column=2).fill = STATE_FILLS[state]
    problems = _sheet(
        wb,
        "问题明细",
        [
            "单位",
            "报表",
            "版本",
            "版本状态",
            "类别",
            "工作表",
            "行",
            "列",
            "栏目",
            "填报值",
            "问题",
            "处理办法",
            "完整说明",
        ],
        [30, 10, 6, 22, 6, 12, 6, 6, 20, 24, 50, 40, 70],
    )
    _rows(
        problems,
        [
            [
                unit["unit"],
                form_name(s["form"]),
                s["version"],
                _version_state(s),
                SEVERITY_ZH.get(p["severity"], p["severity"]),
                p["sheet"],
                p["row"],
                p["column"],
                p.get("header"),
                p.get("value"),
                p["message"],
                p.get("fix"),
                problem_text(p),
            ]
            for unit in view["units"]
            for s in unit["submissions"]
            for p in s["problems"]
        ],
        wrap={11, 12, 13},
    )
    stats = _sheet(
        wb,
        "统计数据",
        ["统计表", "本月状态", "应报送单位", "报送单位", "收到时间", "目前采用的数据"],
        [30, 12, 26, 26, 18, 20],
    )
    _rows(
        stats,
        [
            [
                s["name"],
                "已收到" if s["received"] else STATE_ZH[s["state"]],
                "、".join(s["providers"]),
                s["sender"],
                when(settings, s["received_at"]) if s["received_at"] else "",
                period_text(s["held_period"]) if s["held_period"] else "尚无",
            ]
            for s in view["statistics"]
        ],
    )
    mail = _sheet(
        wb, "邮件", ["类别", "单位或发件人", "收到时间", "主题", "原因"], [22, 36, 18, 40, 70]
    )
    mail_rows: list[list[Any]] = [
        [
            "被拒收",
            m["unit"],
            when(settings, m["received_at"]),
            m["subject"],
            "；".join(m["reasons"]),
        ]
        for m in view["refused"]
    ]
    mail_rows += [
        [
            "已隔离（待人工核实）",
            m["display_from"] or m["sender"],
            when(settings, m["received_at"]),
            m["subject"],
            "；".join(m["reasons"]),
        ]
        for m in view["held"]
    ]
    mail_rows += [
        ["待处理", m["key"], when(settings, m["arrived_at"]), "", ""]
        for m in view["waiting"]["messages"]
    ]
    _rows(mail, mail_rows, wrap={5})
    wb.properties.title = title
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
