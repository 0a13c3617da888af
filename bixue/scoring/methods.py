"""Scoring methods by name and version (rank_share@1): a new year's formula is a new version.

A method, once registered, never changes: the audit trail stores the versioned name, so an old
score recomputes with the formula it was computed with, whatever later years add.
Each method also says in plain Chinese how it scores and how one unit's points came about.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

from pydantic import BaseModel, ConfigDict, Field

from bixue.scoring.model import ScoringError

# 50 significant digits: far beyond any displayed digit, so sums of repeating quotients
# (20 x 10 / 11 …) stay exact to the cent after the noise is settled.
CONTEXT = Context(prec=50, rounding=ROUND_HALF_EVEN)
ZERO = Decimal(0)
NAME = re.compile(r"^(?P<name>[a-z][a-z0-9_]*)(?:@(?P<version>[1-9][0-9]*))?$")


class ScoringMethodError(ScoringError, ValueError):
    """A method name that is malformed or not registered (the rules loader names file and key)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(_Strict):
    pass


class RankStepParams(_Strict):
    step: Decimal = Field(gt=0)


class TargetParams(_Strict):
    target: str
    # Above 1 a unit could pass its weight and a table its 100 points.
    cap: Decimal = Field(default=Decimal(1), gt=0, le=1)
    zero_target: str = Field(default="full", pattern="^(full|zero)$")


@dataclass(frozen=True)
class Inputs:
    """What one eligible unit's points may depend on (the audit line's fields and its peers)."""

    weight: Decimal
    measure: Decimal
    target: Decimal | None
    place: int | None
    n: int
    best: Decimal
    params: Mapping[str, str]


@dataclass(frozen=True)
class Method:
    """A versioned formula: its points, whether it ranks, its parameters and its Chinese wording."""

    name: str
    version: int
    ranked: bool
    params: type[_Strict]
    points: Callable[[Inputs], Decimal]
    # How the method scores, for `rules show`: str.format over the leaf's params.
    zh: str
    # The arithmetic behind one unit's points, e.g. 20×9/11 (None: nothing to show).
    working: Callable[[Inputs], str | None]

    @property
    def key(self) -> str:
        return f"{self.name}@{self.version}"


REGISTRY: dict[tuple[str, int], Method] = {}


def split(text: str) -> tuple[str, int]:
    """rank_share -> (rank_share, 1); rank_share@2 -> (rank_share, 2)."""
    match = NAME.match(text.strip())
    if not match:
        raise ScoringMethodError(f"计分方法 {text!r} 的写法不对，应为“名称”或“名称@版本”")
    return match.group("name"), int(match.group("version") or 1)


def versioned(text: str) -> str:
    """The full versioned name of a method as written in a rules file or an old audit line."""
    name, version = split(text)
    return f"{name}@{version}"


def method(text: str) -> Method:
    """The registered method of a (versioned) name; an unknown one is refused with the known."""
    key = split(text)
    found = REGISTRY.get(key)
    if found is None:
        known = ", ".join(sorted(m.key for m in REGISTRY.values()))
        raise ScoringMethodError(f"没有计分方法 {versioned(text)}（已有：{known}）")
    return found


def register(m: Method) -> Method:
    """Add a method; a (name, version) already taken by another definition is refused."""
    taken = REGISTRY.get((m.name, m.version))
    if taken is not None and taken != m:
        raise ScoringMethodError(f"method {m.key} is already registered: add a new version")
    REGISTRY[(m.name, m.version)] = m
    return m


@contextmanager
def registered(m: Method) -> Iterator[Method]:
    """A method registered for a while (a test's or a plug-in's), then removed again."""
    existed = (m.name, m.version) in REGISTRY
    register(m)
    try:
        yield m
    finally:
        if not existed:
            del REGISTRY[(m.name, m.version)]


