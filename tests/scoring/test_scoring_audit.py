"""The audit trail on real SQLite and PostgreSQL: stored runs, the year's needs, recomputation."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bixue.config import Settings
from bixue.scoring import audit
from bixue.scoring.engine import inputs_hash, recompute, settled, year_result
from bixue.scoring.model import Line, Measure, Period, ScoringError
from bixue.scoring.service import MeasureSource, score, score_year
from bixue.warehouse.db import connect
from tests.scoring.scoring_sample import NO_DATA_UNIT, sample_measures


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    if request.param == "sqlite":
        return connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    return connect(str(request.getfixturevalue("pg_url")))


def fixed(measures: Sequence[Measure]) -> MeasureSource:
    """A measure source that always gives these measures."""
    return lambda engine, settings, period: measures


def test_a_scored_quarter_reads_back_exactly_as_computed(
    warehouse: Engine, settings: Settings
) -> None:
    done = score(warehouse, settings, Period(2023, 2), sample_measures, source_name="test")
    run, stored = audit.load(warehouse, "2023Q2")
    assert (done.version, done.created, run.version, run.source) == (1, True, 1, "test")
    assert stored.lines == done.scores.lines and stored.totals == done.scores.totals
    nobody = [ln for ln in stored.lines if ln.unit == NO_DATA_UNIT]
    assert {(ln.eligibility, ln.place, ln.points) for ln in nobody} == {("no_data", None, 0)}


def test_the_year_needs_its_three_quarters_scored_first(
    warehouse: Engine, settings: Settings
) -> None:
    score(warehouse, settings, Period(2023, 1), sample_measures, source_name="t")
    with pytest.raises(ScoringError, match="2023Q2、2023Q3 尚未评分"):
        score(warehouse, settings, Period(2023), sample_measures, source_name="t")


def test_an_unknown_unit_or_indicator_in_the_measures_is_refused(
    warehouse: Engine, settings: Settings
) -> None:
    for bad, message in [
        (Measure("昆明市", "cq_signed", None), "未知单位"),
        (Measure("禄丰市", "ca_signed_1yi", None), "2023Q1 没有指标 ca_signed_1yi"),
        (Measure("禄丰市", "gq_activities", None), "不适用于 禄丰市"),
    ]:
        with pytest.raises(ScoringError, match=message):
            score(warehouse, settings, Period(2023, 1), fixed([bad]), source_name="t")


def test_every_score_of_the_year_is_recomputed_from_the_audit_trail_alone(
    warehouse: Engine, settings: Settings
) -> None:
    score_year(warehouse, settings, 2023, sample_measures)
    assert_year_recomputes_from_audit(warehouse)


def assert_year_recomputes_from_audit(warehouse: Engine) -> None:
    """Every line, total and year result of 2023 follows from the stored audit trail alone."""
    quarter_totals: dict[tuple[str, str], Decimal] = {}
    for period in ("2023Q1", "2023Q2", "2023Q3", "2023"):
        run, scores = audit.load(warehouse, period)
        # 1. eligibility, place and points from the lines' own fields, through the engine
        again = recompute(scores.lines)
        assert {
            (ln.unit, ln.indicator): (ln.eligibility, ln.place, ln.points) for ln in scores.lines
        } == again
        # 2. the same in exact fractions, written out independently of the engine
        by_indicator: dict[str, list[Line]] = {}
        for ln in scores.lines:
            by_indicator.setdefault(ln.indicator, []).append(ln)
        for lines in by_indicator.values():
            assert len({ln.inputs_hash for ln in lines}) == 1
            first = lines[0]
            assert first.inputs_hash == inputs_hash(
                first.indicator,
                first.method,
                first.params,
                first.ineligible_when,
                first.weight,
                [(ln.unit, ln.measure, ln.target) for ln in lines],
            )
            for ln in lines:
                assert abs(Fraction(ln.points) - _by_hand(ln, lines)) < Fraction(1, 10**40)
        # 3. totals are the sums of the lines; the year is (Q1+Q2+Q3)/6 + annual/2
        totals = {(t.unit, t.kind): t.points for t in scores.totals}
        for unit in scores.units:
            mine = sum(Fraction(ln.points) for ln in scores.lines if ln.unit == unit)
            assert abs(Fraction(totals[(unit, "total")]) - mine) < Fraction(1, 10**40)
        if period != "2023":
            quarter_totals.update(
                {(u, period[-2:]): p for (u, k), p in totals.items() if k == "total"}
            )
            continue
        assert run.basis == {"2023Q1": 1, "2023Q2": 1, "2023Q3": 1}
        for unit in scores.units:
            quarters = [totals[(unit, q)] for q in ("Q1", "Q2", "Q3")]
            assert quarters == [quarter_totals[(unit, q)] for q in ("Q1", "Q2", "Q3")]
            assert settled(totals[(unit, "year")]) == settled(
                year_result(quarters, totals[(unit, "annual")])
            )


def _by_hand(line: Line, lines: Sequence[Line]) -> Fraction:
    """rank_share and target, from the seed-free definitions, in exact fractions."""
    if line.eligibility != "eligible":
        return Fraction(0)
    weight = Fraction(line.weight)
    if line.method == "rank_share@1":
        better = sum(
            1 for other in lines if other.eligibility == "eligible" and other.measure > line.measure
        )
        assert line.place == better + 1
        return weight * (len(lines) - better) / len(lines)
    assert line.method == "target@1" and line.place is None
    if line.target == 0:
        return weight
    return weight * min(Fraction(line.measure) / Fraction(line.target), Fraction(1))
