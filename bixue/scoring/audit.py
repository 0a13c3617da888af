"""The scores' audit trail in the warehouse: runs are append-only drafts until circulated.

Scoring a period again writes a new draft beside the old ones (superseding, never replacing:
the newest run is the current draft, the older ones stay readable). Circulating locks the
newest draft as 第N版 with its rule version, inputs hash and time; a recirculation is 第N+1版
and 第N版 stays as it was circulated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping

from bixue.scoring.gate import Gap, gaps_from_json, gaps_json, merged
from bixue.scoring.model import QUARTERS, Line, PeriodScores, ScoringError, UnitTotal
from bixue.warehouse.db import sql

# What an annual scoring used of a quarter: its run, and 第N版 if that run was circulated then.
BasisEntry = dict[str, int | None]


@dataclass(frozen=True)
class Run:
    """One scoring of a period as recorded: which rules, which inputs, when, from where."""

    period: str
    version: int
    rules_version: str
    rules_hash: str
    inputs_hash: str
    source: str
    basis: dict[str, int]  # quarter -> the run an annual scoring used
    scored_at: str
    gaps: tuple[Gap, ...] | None = None  # the inputs gate's gaps; None when no gate ran
    circulated: int | None = None  # 第N版 once circulated; None while a draft
    circulated_at: str | None = None
    # quarter -> 第N版 when the run used was circulated at the time, None when it was a draft
    basis_circulated: dict[str, int | None] = field(default_factory=dict)

    @property
    def is_draft(self) -> bool:
        return self.circulated is None

    def basis_entries(self) -> dict[str, BasisEntry]:
        """The basis as stored: each quarter's run and its circulation at the time."""
        return {
            q: {"version": v, "circulated": self.basis_circulated.get(q)}
            for q, v in self.basis.items()
        }


@dataclass(frozen=True)
class Stored:
    """What `store` did: the version now current, and whether it wrote a new one."""

    version: int
    created: bool


