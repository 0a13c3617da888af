"""述评: a short Chinese text per category, template sentences over facts of the recorded scores.

Every number a sentence says is cited (unit, indicator or total kind, field, period, value) so a
test can check it against the audit trail; nothing is said that the scores and the recorded
submission states do not show. A period whose ranking did not change says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bixue.scoring.engine import shown
from bixue.scoring.explain import CATEGORY_ZH, QUARTER_ZH, rounded, with_unit
from bixue.scoring.model import TOTAL, YEAR, Line, PeriodScores
from bixue.scoring.rules import Rules


@dataclass(frozen=True)
class Cited:
    """One number a sentence says, and where in the audit trail it comes from."""

    period: str
    unit: str
    key: str  # an indicator key, a total kind (total, year), or "elapsed" for the time share
    field: str  # points | rank | measure | elapsed
    value: Decimal
    text: str  # how the sentence writes it


@dataclass(frozen=True)
class Sentence:
    text: str
    cited: tuple[Cited, ...] = ()


@dataclass(frozen=True)
class Commentary:
    """Per category (Chinese name), its sentences in order."""

    period: str
    categories: dict[str, tuple[Sentence, ...]]

    def text(self, category: str) -> str:
        return "".join(s.text for s in self.categories.get(category, ()))

    def lines(self) -> list[str]:
        return [f"{c}：{self.text(c)}" for c in self.categories]


def main_kind(scores: PeriodScores) -> str:
    """The total a period is ranked by: the year result for a year, else the period total."""
    return YEAR if any(t.kind == YEAR for t in scores.totals) else TOTAL


def elapsed_share(period: str) -> Decimal:
    """How much of the year a period covers: Q1 25%, Q2 50%, Q3 75%, the year 100%."""
    if "Q" in period:
        return Decimal(int(period.split("Q")[1]) * 25)
    return Decimal(100)


def _name(rules: Rules | None, key: str) -> str:
    if rules is None:
        return key
    try:
        return rules.leaf(key).name
    except KeyError:
        return key


def _unit_of(rules: Rules | None, key: str) -> tuple[str, str, str | None]:
    """The measure's Chinese label, its unit and its target figure, for an indicator key."""
    if rules is None:
        return key, "个", None
    try:
        info = rules.measure(rules.leaf(key).measure)
    except KeyError:
        return key, "个", None
    return info.zh, info.unit, info.target_figure


def _points(period: str, unit: str, key: str, value: Decimal) -> Cited:
    return Cited(period, unit, key, "points", value, f"{shown(value)}分")


def _rank(period: str, unit: str, key: str, value: int) -> Cited:
    return Cited(period, unit, key, "rank", Decimal(value), f"第{value}名")


def _leaders(scores: PeriodScores, rules: Rules | None, category: str, kind: str) -> Sentence:
    """Who leads the category, with what total, and the indicators that earned the most."""
    totals = [t for t in scores.totals if t.category == category and t.kind == kind]
    first = [t for t in totals if t.rank == 1]
    cited: list[Cited] = []
    parts = []
    for t in first:
        p = _points(scores.period, t.unit, kind, t.points)
        cited.append(p)
        lines = sorted(
            (ln for ln in scores.lines if ln.unit == t.unit and ln.points > 0),
            key=lambda ln: (-ln.points, ln.seq),
        )[:2]
        why = []
        for ln in lines:
            q = _points(scores.period, t.unit, ln.indicator, ln.points)
            cited.append(q)
            why.append(f"{_name(rules, ln.indicator)}（{q.text}）")
        reason = f"，得分较多的指标是{'和'.join(why)}" if why else ""
        parts.append(f"{t.unit}以{p.text}居第一{reason}")
    tie = "并列第一：" if len(first) > 1 else ""
    return Sentence(f"{tie}{'；'.join(parts)}。", tuple(cited))


def _movement(
    scores: PeriodScores,
    previous: PeriodScores | None,
    rules: Rules | None,
    category: str,
) -> Sentence:
    """Who rose or fell most since the previous quarter and by which indicator; or no change.

    The year compares its result's places with the third quarter's (their indicators differ,
    so no indicator is named).
    """
    annual = "Q" not in scores.period
    kind = YEAR if annual else TOTAL
    if previous is None:
        if scores.period.endswith("Q1"):
            return Sentence("一季度为本年首次评分，无上季度名次可比。")
        return Sentence("上季度尚未评分，无名次可比。")
    prev_zh = QUARTER_ZH.get(previous.period[4:], previous.period)
    if annual:
        prev_zh += "得分"
    now = {t.unit: t for t in scores.totals if t.category == category and t.kind == kind}
    before = {t.unit: t for t in previous.totals if t.category == category and t.kind == TOTAL}
    moves = {
        u: (before[u].rank or 0) - (t.rank or 0)
        for u, t in now.items()
        if u in before and t.rank is not None and before[u].rank is not None
    }
    if not any(moves.values()):
        return Sentence(f"各单位名次与{prev_zh}相同，没有变化。")
    order = list(now)
    texts, cited = [], []
    for word, pick in (("上升", max), ("下降", min)):
        best = pick(moves.values())
        if (word == "上升" and best <= 0) or (word == "下降" and best >= 0):
            continue
        unit = next(u for u in order if moves.get(u) == best)
        was = _rank(previous.period, unit, TOTAL, before[unit].rank or 0)
        is_ = _rank(scores.period, unit, kind, now[unit].rank or 0)
        cited += [was, is_]
        text = (
            f"{unit}名次{word}最多，由{prev_zh}{was.text}{'升' if best > 0 else '降'}至{is_.text}"
        )
        change = None if annual else _biggest_change(scores, previous, unit, rising=best > 0)
        if change is not None:
            ln_now, ln_before = change
            a = _points(previous.period, unit, ln_before.indicator, ln_before.points)
            b = _points(scores.period, unit, ln_now.indicator, ln_now.points)
            cited += [a, b]
            text += f"，主要是{_name(rules, ln_now.indicator)}得分由{a.text}变为{b.text}"
        texts.append(text)
    return Sentence("；".join(texts) + "。", tuple(cited))


