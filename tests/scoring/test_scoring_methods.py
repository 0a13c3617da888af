"""Hand-computed tables for every method and edge case of the 比学赶超 engine."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest

from bixue.scoring.engine import (
    CONTEXT,
    indicator_points,
    places,
    shown,
    target_points,
    year_result,
)
from bixue.scoring.model import ScoringError

D = Decimal
RANK_STEP_5 = {"step": "5"}
TARGET = {"cap": "1", "zero_target": "full"}


def run(
    method: str,
    measures: dict[str, str | None],
    *,
    weight: str = "20",
    n: int | None = None,
    params: dict[str, str] | None = None,
    ineligible_when: str | None = None,
    targets: dict[str, str] | None = None,
) -> dict[str, tuple[str, int | None, Decimal]]:
    inputs = {
        u: (None if m is None else D(m), D((targets or {}).get(u, "1")))
        for u, m in measures.items()
    }
    return indicator_points(
        method=method,
        params=params or {},
        weight=D(weight),
        ineligible_when=ineligible_when,
        n=n or len(measures),
        inputs=inputs,
    )


@pytest.mark.parametrize(
    ("measures", "expected"),
    [
        # ties share the better place, the next place is skipped: 1, 2, 2, 4; negative: no place
        (
            {"A": "30", "B": "20", "C": "20", "D": "10", "E": "-1"},
            {"A": (1, "20"), "B": (2, "16"), "C": (2, "16"), "D": (4, "8"), "E": (None, "0")},
        ),
        # everyone negative: nobody scores, nobody is placed
        (
            {"A": "-1", "B": "-0.5", "C": "-30"},
            {"A": (None, "0"), "B": (None, "0"), "C": (None, "0")},
        ),
        # zero growth is not negative growth: it ranks
        ({"A": "0", "B": "5"}, {"A": (2, "10"), "B": (1, "20")}),
        # a unit with no data scores 0, takes no place, but still counts in N
        ({"A": "5", "B": None, "C": "3"}, {"A": (1, "20"), "B": (None, "0"), "C": (2, "13.33")}),
        # a single eligible unit takes first place and the full weight
        ({"A": None, "B": "-2", "C": "0.01"}, {"A": (None, "0"), "B": (None, "0"), "C": (1, "20")}),
        # everyone equal: all first
        ({"A": "7", "B": "7"}, {"A": (1, "20"), "B": (1, "20")}),
    ],
)
def test_rank_share_gives_weight_times_remaining_places_over_n(
    measures: dict[str, str | None], expected: dict[str, tuple[int | None, str]]
) -> None:
    result = run("rank_share", measures, ineligible_when="negative")
    assert {u: (r[1], str(shown(r[2]))) for u, r in result.items()} == {
        u: (place, str(D(points).quantize(D("0.01")))) for u, (place, points) in expected.items()
    }


def test_rank_share_n_is_the_whole_category_so_eleven_units_step_by_an_eleventh() -> None:
    measures = {f"U{i}": str(11 - i) for i in range(11)}
    result = run("rank_share", measures)
    expected = [
        "20.00",
        "18.18",
        "16.36",
        "14.55",
        "12.73",
        "10.91",
        "9.09",
        "7.27",
        "5.45",
        "3.64",
        "1.82",
    ]
    assert [str(shown(result[f"U{i}"][2])) for i in range(11)] == expected


@pytest.mark.parametrize(
    ("measures", "expected"),
    [
        ({"A": "9", "B": "8", "C": "8", "D": "7", "E": "6", "F": "5"}, [20, 15, 15, 5, 0, 0]),
        ({"A": "1", "B": "0", "C": "-3"}, [20, 0, 0]),  # not_positive: 0 and below take no place
    ],
)
def test_rank_step_takes_step_points_per_place_never_below_zero(
    measures: dict[str, str], expected: list[int]
) -> None:
    result = run("rank_step", measures, params=RANK_STEP_5, ineligible_when="not_positive")
    assert [result[u][2] for u in measures] == [D(e) for e in expected]


@pytest.mark.parametrize(
    ("measures", "expected"),
    [
        ({"A": "50", "B": "25", "C": "0"}, ["20", "10", "0"]),
        ({"A": "0", "B": "0"}, ["0", "0"]),  # the best is 0: nothing to be proportional to
        ({"A": "3", "B": None, "C": "-1"}, ["20", "0", "0"]),
    ],
)
def test_ratio_to_best_is_proportional_to_the_best_eligible_measure(
    measures: dict[str, str | None], expected: list[str]
) -> None:
    result = run("ratio_to_best", measures, ineligible_when="negative")
    assert [result[u][2] for u in measures] == [D(e) for e in expected]
    assert all(r[1] is not None for u, r in result.items() if r[0] == "eligible")


@pytest.mark.parametrize(
    ("weight", "measure", "target", "cap", "zero_target", "expected"),
    [
        ("30", "40", "80", "1", "full", "15"),  # half the target, half the weight
        ("30", "100", "80", "1", "full", "30"),  # beyond the target: capped at the weight
        ("30", "100", "80", "0.5", "full", "15"),  # a lower cap
        ("9", "0", "0", "1", "full", "9"),  # zero target (数字经济 10亿): full weight
        ("9", "2", "0", "1", "zero", "0"),  # zero target, configured to give nothing
        ("9", "-3", "4", "1", "full", "0"),  # a negative measure scores nothing
        ("12.5", "1", "2", "1", "full", "6.25"),
        ("5", "1", "3", "1", "full", "1.6666666666666666666666666666666666666666666666667"),
    ],
)
def test_target_method_is_weight_times_capped_completion(
    weight: str, measure: str, target: str, cap: str, zero_target: str, expected: str
) -> None:
    assert target_points(D(weight), D(measure), D(target), D(cap), zero_target) == D(expected)


def test_target_method_takes_no_place_and_uses_each_units_own_target() -> None:
    result = run(
        "target",
        {"A": "2", "B": "2", "C": None},
        weight="9",
        params=TARGET,
        targets={"A": "4", "B": "2", "C": "3"},
    )
    assert result == {
        "A": ("eligible", None, D("4.5")),
        "B": ("eligible", None, D(9)),
        "C": ("no_data", None, D(0)),
    }


def test_a_negative_target_is_refused() -> None:
    with pytest.raises(ScoringError, match="目标值"):
        target_points(D(5), D(1), D(-1), D(1), "full")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"a": D(3), "b": D(3), "c": D(1)}, {"a": 1, "b": 1, "c": 3}),
        ({"a": D(1), "b": D(2), "c": D(2), "d": D(3)}, {"d": 1, "b": 2, "c": 2, "a": 4}),
        ({}, {}),
    ],
)
def test_places_are_competition_ranking_highest_first(
    values: dict[str, Decimal], expected: dict[str, int]
) -> None:
    assert places(values) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2.345", "2.35"), ("2.344999", "2.34"), ("-0.005", "-0.01"), ("18.181818", "18.18")],
)
def test_points_are_shown_rounded_half_up_to_cents(value: str, expected: str) -> None:
    assert str(shown(D(value))) == expected


def test_sums_of_repeating_quotients_round_as_their_exact_value_would() -> None:
    # 150/9 + 30/9 + 0.125 is exactly 20.125: half-up must give 20.13, not 20.12
    with localcontext(CONTEXT):
        total = D(150) / D(9) + D(30) / D(9) + D("0.125")
    assert str(shown(total)) == "20.13"


@pytest.mark.parametrize(
    ("quarters", "annual", "expected"),
    [
        (["80", "90", "70"], "85", "82.5"),
        (["0", "0", "0"], "100", "50"),
        (["100"] * 3, "100", "100"),
    ],
)
def test_year_result_is_quarters_over_six_plus_annual_over_two(
    quarters: list[str], annual: str, expected: str
) -> None:
    assert year_result([D(q) for q in quarters], D(annual)) == D(expected)
