"""Scoring at national size: the pure engine on N units × Q1–Q3 and the year, timed.

Run as `python -m bench.scoring N` (prints one JSON line). Measures are random but
reproducible; targets cycle through config/targets/2023.yaml. Nothing is stored: this times
bixue.scoring.engine.score_period, the part whose cost grows with the number of units.
"""

from __future__ import annotations

import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

YEAR = 2023


def synthetic(units: int) -> tuple[list[tuple[str, str]], dict[tuple[str, str], Decimal]]:
    """(name, category) for `units` units (11 counties to 9 groups) and their configured targets."""
    from bixue.config import Settings
    from bixue.scoring.rules import configured_targets, load_rules

    settings = Settings(home=Path("."))
    rules = load_rules(settings.config_dir, YEAR)
    real = configured_targets(rules, settings.targets(YEAR))
    templates = list(settings.units)
    out: list[tuple[str, str]] = []
    configured: dict[tuple[str, str], Decimal] = {}
    for i in range(units):
        base = templates[i % len(templates)]
        name = f"{base.name}#{i:05d}"
        out.append((name, base.category))
        for (unit, key), value in real.items():
            if unit == base.name:
                configured[(name, key)] = value
    return out, configured


def measures_for(units: list[tuple[str, str]], kind: str, seed: int) -> list[Any]:
    """One random measure per unit and leaf of the period kind (a tenth missing)."""
    from bixue.config import Settings
    from bixue.scoring.model import Measure
    from bixue.scoring.rules import load_rules

    rules = load_rules(Settings(home=Path(".")).config_dir, YEAR)
    rng = random.Random(f"bench-scoring|{kind}|{seed}")
    out = []
    for leaf in rules.leaves(kind):  # type: ignore[arg-type]
        for name, category in units:
            if category != leaf.category or rng.random() < 0.1:
                continue
            value = Decimal(rng.randint(-50, 400)) / Decimal(4)
            out.append(Measure(name, leaf.key, value))
    return out


def run(units: int) -> dict[str, Any]:
    """Seconds to score Q1, Q2, Q3 and the year for `units` units."""
    from bixue.config import Settings
    from bixue.scoring.engine import score_period
    from bixue.scoring.model import TOTAL, Period
    from bixue.scoring.rules import load_rules

    rules = load_rules(Settings(home=Path(".")).config_dir, YEAR)
    names, configured = synthetic(units)
    periods = [Period(YEAR, q) for q in (1, 2, 3)] + [Period(YEAR)]
    inputs = {p: measures_for(names, p.kind, i) for i, p in enumerate(periods)}
    quarter_totals: dict[tuple[str, str], Decimal] = {}
    timings: dict[str, float] = {}
    lines = 0
    started = time.perf_counter()
    for p in periods:
        t = time.perf_counter()
        scores = score_period(
            rules, p, names, inputs[p], configured, quarter_totals if p.quarter is None else None
        )
        timings[str(p)] = round(time.perf_counter() - t, 4)
        lines += len(scores.lines)
        if p.quarter is not None:
            for total in scores.totals:
                if total.kind == TOTAL:
                    quarter_totals[(total.unit, f"Q{p.quarter}")] = total.points
    return {
        "units": units,
        "periods": len(periods),
        "lines": lines,
        "seconds": round(time.perf_counter() - started, 4),
        "per_period_s": timings,
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    sys.stdout.write(json.dumps(run(int(args[0]) if args else 3000)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
