"""Every point explained: a recorded line's figures, rank and points as the office reads them.

Only the audit line and its peers on the same indicator go in (plus the year's rules for the
Chinese labels), so what is said is exactly what was recorded; numbers are shown rounded
half-up (points to 2 decimals, as circulated) and every working (20×9/11) uses the exact
recorded figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bixue.scoring.engine import shown
from bixue.scoring.methods import Inputs, ScoringMethodError, describe, method, number
from bixue.scoring.model import ANNUAL, QUARTERS, TOTAL, YEAR, Line, PeriodScores, UnitTotal
from bixue.scoring.rules import MeasureInfo, Rules

CATEGORY_ZH = {"county": "县市、高新区", "group": "招商组、平台"}
TOTAL_ZH = {TOTAL: "合计", ANNUAL: "年度得分", YEAR: "全年得分"}
QUARTER_ZH = {"Q1": "一季度", "Q2": "二季度", "Q3": "三季度"}
# Decimals shown per unit of measure; counts are whole numbers.
PLACES = {"%": 2, "亿元": 4, "万美元": 2, "次": 0, "个": 0}
UNKNOWN = MeasureInfo(zh="计量值", unit="个")


def rounded(value: Decimal, places: int) -> str:
    """A figure rounded half-up to `places` decimals, without trailing zeros."""
    text = format(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def with_unit(value: Decimal | None, unit: str) -> str:
    """21.8%, 12.3亿元, 180万美元, 3次; a missing figure is 无数据."""
    if value is None:
        return "无数据"
    return f"{rounded(value, PLACES.get(unit, 2))}{unit}"


def period_zh(period: str) -> str:
    """2023Q2 -> 2023年二季度; 2023 -> 2023年全年."""
    if "Q" in period:
        year, q = period.split("Q")
        return f"{year}年{QUARTER_ZH.get('Q' + q, q)}"
    return f"{period}年全年"


@dataclass(frozen=True)
class Explained:
    """One line as the export and `explain` show it, every text built from recorded numbers."""

    line: Line
    name: str
    method_zh: str
    measure_zh: str
    measure_text: str
    figures_text: str
    target_text: str
    rank_text: str
    sentence: str


def _info(rules: Rules | None, name: str | None) -> MeasureInfo:
    if rules is None or name is None:
        return UNKNOWN
    return rules.file.measures.get(name, UNKNOWN)


def _leaf_name_and_measure(rules: Rules | None, key: str) -> tuple[str, str | None]:
    if rules is None:
        return key, None
    try:
        leaf = rules.leaf(key)
    except KeyError:
        return key, None
    return leaf.name, leaf.measure


def rank_text(place: int | None, tied: int, n: int) -> str:
    """第3/11, 并列第2/11, or — without a place."""
    if place is None:
        return "—"
    return f"{'并列' if tied > 1 else ''}第{place}/{n}"


def explain_lines(lines: Sequence[Line], rules: Rules | None) -> dict[tuple[str, str], Explained]:
    """Every line explained, keyed by (unit, indicator); peers are the same indicator's lines."""
    peers: dict[tuple[str, str], list[Line]] = {}
    for ln in lines:
        peers.setdefault((ln.indicator, ln.category), []).append(ln)
    return {
        (ln.unit, ln.indicator): explain(ln, peers[(ln.indicator, ln.category)], rules)
        for ln in lines
    }


def explain(line: Line, peers: Sequence[Line], rules: Rules | None) -> Explained:
    """One line: labels from the rules, numbers from the line and its peers only."""
    name, measure_name = _leaf_name_and_measure(rules, line.indicator)
    info = _info(rules, measure_name)
    n = len(peers)
    tied = sum(1 for p in peers if line.place is not None and p.place == line.place)
    figures = "；".join(
        f"{_info(rules, f).zh} {with_unit(v, _info(rules, f).unit)}" for f, v in line.figures
    )
    try:
        method_zh = describe(line.method, dict(line.params))
    except ScoringMethodError:
        method_zh = line.method
    return Explained(
        line=line,
        name=name,
        method_zh=method_zh,
        measure_zh=info.zh,
        measure_text=with_unit(line.measure, info.unit),
        figures_text=figures,
        target_text=_target_text(line, info, rules),
        rank_text=rank_text(line.place, tied, n),
        sentence=sentence(line, peers, info, rules),
    )


def _target_text(line: Line, info: MeasureInfo, rules: Rules | None) -> str:
    """The scoring target, or for a ranked rate the figure its rules name as its target."""
    if line.target is not None:
        return with_unit(line.target, info.unit)
    if info.target_figure is None:
        return ""
    figure = dict(line.figures).get(info.target_figure)
    return "" if figure is None else with_unit(figure, _info(rules, info.target_figure).unit)


