"""The 比学赶超 engine: measures and rules in, audited points out. Pure functions, exact decimals.

Methods (the seed names them without formulas; these are the project's definitions, version 1
of each in the registry of bixue/scoring/methods.py; lines record the versioned name):
- eligibility first: no measure, or a measure matching `ineligible_when` (negative: < 0,
  not_positive: <= 0), scores 0 and takes no place;
- rank_share: eligible units ordered by measure, highest first, ties share the better place
  (1, 2, 2, 4); points = weight x (N - place + 1) / N, N = the units of the category;
- rank_step: points = max(0, weight - step x (place - 1));
- ratio_to_best: points = weight x measure / the best eligible measure (0 when that is not > 0);
- target: points = weight x min(measure / target, cap), at least 0; a zero target gives the
  full weight or nothing (zero_target: full | zero).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext

from bixue.scoring.methods import CONTEXT, Inputs, target_points
from bixue.scoring.methods import method as find_method
from bixue.scoring.model import (
    ANNUAL,
    QUARTERS,
    TOTAL,
    YEAR,
    Eligibility,
    Line,
    Measure,
    Period,
    PeriodScores,
    ScoringError,
    UnitTotal,
)
from bixue.scoring.rules import Leaf, Rules

__all__ = ["CONTEXT", "target_points"]

ZERO = Decimal(0)
SETTLE = Decimal("1e-20")
CENT = Decimal("0.01")


def settled(value: Decimal) -> Decimal:
    """The value without the 50th-digit noise of repeating quotients, for comparing and rounding."""
    with localcontext(CONTEXT):
        return value.quantize(SETTLE, rounding=ROUND_HALF_EVEN)


def shown(value: Decimal) -> Decimal:
    """Points as circulated: rounded half-up to 2 decimals (after settling the noise)."""
    with localcontext(CONTEXT):
        return settled(value).quantize(CENT, rounding=ROUND_HALF_UP)


def eligibility(value: Decimal | None, ineligible_when: str | None) -> Eligibility:
    """Whether a measure takes part at all (no data, 负增长不得分, 未到位/未组织不得分)."""
    if value is None:
        return "no_data"
    if ineligible_when == "negative" and value < 0:
        return "negative"
    if ineligible_when == "not_positive" and value <= 0:
        return "not_positive"
    return "eligible"


def places(values: Mapping[str, Decimal]) -> dict[str, int]:
    """Competition ranking, highest first: equal values share the better place (1, 2, 2, 4)."""
    ordered = sorted(values.values(), reverse=True)
    first: dict[Decimal, int] = {}
    for i, value in enumerate(ordered, start=1):
        first.setdefault(value, i)
    return {unit: first[value] for unit, value in values.items()}


def inputs_hash(
    leaf_key: str,
    method: str,
    params: Iterable[tuple[str, str]],
    ineligible_when: str | None,
    weight: Decimal,
    inputs: Iterable[tuple[str, Decimal | None, Decimal | None]],
) -> str:
    """SHA-256 of everything that decides an indicator's points: its rule and all units' inputs."""
    body = {
        "indicator": leaf_key,
        "method": method,
        "ineligible_when": ineligible_when,
        "params": sorted(params),
        "weight": str(weight),
        "inputs": sorted(
            [u, None if v is None else str(v), None if t is None else str(t)] for u, v, t in inputs
        ),
    }
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def indicator_points(
    *,
    method: str,  # a versioned name (rank_share@1); a bare name is version 1
    params: Mapping[str, str],
    weight: Decimal,
    ineligible_when: str | None,
    n: int,
    inputs: Mapping[str, tuple[Decimal | None, Decimal | None]],
) -> dict[str, tuple[Eligibility, int | None, Decimal]]:
    """Eligibility, place and points of every unit of a category on one indicator.

    `inputs` maps each unit to (measure, target); `n` is the number of units in the category.
    Only the audit's own fields go in, so the audit trail alone recomputes every score.
    """
    formula = find_method(method)
    judged = {u: eligibility(m, ineligible_when) for u, (m, _) in inputs.items()}
    eligible = {u: m for u, (m, _) in inputs.items() if judged[u] == "eligible" and m is not None}
    ranked = places(eligible) if formula.ranked else {}
    best = max(eligible.values(), default=ZERO)
    out: dict[str, tuple[Eligibility, int | None, Decimal]] = {}
    for unit, (measure, target) in inputs.items():
        if judged[unit] != "eligible" or measure is None:
            out[unit] = (judged[unit], None, ZERO)
            continue
        place = ranked.get(unit)
        given = Inputs(weight, measure, target, place, n, best, params)
        try:
            points = formula.points(given)
        except ScoringError as exc:
            raise ScoringError(f"{unit}：{exc}") from None
        out[unit] = ("eligible", place, points)
    return out


def score_leaf(
    leaf: Leaf,
    rule_version: str,
    units: Sequence[str],
    measures: Mapping[str, Measure],
    configured: Mapping[tuple[str, str], Decimal],
) -> list[Line]:
    """One indicator (or part) for every unit of its category; a unit without a measure scores 0."""
    inputs: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    figures: dict[str, tuple[tuple[str, Decimal | None], ...]] = {}
    for unit in units:
        given = measures.get(unit, Measure(unit, leaf.key, None))
        # A target given with the measure overrides the configured one (what-if, corrections).
        target = given.target if given.target is not None else configured.get((unit, leaf.key))
        inputs[unit] = (given.value, target)
        figures[unit] = given.figures
    digest = inputs_hash(
        leaf.key,
        leaf.method,
        leaf.params,
        leaf.ineligible_when,
        leaf.weight,
        ((u, m, t) for u, (m, t) in inputs.items()),
    )
    results = indicator_points(
        method=leaf.method,
        params=dict(leaf.params),
        weight=leaf.weight,
        ineligible_when=leaf.ineligible_when,
        n=len(units),
        inputs=inputs,
    )
    return [
        Line(
            unit=unit,
            category=leaf.category,
            indicator=leaf.key,
            seq=leaf.seq,
            measure=inputs[unit][0],
            target=inputs[unit][1],
            eligibility=results[unit][0],
            place=results[unit][1],
            method=leaf.method,
            params=leaf.params,
            ineligible_when=leaf.ineligible_when,
            weight=leaf.weight,
            points=results[unit][2],
            rule_version=rule_version,
            inputs_hash=digest,
            figures=figures[unit],
        )
        for unit in units
    ]


def check_measures(
    rules: Rules, period: Period, categories: Mapping[str, str], measures: Sequence[Measure]
) -> None:
    """Every measure names a known unit and an indicator of the period for that unit's category."""
    leaves = {leaf.key: leaf for leaf in rules.leaves(period.kind)}
    seen: set[tuple[str, str]] = set()
    for m in measures:
        if m.unit not in categories:
            raise ScoringError(f"未知单位：{m.unit}")
        leaf = leaves.get(m.indicator)
        if leaf is None:
            raise ScoringError(f"{period} 没有指标 {m.indicator}（单位 {m.unit}）")
        if leaf.category != categories[m.unit]:
            raise ScoringError(f"指标 {m.indicator} 不适用于 {m.unit}")
        if (m.unit, m.indicator) in seen:
            raise ScoringError(f"{m.unit} 的指标 {m.indicator} 重复")
        seen.add((m.unit, m.indicator))


