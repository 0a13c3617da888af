"""Scoring jobs: measures from a source, the engine, the audit trail; what the commands call."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.scoring import audit
from bixue.scoring.engine import score_period, shown
from bixue.scoring.model import (
    ANNUAL,
    QUARTERS,
    TOTAL,
    YEAR,
    Measure,
    Period,
    PeriodScores,
    ScoringError,
    parse_period,
)
from bixue.scoring.rules import configured_targets, load_rules
from bixue.scoring.tables import read_measures

MeasureSource = Callable[[Engine, Settings, str], Sequence[Measure]]
CATEGORY_ZH = {"county": "县市、高新区", "group": "招商组、平台"}


def warehouse_measures(engine: Engine, settings: Settings, period: str) -> Sequence[Measure]:
    """The warehouse's measures; imported here because the warehouse module imports this one."""
    from bixue.warehouse.measures import measures

    return measures(engine, settings, period)


def measures_from_inputs(
    settings: Settings,
    period: str,
    inputs: Mapping[str, Mapping[str, Decimal | None]],
) -> list[Measure]:
    """Each rule's `measure` picked from a unit's named inputs (unit -> measure name -> value).

    A unit absent from `inputs` has no data; a measure or figure name the inputs lack is a
    programming error between the warehouse and the rules, so it is refused loudly. Each measure
    carries the figures the rules list for it (measures.<name>.figures).
    """
    p = parse_period(period)
    rules = load_rules(settings.config_dir, p.year)
    out = []
    for unit in settings.units:
        named = inputs.get(unit.name)
        if named is None:
            continue
        for leaf in rules.leaves(p.kind):
            if leaf.category != unit.category:
                continue
            if leaf.measure not in named:
                raise ScoringError(f"{unit.name} 缺少指标 {leaf.key} 的计量 {leaf.measure}")
            wanted = rules.measure(leaf.measure).figures
            lacking = [f for f in wanted if f not in named]
            if lacking:
                raise ScoringError(f"{unit.name} 缺少指标 {leaf.key} 的依据数 {'、'.join(lacking)}")
            figures = tuple((f, named[f]) for f in wanted)
            out.append(Measure(unit.name, leaf.key, named[leaf.measure], figures=figures))
    return out


def file_measures(path: Path) -> tuple[MeasureSource, str]:
    """Measures from a CSV file (unit,indicator,value[,target]) and how the audit names them."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        raise ScoringError(f"文件不存在：{path}") from None

    def source(engine: Engine, settings: Settings, period: str) -> Sequence[Measure]:
        p = parse_period(period)
        rules = load_rules(settings.config_dir, p.year)
        measures, _ = read_measures(path, rules, p, _categories(settings), quarters=False)
        return measures

    return source, f"file {path.name} sha256:{digest}"


def _categories(settings: Settings) -> dict[str, str]:
    return {u.name: u.category for u in settings.units}


@dataclass(frozen=True)
class Scored:
    """A scoring as stored: the version now current, whether it is new, and the scores."""

    version: int
    created: bool
    scores: PeriodScores


def score(
    engine: Engine,
    settings: Settings,
    period: Period,
    source: MeasureSource,
    *,
    source_name: str,
    force: bool = False,
) -> Scored:
    """Score a period from its measures and record it; the annual period also needs Q1–Q3."""
    rules = load_rules(settings.config_dir, period.year)
    units = [(u.name, u.category) for u in settings.units]
    configured = configured_targets(rules, settings.targets(period.year))
    measures = list(source(engine, settings, str(period)))
    quarters, basis = (
        audit.quarter_totals(engine, period.year) if period.kind == "annual" else ({}, {})
    )
    scores = score_period(rules, period, units, measures, configured, quarters or None)
    stored = audit.store(engine, scores, source=source_name, basis=basis, force=force)
    if not stored.created:
        _, scores = audit.load(engine, str(period), stored.version)
    return Scored(stored.version, stored.created, scores)


def what_if(settings: Settings, year: int, period: Period, path: Path) -> PeriodScores:
    """The same engine on measures from a file; nothing is stored."""
    if period.year != year:
        raise ScoringError(f"--period {period} 不在 --year {year} 之内")
    rules = load_rules(settings.config_dir, year)
    categories = _categories(settings)
    measures, quarters = read_measures(
        path, rules, period, categories, quarters=period.kind == "annual"
    )
    configured = configured_targets(rules, settings.targets(year))
    return score_period(
        rules, period, list(categories.items()), measures, configured, quarters or None
    )


def ranking(scores: PeriodScores) -> dict[str, list[dict[str, str | int | None]]]:
    """Per category, the units by place: the period total, or for a year every component."""
    out: dict[str, list[dict[str, str | int | None]]] = {}
    kind = YEAR if any(t.kind == YEAR for t in scores.totals) else TOTAL
    by_unit: dict[str, dict[str, Decimal]] = {}
    for t in scores.totals:
        by_unit.setdefault(t.unit, {})[t.kind] = t.points
    order = {u: i for i, u in enumerate(scores.units)}
    categories = {t.category: order[t.unit] for t in reversed(scores.totals)}
    for t in sorted(
        (t for t in scores.totals if t.kind == kind),
        key=lambda t: (categories[t.category], t.rank or 0, order[t.unit]),
    ):
        row: dict[str, str | int | None] = {"名次": t.rank, "单位": t.unit}
        if kind == YEAR:
            for q, label in zip(QUARTERS, ("一季度", "二季度", "三季度"), strict=True):
                row[label] = str(shown(by_unit[t.unit][q]))
            row["年度"] = str(shown(by_unit[t.unit][ANNUAL]))
            row["全年得分"] = str(shown(t.points))
        else:
            row["得分"] = str(shown(t.points))
        out.setdefault(CATEGORY_ZH.get(t.category, t.category), []).append(row)
    return out


def score_year(
    engine: Engine, settings: Settings, year: int, source: MeasureSource = warehouse_measures
) -> list[Scored]:
    """Q1–Q3 and the year from the warehouse, in order (for the demo and a year-end run)."""
    periods = [Period(year, q) for q in (1, 2, 3)] + [Period(year)]
    return [score(engine, settings, p, source, source_name="warehouse") for p in periods]