def _eligible_best(peers: Sequence[Line]) -> Decimal:
    values = [p.measure for p in peers if p.eligibility == "eligible" and p.measure is not None]
    return max(values, default=Decimal(0))


def sentence(
    line: Line, peers: Sequence[Line], info: MeasureInfo, rules: Rules | None = None
) -> str:
    """The one-line 说明: no data, ineligible, ranked, target (zero, capped, short) each its own."""
    points = f"得{shown(line.points)}分"
    value = f"{info.zh}{with_unit(line.measure, info.unit)}"
    try:
        formula = method(line.method)
    except ScoringMethodError:
        return f"{value}，{points}"
    ranked = "，不参与排名" if formula.ranked else ""
    if line.eligibility == "no_data":
        zero = [f for f, v in line.figures if v == 0]
        if line.measure is None and zero:
            return f"{_info(rules, zero[0]).zh}为0，无法计算{info.zh}{ranked}，{points}"
        return f"无{info.zh}数据{ranked}，{points}"
    if line.eligibility == "negative":
        return f"{value}，负增长不得分{ranked}，{points}"
    if line.eligibility == "not_positive":
        why = "为0不得分" if line.measure == 0 else "为负数不得分"
        return f"{value}，{why}{ranked}，{points}"
    assert line.measure is not None
    given = _inputs(line, peers)
    working = formula.working(given)
    tail = f"{points}（{working}）" if working else points
    if formula.ranked:
        n = len(peers)
        tied = sum(1 for p in peers if p.place == line.place)
        where = f"{n}个{CATEGORY_ZH.get(line.category, line.category)}中"
        place = f"{'并列' if tied > 1 else ''}第{line.place}名"
        return f"{value}，{where}{place}，{tail}"
    if "target" in formula.params.model_fields:
        return _target_sentence(line, info, value, tail, points)
    return f"{value}，{tail}"


def _target_sentence(line: Line, info: MeasureInfo, value: str, tail: str, points: str) -> str:
    params = dict(line.params)
    target = line.target
    assert line.measure is not None
    if target is None:
        return f"{value}，无目标，{points}"
    goal = f"目标{with_unit(target, info.unit)}"
    if target == 0:
        full = params.get("zero_target", "full") == "full"
        return f"{value}，{goal}，目标为0{'按规则得满分' if full else '按规则不得分'}，{points}"
    if line.measure <= 0:
        return f"{value}，{goal}，未完成，{points}"
    rate = f"完成率{rounded(line.measure / target * 100, 2)}%"
    cap = Decimal(params.get("cap", "1"))
    if line.measure > cap * target:
        pct = rounded(cap * 100, 2)
        capped = "超额完成按满分计" if cap == 1 else f"完成率超过{pct}%的按{pct}%计"
        return f"{value}，{goal}，{rate}，{capped}，{tail}"
    return f"{value}，{goal}，{rate}，{tail}"


def _inputs(line: Line, peers: Sequence[Line]) -> Inputs:
    assert line.measure is not None
    return Inputs(
        weight=line.weight,
        measure=line.measure,
        target=line.target,
        place=line.place,
        n=len(peers),
        best=_eligible_best(peers),
        params=dict(line.params),
    )


def total_sentence(
    total: UnitTotal, n: int, quarters: Mapping[str, Decimal] | None, tied: int = 1
) -> str:
    """A unit's total: its points and place; the year result with its arithmetic."""
    category = CATEGORY_ZH.get(total.category, total.category)
    where = f"{n}个{category}中{'并列' if tied > 1 else ''}第{total.rank}名"
    if total.kind == YEAR and quarters is not None:
        q = "+".join(str(shown(quarters[k])) for k in QUARTERS)
        annual = shown(quarters[ANNUAL])
        return f"全年得分 =（{q}）÷6 + {annual}÷2 = {shown(total.points)}分，{where}"
    return f"{TOTAL_ZH.get(total.kind, total.kind)}{shown(total.points)}分，{where}"


def category_sizes(scores: PeriodScores) -> dict[str, int]:
    """How many units each category has in a scoring (the N of 第k/N)."""
    sizes: dict[str, int] = {}
    for t in scores.totals:
        if t.kind == TOTAL:
            sizes[t.category] = sizes.get(t.category, 0) + 1
    return sizes


def unit_components(scores: PeriodScores, unit: str) -> dict[str, Decimal]:
    """A unit's totals by kind (total, annual, year, Q1–Q3)."""
    return {t.kind: t.points for t in scores.totals if t.unit == unit}


__all__ = ["Explained", "explain", "explain_lines", "number", "sentence", "total_sentence"]
