"""The records scoring works on: measures in, audited lines and totals out (plain data, no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

PeriodKind = Literal["quarterly", "annual"]
QUARTERS = ("Q1", "Q2", "Q3")
# Kinds of a unit's total rows: the period's sum, and for the annual period the annual score,
# the year result and the quarter totals it was computed from.
TOTAL, ANNUAL, YEAR = "total", "annual", "year"


class ScoringError(Exception):
    """Scoring cannot go on (bad input, locked period, missing quarter); said in Chinese."""


@dataclass(frozen=True)
class Measure:
    """One unit's input to one indicator (or part, `key.part`) for one period."""

    unit: str
    indicator: str
    value: Decimal | None
    target: Decimal | None = None
    # The figures the value was derived from (name, value), e.g. this year's and last year's
    # funds behind a growth rate; shown in exports, never used in scoring.
    figures: tuple[tuple[str, Decimal | None], ...] = ()


@dataclass(frozen=True)
class Period:
    """A scored period: a quarter Q1–Q3 of the quarterly indicators, or the year's annual ones."""

    year: int
    quarter: int | None = None

    @property
    def kind(self) -> PeriodKind:
        return "annual" if self.quarter is None else "quarterly"

    def __str__(self) -> str:
        return f"{self.year}" if self.quarter is None else f"{self.year}Q{self.quarter}"


def parse_period(text: str) -> Period:
    """2023Q1–2023Q3 or 2023; Q4 has no quarterly score (附件6/7 score the first three)."""
    match = re.fullmatch(r"(\d{4})(?:Q([1-4]))?", text.strip())
    if not match:
        raise ScoringError(f"评分期应写作 2023Q2（季度）或 2023（年度），而不是 {text!r}")
    quarter = int(match.group(2)) if match.group(2) else None
    if quarter == 4:
        raise ScoringError("第四季度不单独评分：年度评分请用 --period 年份，如 2023")
    return Period(int(match.group(1)), quarter)


Eligibility = Literal["eligible", "no_data", "negative", "not_positive"]


@dataclass(frozen=True)
class Line:
    """The audit of one unit on one indicator: what went in, which rule, what came out."""

    unit: str
    category: str
    indicator: str
    seq: int
    measure: Decimal | None
    target: Decimal | None
    eligibility: Eligibility
    place: int | None
    method: str
    params: tuple[tuple[str, str], ...]
    ineligible_when: str | None
    weight: Decimal
    points: Decimal
    rule_version: str
    inputs_hash: str
    figures: tuple[tuple[str, Decimal | None], ...] = ()


@dataclass(frozen=True)
class UnitTotal:
    """A unit's total of one kind (total, annual, year, Q1–Q3) and its place in its category."""

    unit: str
    category: str
    kind: str
    points: Decimal
    rank: int | None


@dataclass(frozen=True)
class PeriodScores:
    """Everything one scoring of one period produced, in display order."""

    period: str
    rules_version: str
    rules_hash: str
    inputs_hash: str
    lines: tuple[Line, ...]
    totals: tuple[UnitTotal, ...]
    units: tuple[str, ...]
