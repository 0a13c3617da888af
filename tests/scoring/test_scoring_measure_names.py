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
        "out_prov_growth_pct": None,
        "fdi_completion_pct": Decimal(40),
        "top_leader_trips": Decimal(2),
        "signed": Decimal(0),
    }
    assert measures_from_inputs(settings, "2023Q3", {"禄丰市": named}) == [
        Measure("禄丰市", "cq_out_pref_growth", Decimal("12.5")),
        Measure("禄丰市", "cq_out_prov_growth", None),
        Measure("禄丰市", "cq_fdi_completion", Decimal(40)),
        Measure("禄丰市", "cq_top_leader_trips", Decimal(2)),
        Measure("禄丰市", "cq_signed", Decimal(0)),
    ]
    without_signed = {k: v for k, v in named.items() if k != "signed"}
    with pytest.raises(ScoringError, match="cq_signed 的计量 signed"):
        measures_from_inputs(settings, "2023Q3", {"禄丰市": without_signed})