def measures_hash(period: Period, rules: Rules, measures: Iterable[Measure], extra: object) -> str:
    """SHA-256 of a whole scoring's inputs: a rescoring with the same hash changes nothing."""
    body = {
        "period": str(period),
        "rules": rules.sha256,
        # Figures enter only when given, so scorings without them keep their earlier hash.
        "measures": sorted(
            [m.unit, m.indicator, _text(m.value), _text(m.target)]
            + ([[[n, _text(v)] for n, v in m.figures]] if m.figures else [])
            for m in measures
        ),
        "extra": extra,
    }
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def ranks(points: Mapping[str, Decimal]) -> dict[str, int]:
    """Places of units by total within a category (every unit ranks; totals compared settled)."""
    return places({u: settled(p) for u, p in points.items()})


def year_result(quarters: Sequence[Decimal], annual: Decimal) -> Decimal:
    """全年得分 = 前3个季度得分之和 ÷ 6 + 年度得分 ÷ 2 (附件7 注2)."""
    with localcontext(CONTEXT):
        return sum(quarters, ZERO) / Decimal(6) + annual / Decimal(2)


def _totals(
    units: Sequence[tuple[str, str]], kind: str, points: Mapping[str, Decimal]
) -> list[UnitTotal]:
    out = []
    for category in dict.fromkeys(c for _, c in units):
        members = {u: points[u] for u, c in units if c == category}
        placed = ranks(members)
        out += [UnitTotal(u, category, kind, members[u], placed[u]) for u in members]
    return out


