"""Properties of every method: within [0, weight], monotone in the unit's measure, order-blind."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bixue.scoring.engine import indicator_points

METHODS = st.sampled_from(
    [
        ("rank_share", {}),
        ("rank_step", {"step": "3"}),
        ("rank_step", {"step": "0.5"}),
        ("ratio_to_best", {}),
        ("target", {"cap": "1", "zero_target": "full"}),
        ("target", {"cap": "0.8", "zero_target": "zero"}),
    ]
)
VALUES = st.one_of(
    st.none(),
    st.decimals(min_value=-100, max_value=1000, places=2, allow_nan=False, allow_infinity=False),
)
TARGETS = st.decimals(min_value=0, max_value=500, places=1, allow_nan=False, allow_infinity=False)
WEIGHTS = st.sampled_from([Decimal(w) for w in ("5", "9", "12.5", "15", "20", "30")])
INELIGIBLE = st.sampled_from([None, "negative", "not_positive"])


@st.composite
def cases(draw: st.DrawFn) -> dict:
    method, params = draw(METHODS)
    n = draw(st.integers(min_value=1, max_value=12))
    inputs = {f"U{i}": (draw(VALUES), draw(TARGETS)) for i in range(n)}
    return {
        "method": method,
        "params": params,
        "weight": draw(WEIGHTS),
        "ineligible_when": draw(INELIGIBLE),
        "n": n,
        "inputs": inputs,
    }


@settings(max_examples=300, deadline=None)
@given(cases())
def test_every_score_lies_between_zero_and_the_weight(case: dict) -> None:
    result = indicator_points(**case)
    assert all(Decimal(0) <= points <= case["weight"] for _, _, points in result.values())
    assert all(place is None for e, place, _ in result.values() if e != "eligible")


@settings(max_examples=300, deadline=None)
@given(cases(), st.data())
def test_raising_a_units_measure_never_lowers_its_points(case: dict, data: st.DataObject) -> None:
    unit = data.draw(st.sampled_from(sorted(case["inputs"])))
    value, target = case["inputs"][unit]
    before = indicator_points(**case)[unit][2]
    base = Decimal(-100) if value is None else value
    raised = base + data.draw(st.decimals(min_value=0, max_value=500, places=2))
    after = indicator_points(**{**case, "inputs": {**case["inputs"], unit: (raised, target)}})
    assert after[unit][2] >= before


@settings(max_examples=200, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_reordering_the_units_changes_no_score(case: dict, rnd: random.Random) -> None:
    units = list(case["inputs"])
    rnd.shuffle(units)
    shuffled = {u: case["inputs"][u] for u in units}
    assert indicator_points(**{**case, "inputs": shuffled}) == indicator_points(**case)
