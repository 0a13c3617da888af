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
from bixue.scoring.gate import Gap, IncompleteInputsError, check_inputs, merged
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
WAREHOUSE = "warehouse"  # the source name of a scoring from the warehouse's measures
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
    """A scoring as stored: the run now current, whether it is new, and the scores."""

    version: int
    created: bool
    scores: PeriodScores
    run: audit.Run


def _scoring(
    engine: Engine,
    settings: Settings,
    period: Period,
    source: MeasureSource,
    gaps: Sequence[Gap] | None,
) -> tuple[PeriodScores, dict[str, audit.BasisEntry], tuple[Gap, ...] | None]:
    """The scores of a period, the quarter runs a year used, and every gap behind them."""
    rules = load_rules(settings.config_dir, period.year)
    units = [(u.name, u.category) for u in settings.units]
    configured = configured_targets(rules, settings.targets(period.year))
    measures = list(source(engine, settings, str(period)))
    quarters: dict[tuple[str, str], Decimal] = {}
    basis: dict[str, audit.BasisEntry] = {}
    all_gaps = None if gaps is None else tuple(gaps)
    if period.kind == "annual":
        used = audit.quarter_totals(engine, period.year)
        quarters, basis, all_gaps = used.totals, used.basis, merged(all_gaps, used.gaps)
    scores = score_period(rules, period, units, measures, configured, quarters or None)
    return scores, basis, all_gaps


def score(
    engine: Engine,
    settings: Settings,
    period: Period,
    source: MeasureSource,
    *,
    source_name: str,
    gaps: Sequence[Gap] | None = None,
) -> Scored:
    """Score a period from its measures and record it as a draft (the annual period also needs
    Q1–Q3); `gaps` are what the inputs gate found, None when it did not run."""
    scores, basis, all_gaps = _scoring(engine, settings, period, source, gaps)
    stored = audit.store(engine, scores, source=source_name, basis=basis, gaps=all_gaps)
    run, scores = audit.load(engine, str(period), stored.version)
    return Scored(stored.version, stored.created, scores, run)


def score_warehouse(
    engine: Engine, settings: Settings, period: Period, *, allow_incomplete: bool = False
) -> Scored:
    """Score a period from the warehouse once its inputs are complete, or, when allowed, as a
    draft that records its gaps."""
    gaps = check_inputs(engine, settings, period)
    if gaps and not allow_incomplete:
        raise IncompleteInputsError(period, gaps)
    return score(engine, settings, period, warehouse_measures, source_name=WAREHOUSE, gaps=gaps)


def circulate_version(
    engine: Engine, settings: Settings, period: Period | str, *, force: bool = False
) -> int:
    """Lock the period's newest draft as 第N版 and return N (what `bixue circulate` calls).

    A draft scored under rules since edited, or from a warehouse that has changed since (a
    resubmission, a quarter circulated after a year draft), is refused: circulate what the
    office has checked. Recirculating after 第N版 needs `force`; 第N版 is kept.
    """
    p = parse_period(period) if isinstance(period, str) else period
    with engine.connect() as conn:
        recorded = audit.runs(conn, str(p))
    if recorded and recorded[0].is_draft:
        draft = recorded[0]
        rules = load_rules(settings.config_dir, p.year)
        again = f"请先重新运行 bixue score --period {p}，核对后再通报"
        if rules.sha256 != draft.rules_hash:
            raise ScoringError(
                f"{p} 的草稿按评分规则 {draft.rules_version} 计算，规则文件此后已修改：{again}"
            )
        if draft.source == WAREHOUSE:
            gaps = check_inputs(engine, settings, p)
            scores, basis, all_gaps = _scoring(engine, settings, p, warehouse_measures, gaps)
            if not audit.same_scoring(draft, scores, basis, all_gaps):
                raise ScoringError(
                    f"{p} 的草稿（第{draft.version}次评分，{draft.scored_at}）之后，"
                    f"报表或季度评分有变化：{again}"
                )
    return audit.circulate(engine, str(p), force=force)


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
    engine: Engine,
    settings: Settings,
    year: int,
    source: MeasureSource = warehouse_measures,
    *,
    allow_incomplete: bool = False,
) -> list[Scored]:
    """Q1–Q3 and the year as drafts, in order (for the demo and a year-end run); from the
    warehouse each period passes the inputs gate first."""
    periods = [Period(year, q) for q in (1, 2, 3)] + [Period(year)]
    if source is warehouse_measures:
        return [
            score_warehouse(engine, settings, p, allow_incomplete=allow_incomplete) for p in periods
        ]
    name = getattr(source, "__name__", "measures")
    return [score(engine, settings, p, source, source_name=name) for p in periods]
