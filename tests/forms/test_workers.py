"""Workbooks parsed in worker processes come back exactly as parsed in the run's own process."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bixue.forms.templates import render_workbook
from bixue.forms.workers import parse_files

CODES = {"禄丰市": "532331"}


def _files(tmp_path: Path) -> list[str]:
    paths = []
    for i in range(6):
        rows = {
            "a3": [
                {"project_name": f"钛项目{i}-{n}", "partner": "上海某公司", "site": "禄丰市"}
                for n in range(3)
            ]
        }
        path = tmp_path / f"a3-{i}.xlsx"
        path.write_bytes(render_workbook("a3", year=2023, month=5, unit="禄丰市", rows=rows))
        paths.append(str(path))
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    return [*paths, str(broken)]


def test_workers_parse_every_workbook_as_the_run_itself_would(tmp_path: Path) -> None:
    paths = _files(tmp_path)
    here = parse_files(paths, CODES, workers=1)
    there = parse_files(paths, CODES, workers=2, parallel_from=2)
    assert list(there) == paths
    for path in paths:
        mine, theirs = here[path], there[path]
        assert (theirs.workbook, theirs.problems) == (mine.workbook, mine.problems)
        assert len(theirs.sheets) == len(mine.sheets)
        for a, b in zip(mine.sheets, theirs.sheets, strict=True):
            pd.testing.assert_frame_equal(a.frame, b.frame)
            assert (a.columns, a.unit_text, a.period) == (b.columns, b.unit_text, b.period)
    assert [p.rule for p in there[paths[-1]].problems] == ["unreadable"]
    assert sum(len(s.frame) for p in paths[:-1] for s in there[p].sheets) == 18
