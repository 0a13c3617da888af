"""What GX's COMPLETE result format costs at national size, against BOOLEAN_ONLY and SUMMARY.

Run as `python -m bench.gx_cost ROWS [BAD_SHARE]` (prints one JSON line): one parsed 附件3
workbook's rows repeated into a frame of ROWS rows under distinct submissions, a share of
rows given an unknown 项目进展, then the 2023 a3 suite run once per result format.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def frame(rows: int, bad_share: float) -> Any:
    """An a3 frame as the parser gives it, `rows` long, with `bad_share` of stages invalid."""
    import pandas as pd

    from bench.generate import SCALES, Renderer
    from bixue.config import Settings
    from bixue.forms.parse import parse_workbook
    from bixue.sample.model import SampleWorld

    settings = Settings(home=Path("."))
    world = SampleWorld(settings, 2023, 2023)
    data, _ = Renderer(world, SCALES["national"]).base(settings.units[0], "a3", 0)
    [sheet] = parse_workbook(data).sheets
    one = sheet.frame  # 附件3 has no derived fields
    copies = -(-rows // len(one))
    parts = [one.assign(submission_id=f"s{i:06d}") for i in range(copies)]
    out = pd.concat(parts, ignore_index=True).iloc[:rows].copy()
    bad = int(rows * bad_share)
    if bad:
        step = max(rows // bad, 1)
        out.loc[out.index[::step][:bad], "stage"] = "洽谈中"
    return out


def validate(data: Any, result_format: str) -> tuple[float, int]:
    """Seconds for one suite run in this format, and the failing rows it listed."""
    import great_expectations as gx

    from bixue.rules.validate import INDEX_COLUMNS, _prepared, load_suite, suite_path

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}  # type: ignore[assignment]
    source = context.data_sources.add_pandas("forms")
    batch_def = source.add_dataframe_asset("a3").add_batch_definition_whole_dataframe("all")
    prepared = _prepared("a3", data)
    suite = load_suite(suite_path("a3", 2023))
    started = time.perf_counter()
    batch = batch_def.get_batch(batch_parameters={"dataframe": prepared})
    fmt: dict[str, Any] = {"result_format": result_format}
    if result_format == "COMPLETE":
        fmt["unexpected_index_column_names"] = INDEX_COLUMNS
    result = batch.validate(suite, result_format=fmt)
    listed = sum(len(r.result.get("unexpected_index_list") or []) for r in result.results)
    return time.perf_counter() - started, listed


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    rows = int(args[0]) if args else 750_000
    bad_share = float(args[1]) if len(args) > 1 else 0.01
    out: dict[str, Any] = {"rows": rows, "bad_share": bad_share}
    from bixue.rules.gx import import_gx

    import_gx()
    for share in (0.0, bad_share):
        data = frame(rows, share)
        for fmt in ("BOOLEAN_ONLY", "SUMMARY", "COMPLETE"):
            seconds, listed = validate(data, fmt)
            out[f"{fmt}@{share:g}"] = {"seconds": round(seconds, 2), "listed": listed}
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
