"""The real monthly flow, end to end in a fresh process, as `bixue ingest` runs it.

Run as `python -m bench.flow HOME PERIOD` with BIXUE_CONFIG_DIR naming the bench config;
prints the flow's counts as one JSON line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    home, period = sys.argv[1:3] if argv is None else argv[:2]
    from bixue.cli import prefect_environment

    prefect_environment(Path(home))
    from bixue.config import load_settings
    from flows.monthly_ingest import monthly_ingest
    from flows.runner import task_runner_for

    runner = task_runner_for(load_settings(home).runner)  # as `bixue ingest` chooses it
    counts = monthly_ingest.with_options(task_runner=runner)(period=period, home=home)
    sys.stdout.write(json.dumps(counts, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
