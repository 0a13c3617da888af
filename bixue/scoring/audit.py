"""The scores' audit trail in the warehouse: runs are append-only, a scored period is locked."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping

from bixue.scoring.model import QUARTERS, Line, PeriodScores, ScoringError, UnitTotal
from bixue.warehouse.db import sql


@dataclass(frozen=True)
class Run:
    """One scoring of a period as recorded: which rules, which inputs, when, from where."""

    period: str
    version: int
    rules_version: str
    rules_hash: str
    inputs_hash: str
    source: str
    basis: dict[str, int]
    scored_at: str


@dataclass(frozen=True)
class Stored:
    """What `store` did: the version now current, and whether it wrote a new one."""

    version: int
    created: bool


def _run(row: RowMapping) -> Run:
    return Run(
        period=row["period"],
        version=int(row["version"]),
        rules_version=row["rules_version"],
        rules_hash=row["rules_hash"],
        inputs_hash=row["inputs_hash"],
        source=row["source"],
        basis=json.loads(row["basis"] or "{}"),
        scored_at=row["scored_at"],
    )


def runs(conn: Connection, period: str) -> list[Run]:
    """Every scoring of a period, newest first."""
    return [_run(r) for r in conn.execute(sql("score_select_run"), {"period": period}).mappings()]


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _line_row(run: Run, line: Line) -> dict[str, Any]:
    return {
        "period": run.period,
        "version": run.version,
        "unit": line.unit,
        "indicator": line.indicator,
        "category": line.category,
        "seq": line.seq,
        "measure": _text(line.measure),
        "target": _text(line.target),
        "eligibility": line.eligibility,
        "place": line.place,
        "method": line.method,
        "params": json.dumps(dict(line.params), ensure_ascii=False, sort_keys=True),
        "ineligible_when": line.ineligible_when,
        "weight": str(line.weight),
        "points": str(line.points),
        "rule_version": line.rule_version,
        "inputs_hash": line.inputs_hash,
        "figures": json.dumps([[n, _text(v)] for n, v in line.figures], ensure_ascii=False)
        if line.figures
        else None,
    }


def store(
    engine: Engine,
    scores: PeriodScores,
    *,
    source: str,
    basis: Mapping[str, int] | None = None,
    force: bool = False,
    now: datetime | None = None,
) -> Stored:
    """Record a scoring. Once a period is scored it is locked: the same inputs change nothing,
    different ones are refused unless forced, and a forced one is a new version beside the old.
    """
    with engine.begin() as conn:
        earlier = runs(conn, scores.period)
        if earlier and not force:
            latest = earlier[0]
            if latest.inputs_hash == scores.inputs_hash:
                return Stored(latest.version, created=False)
            raise ScoringError(
                f"{scores.period} 已评分并锁定（第{latest.version}版，{latest.scored_at}，"
                f"规则 {latest.rules_version}）；本次输入或规则有变化。"
                "确需重算请加 --force：将生成新版本，原版本保留"
            )
        run = Run(
            period=scores.period,
            version=earlier[0].version + 1 if earlier else 1,
            rules_version=scores.rules_version,
            rules_hash=scores.rules_hash,
            inputs_hash=scores.inputs_hash,
            source=source,
            basis=dict(basis or {}),
            scored_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        )
        inserted = conn.execute(
            sql("score_insert_run"),
            {**run.__dict__, "basis": json.dumps(run.basis, sort_keys=True) if basis else None},
        )
        if inserted.rowcount != 1:
            raise ScoringError(f"{scores.period} 正在被另一次评分写入，请稍后重试")
        conn.execute(sql("score_insert_line"), [_line_row(run, ln) for ln in scores.lines])
        order = {u: i for i, u in enumerate(scores.units)}
        conn.execute(
            sql("score_insert_total"),
            [
                {
                    "period": run.period,
                    "version": run.version,
                    "unit": t.unit,
                    "category": t.category,
                    "kind": t.kind,
                    "seq": order[t.unit],
                    "points": str(t.points),
                    "rank": t.rank,
                }
                for t in scores.totals
            ],
        )
    return Stored(run.version, created=True)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _line(row: RowMapping) -> Line:
    return Line(
        unit=row["unit"],
        category=row["category"],
        indicator=row["indicator"],
        seq=int(row["seq"]),
        measure=_decimal(row["measure"]),
        target=_decimal(row["target"]),
        eligibility=row["eligibility"],
        place=None if row["place"] is None else int(row["place"]),
        method=row["method"],
        params=tuple(sorted(json.loads(row["params"]).items())),
        ineligible_when=row["ineligible_when"],
        weight=Decimal(row["weight"]),
        points=Decimal(row["points"]),
        rule_version=row["rule_version"],
        inputs_hash=row["inputs_hash"],
        figures=tuple((n, _decimal(v)) for n, v in json.loads(row["figures"] or "[]")),
    )


def load(engine: Engine, period: str, version: int | None = None) -> tuple[Run, PeriodScores]:
    """A recorded scoring (the newest unless a version is named), exactly as it was stored."""
    with engine.connect() as conn:
        recorded = runs(conn, period)
        chosen = [r for r in recorded if version is None or r.version == version]
        if not chosen:
            if recorded:
                raise ScoringError(f"{period} 没有第{version}版评分")
            raise ScoringError(f"{period} 尚未评分：请先运行 bixue score --period {period}")
        run = chosen[0]
        key = {"period": period, "version": run.version}
        lines = [_line(r) for r in conn.execute(sql("score_select_lines"), key).mappings()]
        total_rows = list(conn.execute(sql("score_select_totals"), key).mappings())
    units = list(dict.fromkeys(r["unit"] for r in total_rows))
    order = {u: i for i, u in enumerate(units)}
    totals = tuple(
        UnitTotal(
            unit=r["unit"],
            category=r["category"],
            kind=r["kind"],
            points=Decimal(r["points"]),
            rank=None if r["rank"] is None else int(r["rank"]),
        )
        for r in total_rows
    )
    return run, PeriodScores(
        period=period,
        rules_version=run.rules_version,
        rules_hash=run.rules_hash,
        inputs_hash=run.inputs_hash,
        lines=tuple(sorted(lines, key=lambda ln: (order[ln.unit], ln.seq))),
        totals=totals,
        units=tuple(units),
    )


def quarter_totals(
    engine: Engine, year: int
) -> tuple[dict[tuple[str, str], Decimal], dict[str, int]]:
    """The newest recorded total of every unit in Q1–Q3, and which version of each quarter."""
    totals: dict[tuple[str, str], Decimal] = {}
    basis: dict[str, int] = {}
    missing = []
    for q in QUARTERS:
        period = f"{year}{q}"
        try:
            run, scores = load(engine, period)
        except ScoringError:
            missing.append(period)
            continue
        basis[period] = run.version
        totals.update({(t.unit, q): t.points for t in scores.totals if t.kind == "total"})
    if missing:
        raise ScoringError(
            f"计算 {year} 年全年得分需要先完成季度评分：{'、'.join(missing)} 尚未评分"
        )
    return totals, basis
