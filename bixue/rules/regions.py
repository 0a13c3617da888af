"""附件4 project codes against the region codes in force when each project was registered."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from bixue.config import AdminCodesFile, load_admin_codes
from bixue.forms.parse import ParsedSheet
from bixue.forms.spec import A4
from bixue.model import Submission
from bixue.rules.problem import Problem

RULE = "a4.project_code.region"
CODE = re.compile(r"^(\d{4})—(\d{6})—\d{2}—\d{2}—\d{6}$")
FIX = "请核对项目代码；州外赋码的项目不属于本表填报范围。"


@lru_cache(maxsize=1)
def default_codes() -> AdminCodesFile:
    """The installation's table (config/admin_codes.yaml), for callers without Settings."""
    return load_admin_codes()


def region_message(codes: AdminCodesFile, year: int, region: str) -> str | None:
    """Why a code's region segment is wrong for its year, or None when it was in force then."""
    named = [c for c in codes.codes if c.code == region]
    if any(c.in_force(year) for c in named):
        return None
    head = f"「投资项目在线审批监管平台代码」第2段（行政区划代码）{region}"
    if not named:
        return f"{head}不是楚雄州或州内县市的代码。"
    entry = named[0]
    span = f"{entry.valid_from}—{entry.valid_to}年" if entry.valid_to else f"{entry.valid_from}年起"
    return (
        f"{head}是{entry.name}的代码（{span}使用），"
        f"但代码第1段的赋码年份为{year}年，当年不使用该代码。"
    )


def check_sheet(sheet: ParsedSheet, codes: AdminCodesFile) -> list[Problem]:
    """One problem per row whose code names a region that was not the prefecture's that year."""
    frame = sheet.frame
    if frame.empty or "project_code" not in frame:
        return []
    problems = []
    for code, excel_row in zip(frame["project_code"], frame["excel_row"], strict=True):
        match = CODE.match(code) if isinstance(code, str) else None
        if not match:
            continue  # a malformed code is a4.project_code.format's to report
        message = region_message(codes, int(match.group(1)), match.group(2))
        if message:
            problems.append(
                Problem(
                    rule=RULE,
                    message=message,
                    sheet=sheet.sheet,
                    row=int(excel_row),
                    column=sheet.letter("project_code"),
                    header=A4.column("project_code").label,
                    value=code,
                    fix=FIX,
                )
            )
    return problems


def check_regions(submissions: Iterable[Submission], codes: AdminCodesFile | None = None) -> None:
    """Attach a region problem to every 附件4 row whose code was not the prefecture's then."""
    table = codes or default_codes()
    for sub in submissions:
        for sheet in sub.sheets:
            if sheet.form == "a4":
                sub.problems.extend(check_sheet(sheet, table))
