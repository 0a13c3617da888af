"""The office's own page for a month: every unit's forms, their state and problems, in Chinese.

One self-contained HTML file (inline CSS, no script, nothing fetched), readable on an office PC
without internet; written to <home>/docs/status-YYYY-MM.html and attached to the status mail.
"""

from __future__ import annotations

from html import escape
from typing import Any

from bixue.config import Settings
from bixue.render.status_lines import period_text
from bixue.warehouse.status import STATE_ZH

CSS = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "SimSun", sans-serif; margin: 24px;
       color: #222; background: #fff; }
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 24px 0 8px; border-bottom: 2px solid #4472c4; padding-bottom: 4px; }
p.lead { font-size: 15px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { border: 1px solid #bbb; padding: 4px 8px; vertical-align: top; text-align: left; }
th { background: #ddebf7; }
td.state { white-space: nowrap; font-weight: bold; }
.missing { background: #f8cbad; } .rejected { background: #ffc7ce; }
.late { background: #ffeb9c; } .accepted { background: #c6efce; }
ul { margin: 2px 0; padding-left: 20px; } li { margin: 2px 0; }
.version { font-weight: bold; } .muted { color: #666; }
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """A table of already escaped cells."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _unit_row(settings: Settings, unit: dict[str, Any]) -> list[str]:
    from bixue.render.status_lines import problem_text, unit_summary, version_label, when

    versions = []
    for s in unit["submissions"]:
        items = "".join(
            f"<li>{'提示：' if p['severity'] == 'warning' else ''}{_e(problem_text(p))}</li>"
            for p in s["problems"]
        )
        versions.append(
            f'<div><span class="version">{_e(version_label(s))}</span> '
            f'<span class="muted">收到时间 {_e(when(settings, s["received_at"]))}，'
            f"文件 {_e(s['filename'])}</span>" + (f"<ul>{items}</ul>" if items else "") + "</div>"
        )
    summary = unit_summary(unit)
    for m in unit.get("refused_mail", []):
        versions.append(
            f"<div>邮件被拒收（{_e(when(settings, m['received_at']))}收到）："
            f"{_e('；'.join(m['reasons']))}</div>"
        )
    return [
        f"<td>{_e(unit['unit'])}</td>",
        f'<td class="state {unit["state"]}">{_e(STATE_ZH[unit["state"]])}</td>',
        f"<td>{_e(summary) or '—'}</td>",
        f"<td>{''.join(versions) or '—'}</td>",
    ]


def status_page(settings: Settings, view: dict[str, Any]) -> str:
    """The month's page as one HTML document."""
    from bixue.render.status_lines import (
        HELD,
        REFUSED,
        WAITING,
        counts_text,
        held_line,
        refused_line,
        statistics_line,
        waiting_lines,
    )

    period = view["period"]
    title = f"{period_text(period)}报表报送情况"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="lead">{_e(settings.office_name)}：{_e(counts_text(view))}。</p>',
        "<h2>统计数据</h2><ul>",
        *(f"<li>{_e(statistics_line(settings, s, period))}</li>" for s in view["statistics"]),
        "</ul>",
        "<h2>各单位报表</h2>",
        _table(
            ["单位", "状态", "概况", "报表版本与问题"],
            [_unit_row(settings, u) for u in view["units"]],
        ),
    ]
    for heading, lines in (
        (REFUSED, [refused_line(settings, m) for m in view["refused"]]),
        (HELD, [held_line(settings, m) for m in view["held"]]),
        (WAITING, waiting_lines(settings, view["waiting"])),
    ):
        if lines:
            parts.append(f"<h2>{_e(heading)}</h2><ul>")
            parts += [f"<li>{_e(line)}</li>" for line in lines]
            parts.append("</ul>")
    parts.append('<p class="muted">本页由比学赶超报送系统生成。</p></body></html>')
    return "\n".join(parts)