def number(value: Decimal) -> str:
    """A figure in a working: plain digits, no exponent, no trailing zeros."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _rank_share(i: Inputs) -> Decimal:
    assert i.place is not None
    with localcontext(CONTEXT):
        return i.weight * Decimal(i.n - i.place + 1) / Decimal(i.n)


def _rank_share_working(i: Inputs) -> str:
    assert i.place is not None
    return f"{number(i.weight)}×{i.n - i.place + 1}/{i.n}"


def _rank_step(i: Inputs) -> Decimal:
    assert i.place is not None
    with localcontext(CONTEXT):
        return max(ZERO, i.weight - Decimal(i.params["step"]) * Decimal(i.place - 1))


def _rank_step_working(i: Inputs) -> str:
    assert i.place is not None
    return f"{number(i.weight)}−{number(Decimal(i.params['step']))}×{i.place - 1}"


def _ratio_to_best(i: Inputs) -> Decimal:
    if i.best <= 0 or i.measure <= 0:
        return ZERO
    with localcontext(CONTEXT):
        return i.weight * i.measure / i.best


def _ratio_working(i: Inputs) -> str | None:
    if i.best <= 0 or i.measure <= 0:
        return None
    return f"{number(i.weight)}×{number(i.measure)}/{number(i.best)}"


def target_points(
    weight: Decimal, value: Decimal, target: Decimal, cap: Decimal, zero_target: str
) -> Decimal:
    """目标管理法: the weight times the completion rate, capped; a zero target as configured."""
    if target < 0:
        raise ScoringError(f"目标值不能为负数：{target}")
    if target == 0:
        return weight if zero_target == "full" else ZERO
    if value <= 0:
        return ZERO
    with localcontext(CONTEXT):
        # Multiply before dividing: one rounding, at the 50th digit.
        return weight * cap if value >= cap * target else weight * value / target


def _target(i: Inputs) -> Decimal:
    if i.target is None:
        raise ScoringError("没有目标值，无法按目标管理法计分")
    cap, zero = Decimal(i.params["cap"]), i.params["zero_target"]
    return target_points(i.weight, i.measure, i.target, cap, zero)


def _target_working(i: Inputs) -> str | None:
    if i.target is None or i.target <= 0 or i.measure <= 0:
        return None
    cap = Decimal(i.params["cap"])
    if i.measure >= cap * i.target:
        return f"{number(i.weight)}×{number(cap)}"
    return f"{number(i.weight)}×{number(i.measure)}/{number(i.target)}"


RANK_SHARE = register(
    Method(
        "rank_share",
        1,
        ranked=True,
        params=NoParams,
        points=_rank_share,
        zh="竞争性排名：第1名得满分，之后每低一名少 1/N（N为本类参评单位数），同值并列取较高名次",
        working=_rank_share_working,
    )
)
RANK_STEP = register(
    Method(
        "rank_step",
        1,
        ranked=True,
        params=RankStepParams,
        points=_rank_step,
        zh="竞争性排名：第1名得满分，之后每低一名少 {step} 分，最低0分",
        working=_rank_step_working,
    )
)
RATIO_TO_BEST = register(
    Method(
        "ratio_to_best",
        1,
        ranked=True,
        params=NoParams,
        points=_ratio_to_best,
        zh="竞争性排名：按与第一名之比计分，得分 = 分值 × 本单位数值 ÷ 第一名数值",
        working=_ratio_working,
    )
)
TARGET = register(
    Method(
        "target",
        1,
        ranked=False,
        params=TargetParams,
        points=_target,
        zh=(
            "目标管理法：得分 = 分值 × 完成数 ÷ 目标数，"
            "完成率超过{cap_pct}%的按{cap_pct}%计；目标为0时{zero_zh}"
        ),
        working=_target_working,
    )
)
ZERO_TARGET_ZH = {"full": "得满分", "zero": "不得分"}


def describe(text: str, params: Mapping[str, str]) -> str:
    """How a method scores, in plain Chinese, with the leaf's parameters filled in."""
    m = method(text)
    values = {k: number(Decimal(v)) if _decimal(v) else v for k, v in params.items()}
    values["zero_zh"] = ZERO_TARGET_ZH.get(params.get("zero_target", "full"), "")
    if "cap" in params:
        values["cap_pct"] = number(Decimal(params["cap"]) * 100)
    return m.zh.format(**values)


def _decimal(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True
