"""A deterministic scoring year for the tests: measures for every unit and indicator of 2023."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.scoring.model import Measure, parse_period
from bixue.scoring.rules import load_rules

NO_DATA_UNIT = "永仁县"  # reports nothing in Q2
PCT_MEASURES = {"out_pref_growth_pct", "out_prov_growth_pct", "fdi_completion_pct"}


def sample_measures(engine: Engine | None, settings: Settings, period: str) -> Sequence[Measure]:
    """Measures as the warehouse would give them: growth may be negative, counts often tie."""
    p = parse_period(period)
    rules = load_rules(settings.config_dir, p.year)
    rng = random.Random(f"bixue-scoring-{period}")
    out = []
    for unit in settings.units:
        if unit.name == NO_DATA_UNIT and period == "2023Q2":
            continue
        for leaf in rules.leaves(p.kind):
            if leaf.category != unit.category:
                continue
            if leaf.measure in PCT_MEASURES:
                value = Decimal(rng.choice(["-7.5", "0", "12.25", "30", "12.25", "45.123456"]))
            elif leaf.measure == "funds_yi":
                value = Decimal(rng.randint(0, 9000)) / 100
            else:
                value = Decimal(rng.choice([0, 1, 1, 2, 3, 5]))
            out.append(Measure(unit.name, leaf.key, value, None))
    return out


def write_measures(
    path: Path, measures: Sequence[Measure], extra: Sequence[Sequence[str]] = ()
) -> Path:
    """A measures CSV as the office would prepare one (unit,indicator,value,target)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["unit", "indicator", "value", "target"])
        for m in measures:
            writer.writerow([m.unit, m.indicator, "" if m.value is None else m.value, ""])
        writer.writerows(extra)
    return path