def _run(row: RowMapping) -> Run:
    basis: dict[str, int] = {}
    circulated: dict[str, int | None] = {}
    for quarter, entry in json.loads(row["basis"] or "{}").items():
        if isinstance(entry, int):  # recorded before 0101: a run number, then always a draft
            entry = {"version": entry, "circulated": None}
        basis[quarter] = int(entry["version"])
        circulated[quarter] = entry["circulated"]
    return Run(
        period=row["period"],
        version=int(row["version"]),
        rules_version=row["rules_version"],
        rules_hash=row["rules_hash"],
        inputs_hash=row["inputs_hash"],
        source=row["source"],
        basis=basis,
        scored_at=row["scored_at"],
        gaps=gaps_from_json(row["gaps"]),
        circulated=None if row["circulated"] is None else int(row["circulated"]),
        circulated_at=row["circulated_at"],
        basis_circulated=circulated,
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


def same_scoring(
    run: Run,
    scores: PeriodScores,
    basis: Mapping[str, BasisEntry] | None,
    gaps: Sequence[Gap] | None,
) -> bool:
    """Whether a recorded run already is this scoring: same rules, inputs, basis and gaps."""
    return (
        run.rules_hash == scores.rules_hash
        and run.inputs_hash == scores.inputs_hash
        and run.basis_entries() == dict(basis or {})
        and run.gaps == (None if gaps is None else tuple(gaps))
    )


def store(
    engine: Engine,
    scores: PeriodScores,
    *,
    source: str,
    basis: Mapping[str, BasisEntry] | None = None,
    gaps: Sequence[Gap] | None = None,
    now: datetime | None = None,
) -> Stored:
    """Record a scoring as the period's new draft; the same scoring as the newest run (draft or
    circulated) changes nothing. No earlier run is touched.
    """
    with engine.begin() as conn:
        earlier = runs(conn, scores.period)
        if earlier and same_scoring(earlier[0], scores, basis, gaps):
            return Stored(earlier[0].version, created=False)
        entries = {q: dict(e) for q, e in (basis or {}).items()}
        run = Run(
            period=scores.period,
            version=earlier[0].version + 1 if earlier else 1,
            rules_version=scores.rules_version,
            rules_hash=scores.rules_hash,
            inputs_hash=scores.inputs_hash,
            source=source,
            basis={q: int(e["version"] or 0) for q, e in entries.items()},
            scored_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
            gaps=None if gaps is None else tuple(gaps),
        )
        inserted = conn.execute(
            sql("score_insert_run"),
            {
                "period": run.period,
                "version": run.version,
                "rules_version": run.rules_version,
                "rules_hash": run.rules_hash,
                "inputs_hash": run.inputs_hash,
                "source": run.source,
                "basis": json.dumps(entries, sort_keys=True) if entries else None,
                "scored_at": run.scored_at,
                "gaps": gaps_json(run.gaps),
            },
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


def load(
    engine: Engine,
    period: str,
    version: int | None = None,
    *,
    circulated: int | None = None,
) -> tuple[Run, PeriodScores]:
    """A recorded scoring exactly as it was stored: the newest run, or the run numbered
    `version`, or the one circulated as 第`circulated`版.
    """
    with engine.connect() as conn:
        recorded = runs(conn, period)
        chosen = [
            r
            for r in recorded
            if (version is None or r.version == version)
            and (circulated is None or r.circulated == circulated)
        ]
        if not chosen:
            if not recorded:
                raise ScoringError(f"{period} 尚未评分：请先运行 bixue score --period {period}")
            if circulated is not None:
                raise ScoringError(f"{period} 没有已通报的第{circulated}版评分")
            raise ScoringError(f"{period} 没有第{version}次评分记录")
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


@dataclass(frozen=True)
class QuarterBasis:
    """What the year result is computed from: each quarter's totals, which run, its gaps."""

    totals: dict[tuple[str, str], Decimal]
    basis: dict[str, BasisEntry]
    gaps: tuple[Gap, ...] | None


def basis_run(conn: Connection, period: str) -> Run | None:
    """The run a year result uses of a quarter: its newest circulated version where there is
    one, else its newest draft (D11)."""
    recorded = runs(conn, period)
    circulated = [r for r in recorded if r.circulated is not None]
    chosen = circulated or recorded
    return chosen[0] if chosen else None


def quarter_totals(engine: Engine, year: int) -> QuarterBasis:
    """Every unit's Q1–Q3 totals from each quarter's basis run, which run, and their gaps."""
    chosen: dict[str, Run] = {}
    with engine.connect() as conn:
        for q in QUARTERS:
            run = basis_run(conn, f"{year}{q}")
            if run is not None:
                chosen[f"{year}{q}"] = run
    missing = [f"{year}{q}" for q in QUARTERS if f"{year}{q}" not in chosen]
    if missing:
        raise ScoringError(
            f"计算 {year} 年全年得分需要先完成季度评分：{'、'.join(missing)} 尚未评分"
        )
    totals: dict[tuple[str, str], Decimal] = {}
    for period, run in chosen.items():
        _, scores = load(engine, period, run.version)
        q = period[4:]
        totals.update({(t.unit, q): t.points for t in scores.totals if t.kind == "total"})
    return QuarterBasis(
        totals=totals,
        basis={p: {"version": r.version, "circulated": r.circulated} for p, r in chosen.items()},
        gaps=merged(*(r.gaps for r in chosen.values())),
    )


def circulate(
    engine: Engine, period: str, *, force: bool = False, now: datetime | None = None
) -> int:
    """Lock the period's newest draft as 第N版 and return N. Its newest run already circulated
    is that version (nothing written); a draft after a circulated version needs `force`, and
    the earlier version stays as it was circulated.
    """
    with engine.begin() as conn:
        recorded = runs(conn, period)
        if not recorded:
            raise ScoringError(f"{period} 尚未评分：请先运行 bixue score --period {period}")
        latest = recorded[0]
        if latest.circulated is not None:
            return latest.circulated
        done = sorted(r.circulated for r in recorded if r.circulated is not None)
        number = (done[-1] if done else 0) + 1
        if done and not force:
            previous = next(r for r in recorded if r.circulated == done[-1])
            raise ScoringError(
                f"{period} 已通报第{done[-1]}版（{previous.circulated_at}）；"
                f"确需重新通报请加 --force：将通报第{number}版，第{done[-1]}版保留不变"
            )
        inserted = conn.execute(
            sql("score_insert_circulation"),
            {
                "period": period,
                "number": number,
                "version": latest.version,
                "rules_version": latest.rules_version,
                "inputs_hash": latest.inputs_hash,
                "circulated_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
            },
        )
        if inserted.rowcount != 1:
            raise ScoringError(f"{period} 正在被另一次通报写入，请稍后重试")
    return number