def score_period(
    rules: Rules,
    period: Period,
    units: Sequence[tuple[str, str]],
    measures: Sequence[Measure],
    configured: Mapping[tuple[str, str], Decimal],
    quarter_totals: Mapping[tuple[str, str], Decimal] | None = None,
) -> PeriodScores:
    """A quarter's scores, or the annual scores and year results (then quarter totals are needed).

    `units` are (name, category) in display order; `configured` the targets of config/targets;
    `quarter_totals` maps (unit, "Q1".."Q3") to that quarter's unrounded total.
    """
    if period.year != rules.year:
        raise ScoringError(f"{period} 不属于 {rules.year} 年的评分规则")
    categories = dict(units)
    check_measures(rules, period, categories, measures)
    by_leaf: dict[str, dict[str, Measure]] = {}
    for m in measures:
        by_leaf.setdefault(m.indicator, {})[m.unit] = m
    lines: list[Line] = []
    for leaf in rules.leaves(period.kind):
        members = [u for u, c in units if c == leaf.category]
        lines += score_leaf(leaf, rules.version, members, by_leaf.get(leaf.key, {}), configured)
    with localcontext(CONTEXT):
        sums = {u: ZERO for u, _ in units}
        for ln in lines:  # one pass: linear in lines, not units x lines
            sums[ln.unit] += ln.points
    totals = _totals(units, TOTAL, sums)
    extra: object = None
    if period.kind == "annual":
        quarters = _quarters_needed(units, quarter_totals or {})
        for q in QUARTERS:
            totals += _totals(units, q, {u: quarters[(u, q)] for u, _ in units})
        totals += _totals(units, ANNUAL, sums)
        years = {u: year_result([quarters[(u, q)] for q in QUARTERS], sums[u]) for u, _ in units}
        totals += _totals(units, YEAR, years)
        extra = sorted([u, q, str(v)] for (u, q), v in quarters.items())
    order = {u: i for i, (u, _) in enumerate(units)}
    return PeriodScores(
        period=str(period),
        rules_version=rules.version,
        rules_hash=rules.sha256,
        inputs_hash=measures_hash(period, rules, measures, extra),
        lines=tuple(sorted(lines, key=lambda ln: (order[ln.unit], ln.seq))),
        totals=tuple(totals),
        units=tuple(u for u, _ in units),
    )


def _quarters_needed(
    units: Sequence[tuple[str, str]], quarter_totals: Mapping[tuple[str, str], Decimal]
) -> dict[tuple[str, str], Decimal]:
    """The three quarter totals of every unit; a missing one is an error naming it."""
    missing = [f"{u} {q}" for u, _ in units for q in QUARTERS if (u, q) not in quarter_totals]
    if missing:
        raise ScoringError(f"缺少季度得分，无法计算全年得分：{'、'.join(missing[:5])}")
    return {(u, q): quarter_totals[(u, q)] for u, _ in units for q in QUARTERS}


def recompute(
    lines: Sequence[Line],
) -> dict[tuple[str, str], tuple[Eligibility, int | None, Decimal]]:
    """Eligibility, place and points re-derived from audit lines alone (no rules, no warehouse)."""
    groups: dict[tuple[str, str], list[Line]] = {}
    for ln in lines:
        groups.setdefault((ln.indicator, ln.category), []).append(ln)
    out: dict[tuple[str, str], tuple[Eligibility, int | None, Decimal]] = {}
    for (indicator, _), members in groups.items():
        first = members[0]
        results = indicator_points(
            method=first.method,
            params=dict(first.params),
            weight=first.weight,
            ineligible_when=first.ineligible_when,
            n=len(members),
            inputs={ln.unit: (ln.measure, ln.target) for ln in members},
        )
        out.update({(u, indicator): r for u, r in results.items()})
    return out
