"""What a recorded scoring is, in the office's words: draft or 第N版（已通报）, and its gaps.

Every output of a version (the score command, export, explain, later the workbook and mail)
takes its label and note from here, so they say the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence

from bixue.scoring.audit import Run
from bixue.scoring.tables import Row

QUARTER_ZH = {"Q1": "一季度", "Q2": "二季度", "Q3": "三季度"}
INCOMPLETE = "数据不全"


def version_label(run: Run) -> str:
    """草稿 with its scoring number, or 第N版（已通报） with when it was circulated."""
    if run.circulated is None:
        return f"草稿（第{run.version}次评分，未通报）"
    return f"第{run.circulated}版（已通报）"


def gaps_note(run: Run) -> str:
    """数据不全 and every gap on one line, or empty when the inputs were complete."""
    if not run.gaps:
        return ""
    return f"{INCOMPLETE}：" + "；".join(g.text() for g in run.gaps)


def basis_note(run: Run) -> str:
    """For a year result: which version of each quarter it was computed from."""
    if not run.basis:
        return ""
    parts = []
    for period, version in sorted(run.basis.items()):
        label = QUARTER_ZH.get(period[4:], period)
        number = run.basis_circulated.get(period)
        parts.append(
            f"{label}按第{number}版（已通报）" if number else f"{label}按草稿（第{version}次评分）"
        )
    return "全年得分所用季度得分：" + "，".join(parts)


def version_note(run: Run) -> str:
    """The lines every output of a version starts with: what it is, then any gaps."""
    lines = [f"{run.period} 评分{version_label(run)}，评分规则 {run.rules_version}"]
    if run.gaps:
        lines.append(f"{INCOMPLETE}，以下缺项未计入：")
        lines += [f"  - {g.text()}" for g in run.gaps]
    if basis := basis_note(run):
        lines.append(basis)
    return "\n".join(lines)


def version_fields(run: Run) -> dict[str, str]:
    """Fields added to each exported row: the version it belongs to and its gaps, if any."""
    return {"version": version_label(run), "note": gaps_note(run)}


WHAT_IF = {"version": "试算（未保存，不是正式评分）", "note": ""}


def with_version(rows: Sequence[Row], run: Run | None) -> list[Row]:
    """Rows, each with the fields that say which version it is and what it lacks; without a
    run they are a what-if, which no one should take for a version."""
    fields = WHAT_IF if run is None else version_fields(run)
    return [{**row, **fields} for row in rows]
