"""The inputs gate: before a period is scored, every input of its closing report month is in.

A period is scored from the report that closes it (2023年1—6月 for 2023Q2, 1—12月 for the
year): the statistics provider's two statistics (国内合作 funds with the prior year's same
period, by county; 实际利用外资 by county) and every unit's required workbooks. A workbook
counts as in when a version of it was accepted: a refused later correction leaves the accepted
version counting (第1版仍有效), as `bixue status` and the warehouse's current_submission say.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.forms.spec import WORKBOOK_NAMES, period_title
from bixue.scoring.model import Period, ScoringError
from bixue.warehouse.db import sql
from bixue.warehouse.status import required_workbooks

STATISTICS = ("stats_funds", "stats_fdi")
Reason = Literal["missing", "rejected", "incomplete"]


@dataclass(frozen=True)
class Gap:
    """One input a period lacks: who must send which workbook of which report month, and why."""

    who: str  # the unit, or the statistics provider
    workbook: str  # a key of WORKBOOKS
    month: str  # YYYY-MM, the report titled 年1—N月
    reason: Reason
    detail: str = ""  # rejected: the version; incomplete: the counties without figures

    def text(self) -> str:
        """The gap as the office reads it: who, which form of which month, what is wrong."""
        year, month = (int(x) for x in self.month.split("-"))
        form = f"{WORKBOOK_NAMES.get(self.workbook, self.workbook)}{period_title(year, month)}"
        if self.reason == "missing":
            what = "未报送"
        elif self.reason == "rejected":
            what = f"最新的第{self.detail}版未通过审核，须改正后重新报送"
        else:
            what = f"缺少 {self.detail} 的本年累计或上年同期数据"
        return f"{self.who}：{form}{what}"


class IncompleteInputsError(ScoringError):
    """A period's inputs are not all in; the message lists each gap and who must send it."""

    def __init__(self, period: Period, gaps: Sequence[Gap]) -> None:
        self.gaps = tuple(gaps)
        lines = "\n".join(f"  - {g.text()}" for g in self.gaps)
        super().__init__(
            f"{period} 的评分数据不全，未评分。以下报表须补齐（报送单位：报表（月份）及情况）：\n"
            f"{lines}\n"
            f"补齐后重新运行 bixue score --period {period}；如确需先出草稿，"
            "请加 --allow-incomplete（该版本将注明“数据不全”并列出以上缺项）。"
        )


def report_month(period: Period) -> str:
    """The monthly report whose cumulative figures close the period (YYYY-MM)."""
    month = 12 if period.quarter is None else 3 * period.quarter
    return f"{period.year:04d}-{month:02d}"


def _newest(engine: Engine, month: str) -> dict[tuple[str, str], tuple[int, str]]:
    """(unit, workbook) -> (version, status) of the version that counts for the month."""
    with engine.connect() as conn:
        rows = conn.execute(sql("gate_newest_submissions"), {"period": month}).mappings()
        return {(r["unit"], r["workbook"]): (int(r["version"]), r["status"]) for r in rows}


def _counted_counties(engine: Engine, month: str) -> dict[str, set[str]]:
    """Statistics workbook -> the counties with complete figures in the version counted."""
    out: dict[str, set[str]] = {w: set() for w in STATISTICS}
    with engine.connect() as conn:
        for r in conn.execute(sql("gate_statistics_counties"), {"period": month}).mappings():
            out[r["workbook"]].add(r["county"])
    return out


def _received(
    newest: dict[tuple[str, str], tuple[int, str]], who: Iterable[str], workbook: str
) -> tuple[str, int] | None:
    """The newest version among these senders of the workbook, as (status, version)."""
    found = [newest[(w, workbook)] for w in who if (w, workbook) in newest]
    if not found:
        return None
    version, status = max(found)
    return status, version


def check_inputs(engine: Engine, settings: Settings, period: Period) -> list[Gap]:
    """Every gap in the inputs of the period's closing month; empty when all is in."""
    month = report_month(period)
    newest = _newest(engine, month)
    gaps: list[Gap] = []
    counted = _counted_counties(engine, month)
    counties = [u.name for u in settings.units if u.category == "county"]
    for workbook in STATISTICS:
        providers = [p.name for p in settings.registry.providers if workbook in p.forms]
        who = "、".join(providers) or "统计数据报送单位"
        got = _received(newest, providers, workbook)
        if got is None:
            gaps.append(Gap(who, workbook, month, "missing"))
        elif got[0] != "accepted":
            gaps.append(Gap(who, workbook, month, "rejected", str(got[1])))
        elif lacking := [c for c in counties if c not in counted[workbook]]:
            gaps.append(Gap(who, workbook, month, "incomplete", "、".join(lacking)))
    for unit in settings.units:
        for workbook in required_workbooks(settings, unit.name):
            got = _received(newest, [unit.name], workbook)
            if got is None:
                gaps.append(Gap(unit.name, workbook, month, "missing"))
            elif got[0] != "accepted":
                gaps.append(Gap(unit.name, workbook, month, "rejected", str(got[1])))
    return gaps


def gaps_json(gaps: Sequence[Gap] | None) -> str | None:
    """Gaps as stored with a scoring run: None when no gate ran (measures from a file)."""
    if gaps is None:
        return None
    return json.dumps([asdict(g) for g in gaps], ensure_ascii=False, sort_keys=True)


def gaps_from_json(text: str | None) -> tuple[Gap, ...] | None:
    """The gaps a scoring run recorded; None for a run no gate checked."""
    if text is None:
        return None
    return tuple(Gap(**g) for g in json.loads(text))


def merged(*groups: Sequence[Gap] | None) -> tuple[Gap, ...] | None:
    """Gaps of several checks, each once, in order; None when no check ran at all."""
    if all(g is None for g in groups):
        return None
    return tuple(dict.fromkeys(g for group in groups if group for g in group))
