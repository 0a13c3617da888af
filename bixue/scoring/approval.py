"""The office's approval of a draft before it is circulated (quarterly and annual results).

A request is keyed by whoever asks (the flow run's id): the draft is scored once per request,
so a run resumed after the office's decision shows and locks the very draft the office saw.
The decision is written once (waiting -> approved | refused, with the office's 意见); an
approved request locks that draft as 第N版, refused if a newer draft has appeared since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.scoring import audit
from bixue.scoring.model import ScoringError, parse_period
from bixue.scoring.service import circulate_version, score_warehouse
from bixue.warehouse.db import sql

WAITING, APPROVED, REFUSED = "waiting", "approved", "refused"


@dataclass(frozen=True)
class Request:
    """One approval request as recorded."""

    run_id: str
    period: str
    version: int  # the draft shown (score_run.version)
    state: str  # waiting | approved | refused
    opinion: str | None
    number: int | None  # 第N版 once locked
    requested_at: str
    decided_at: str | None

    @property
    def approved(self) -> bool:
        return self.state == APPROVED


def results_period(annual: bool, when: datetime, tz: ZoneInfo) -> str:
    """The period a scheduled run circulates: the quarter just ended (Q1–Q3), or for the
    annual results the previous year, as of `when` in the office's time zone."""
    local = when.astimezone(tz)
    if annual:
        return str(local.year - 1)
    ended = (local.month - 1) // 3  # 0 in Jan–Mar: the fourth quarter, scored with the year
    if ended == 0:
        raise ScoringError(
            f"{local:%Y-%m-%d} 之前结束的是{local.year - 1}年第四季度，"
            f"第四季度不单独通报：请运行年度通报（评分期 {local.year - 1}），或填写评分期"
        )
    return f"{local.year}Q{ended}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def find(engine: Engine, run_id: str) -> Request | None:
    with engine.connect() as conn:
        row = conn.execute(sql("approval_select"), {"run_id": run_id}).mappings().first()
    return None if row is None else Request(**dict(row))


def request(engine: Engine, settings: Settings, period: str, run_id: str) -> Request:
    """The request of `run_id`: scored as a new draft the first time, as recorded after."""
    found = find(engine, run_id)
    if found is not None:
        if found.period != period:
            raise ScoringError(f"本次运行已请求审核 {found.period}，不能改为 {period}")
        return found
    done = score_warehouse(engine, settings, parse_period(period), allow_incomplete=True)
    with engine.begin() as conn:
        conn.execute(
            sql("approval_insert"),
            {"run_id": run_id, "period": period, "version": done.version, "requested_at": _now()},
        )
    recorded = find(engine, run_id)
    assert recorded is not None
    return recorded


def decide(engine: Engine, run_id: str, approve: bool, opinion: str = "") -> Request:
    """Record the office's decision once; a second decision leaves the first standing."""
    with engine.begin() as conn:
        conn.execute(
            sql("approval_decide"),
            {
                "run_id": run_id,
                "state": APPROVED if approve else REFUSED,
                "opinion": opinion.strip() or None,
                "decided_at": _now(),
            },
        )
    found = find(engine, run_id)
    if found is None:
        raise ScoringError(f"没有审核请求 {run_id}")
    return found


def lock_approved(engine: Engine, settings: Settings, run_id: str, *, force: bool = False) -> int:
    """Lock the approved draft as 第N版 and return N (the same N when run again)."""
    req = find(engine, run_id)
    if req is None or not req.approved:
        raise ScoringError(f"办公室未同意通报（{req.state if req else '无审核请求'}），不锁定版本")
    if req.number is not None:
        return req.number
    with engine.connect() as conn:
        recorded = audit.runs(conn, req.period)
    newest = recorded[0] if recorded else None
    if newest is None or newest.version != req.version:
        raise ScoringError(
            f"办公室审核的是 {req.period} 第{req.version}次评分草稿，此后已有第"
            f"{newest.version if newest else '?'}次评分：请重新运行，审核新的草稿后再通报"
        )
    number = circulate_version(engine, settings, req.period, force=force)
    with engine.begin() as conn:
        conn.execute(sql("approval_set_number"), {"run_id": run_id, "number": number})
    return number