def _biggest_change(
    scores: PeriodScores, previous: PeriodScores, unit: str, *, rising: bool
) -> tuple[Line, Line] | None:
    """The indicator whose points moved most in the direction of the unit's rank change."""
    before = {ln.indicator: ln for ln in previous.lines if ln.unit == unit}
    pairs = [
        (ln, before[ln.indicator])
        for ln in scores.lines
        if ln.unit == unit and ln.indicator in before
    ]
    signed = [(ln.points - b.points if rising else b.points - ln.points, ln, b) for ln, b in pairs]
    signed = [s for s in signed if s[0] > 0]
    if not signed:
        return None
    _, ln, b = max(signed, key=lambda s: (s[0], -s[1].seq))
    return ln, b


def _behind(scores: PeriodScores, rules: Rules | None, category: str) -> Sentence:
    """Units whose completion rate of an annual target is below the year's elapsed share."""
    share = elapsed_share(scores.period)
    rated = []
    for ln in scores.lines:
        if ln.category != category:
            continue
        zh, unit, target_figure = _unit_of(rules, ln.indicator)
        if target_figure is not None and unit == "%":
            rated.append((ln, zh, unit))
    if not rated:
        return Sentence("")
    share_cite = Cited(scores.period, "", "elapsed", "elapsed", share, f"{rounded(share, 2)}%")
    zh = rated[0][1]
    late = [(ln, u) for ln, _, u in rated if ln.measure is not None and ln.measure < share]
    none = [ln for ln, _, _ in rated if ln.measure is None]
    cited = [share_cite]
    if not late and not none:
        return Sentence(f"各单位{zh}均达到时间进度（{share_cite.text}）。", (share_cite,))
    parts = []
    for ln, u in late:
        c = Cited(
            scores.period,
            ln.unit,
            ln.indicator,
            "measure",
            ln.measure or Decimal(0),
            with_unit(ln.measure, u),
        )
        cited.append(c)
        parts.append(f"{ln.unit}（{c.text}）")
    text = ""
    if parts:
        text = f"{zh}低于时间进度（{share_cite.text}）的有：{'、'.join(parts)}"
    if none:
        text += ("；" if text else "") + f"无{zh}数据的有：{'、'.join(ln.unit for ln in none)}"
    return Sentence(text + "。", tuple(cited))


def month_ranges(months: Sequence[int]) -> str:
    """[1, 2, 3, 5] -> 1—3月、5月: consecutive months as one span."""
    spans: list[list[int]] = []
    for m in sorted(months):
        if spans and m == spans[-1][-1] + 1:
            spans[-1].append(m)
        else:
            spans.append([m])
    return "、".join(f"{s[0]}—{s[-1]}月" if len(s) > 1 else f"{s[0]}月" for s in spans)


def _submissions(
    months: Mapping[str, Sequence[Mapping[str, Any]]], category_units: Sequence[str]
) -> Sentence:
    """Who submitted late, or not at all (missing, or rejected and never fixed), month by month."""
    late: dict[str, list[int]] = {}
    absent: dict[str, list[int]] = {}
    for month, entries in sorted(months.items()):
        label = int(month[5:])
        for e in entries:
            if e["unit"] not in category_units:
                continue
            if e["state"] == "late":
                late.setdefault(e["unit"], []).append(label)
            elif e["state"] in ("missing", "rejected"):
                absent.setdefault(e["unit"], []).append(label)
    if not months:
        return Sentence("")
    if not late and not absent:
        return Sentence("各单位均按时报送。")
    parts = []
    for word, found in (("迟报", late), ("未报送或未通过审核且未更正", absent)):
        if found:
            who = "、".join(f"{u}（{month_ranges(ms)}）" for u, ms in found.items())
            parts.append(f"{word}：{who}")
    return Sentence("；".join(parts) + "。")


def commentary(
    scores: PeriodScores,
    rules: Rules | None,
    previous: PeriodScores | None = None,
    months: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> Commentary:
    """The 述评 of a scoring: per category leaders, movement, behind schedule, submissions.

    `previous` is the previous quarter's recorded scoring (None for Q1 or when not scored);
    `months` the recorded status of each report month of the period ("2023-04" -> units).
    """
    kind = main_kind(scores)
    categories = list(dict.fromkeys(t.category for t in scores.totals))
    out: dict[str, tuple[Sentence, ...]] = {}
    for category in categories:
        members = [t.unit for t in scores.totals if t.category == category and t.kind == kind]
        sentences = [
            _leaders(scores, rules, category, kind),
            _movement(scores, previous, rules, category),
            _behind(scores, rules, category),
            _submissions(months or {}, members),
        ]
        out[CATEGORY_ZH.get(category, category)] = tuple(s for s in sentences if s.text)
    return Commentary(scores.period, out)
