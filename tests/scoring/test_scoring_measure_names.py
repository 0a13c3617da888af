"""The contract with the warehouse: every rule's measure is one the warehouse computes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bixue.config import Settings
from bixue.scoring.model import Measure, ScoringError
from bixue.scoring.rules import load_rules
from bixue.scoring.service import measures_from_inputs
from bixue.warehouse.db import connect
from bixue.warehouse.measures import measure_inputs


@pytest.mark.parametrize("period", ["2023Q1", "2023"])
def test_every_rules_measure_is_named_by_the_warehouses_inputs(
    settings: Settings, tmp_path: Path, period: str
) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    inputs = measure_inputs(engine, settings, period)
    measures = measures_from_inputs(settings, period, inputs)
    kind = "annual" if period == "2023" else "quarterly"
    leaves = load_rules(settings.config_dir, 2023).leaves(kind)
    per_category = {c: sum(1 for leaf in leaves if leaf.category == c) for c in ("county", "group")}
    assert len(measures) == 11 * per_category["county"] + 9 * per_category["group"]


def test_inputs_map_onto_indicator_keys_and_a_missing_name_is_refused(settings: Settings) -> None:
    named = {
        "out_pref_growth_pct": Decimal("12.5"),
        "out_pref_funds_yi": Decimal("11.25"),
        "out_pref_prior_funds_yi": Decimal(10),
        "out_prov_growth_pct": None,
        "out_prov_funds_yi": Decimal(3),
        "out_prov_prior_funds_yi": Decimal(0),
        "fdi_completion_pct": Decimal(40),
        "fdi_wan_usd": Decimal(120),
        "fdi_target_wan_usd": Decimal(300),
        "top_leader_trips": Decimal(2),
        "signed": Decimal(0),
    }
    assert measures_from_inputs(settings, "2023Q3", {"禄丰市": named}) == [
        Measure(
            "禄丰市",
            "cq_out_pref_growth",
            Decimal("12.5"),
            figures=(
                ("out_pref_funds_yi", Decimal("11.25")),
                ("out_pref_prior_funds_yi", Decimal(10)),
            ),
        ),
        Measure(
            "禄丰市",
            "cq_out_prov_growth",
            None,
            figures=(("out_prov_funds_yi", Decimal(3)), ("out_prov_prior_funds_yi", Decimal(0))),
        ),
        Measure(
            "禄丰市",
            "cq_fdi_completion",
            Decimal(40),
            figures=(("fdi_wan_usd", Decimal(120)), ("fdi_target_wan_usd", Decimal(300))),
        ),
        Measure("禄丰市", "cq_top_leader_trips", Decimal(2)),
        Measure("禄丰市", "cq_signed", Decimal(0)),
    ]


@pytest.mark.parametrize(
    ("left_out", "message"),
    [
        ("signed", "cq_signed 的计量 signed"),
        ("out_pref_prior_funds_yi", "cq_out_pref_growth 的依据数 out_pref_prior_funds_yi"),
        ("fdi_target_wan_usd", "cq_fdi_completion 的依据数 fdi_target_wan_usd"),
    ],
)
def test_a_measure_or_figure_the_inputs_lack_is_refused(
    settings: Settings, left_out: str, message: str
) -> None:
    names = [
        "out_pref_growth_pct", "out_pref_funds_yi", "out_pref_prior_funds_yi",
        "out_prov_growth_pct", "out_prov_funds_yi", "out_prov_prior_funds_yi",
        "fdi_completion_pct", "fdi_wan_usd", "fdi_target_wan_usd", "top_leader_trips", "signed",
    ]  # fmt: skip
    named: dict[str, Decimal | None] = {n: Decimal(1) for n in names if n != left_out}
    with pytest.raises(ScoringError, match=message):
        measures_from_inputs(settings, "2023Q3", {"禄丰市": named})


@pytest.mark.parametrize("period", ["2023Q2", "2023"])
def test_the_warehouse_gives_each_rate_its_figures(
    settings: Settings, tmp_path: Path, period: str
) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    measures = measures_from_inputs(settings, period, measure_inputs(engine, settings, period))
    fdi = {m.unit: m for m in measures if m.indicator.endswith("_fdi_completion")}
    targets = settings.targets(2023).counties
    assert {u: dict(m.figures)["fdi_target_wan_usd"] for u, m in fdi.items()} == {
        u: Decimal(str(t.fdi_wan_usd)) for u, t in targets.items()
    }
    growth = [m for m in measures if m.indicator.endswith("_out_pref_growth")]
    assert len(growth) == 11
    assert all(
        [n for n, _ in m.figures] == ["out_pref_funds_yi", "out_pref_prior_funds_yi"]
        for m in growth
    )
