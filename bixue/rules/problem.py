"""A problem found in a submission, located to the cell, worded for the submitter."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


def column_letter(index: int) -> str:
    """Excel column letter for a 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class Problem:
    """One broken rule; sheet/row/column are None when the problem is about the whole file."""

    rule: str
    message: str
    severity: Severity = "error"
    sheet: str | None = None
    row: int | None = None
    column: str | None = None  # Excel letter, e.g. "E"
    header: str | None = None  # the form's own column name
    value: str | None = None
    fix: str | None = None
    # The row's 项目名称 or 活动名称, so a clerk finds the line without counting rows.
    item: str | None = None

    @property
    def where(self) -> str:
        """The location as a submitter reads it: 工作表「Sheet1」第7行（钛项目）E列「项目名称」."""
        parts = []
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.row:
            parts.append(f"第{self.row}行")
            if self.item:
                parts.append(f"（{self.item}）")
        if self.column:
            parts.append(f"{self.column}列")
        if self.header:
            parts.append(f"「{self.header}」")
        return "".join(parts)

    def sentence(self) -> str:
        """The whole problem as one Chinese sentence for a notice."""
        text = f"{self.where}：" if self.where else ""
        if self.value not in (None, ""):
            text += f"填报值“{self.value}”，"
        text += self.message
        if self.fix:
            text += f"处理办法：{self.fix}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
