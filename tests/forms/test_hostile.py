"""Hostile workbooks are refused one by one with a Chinese reason, in bounded memory."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from bixue.forms.guard import WorkbookLimits
from bixue.forms.isolate import parse_guarded, parse_isolated
from tests.forms import hostile

MIB = 1024 * 1024
# What a refused hostile file may cost its parse child beyond what it had at fork.
HOSTILE_BOUND = 64 * MIB
# What the largest sheet the caps admit (20,000 rows x 256 columns) may cost.
ACCEPTED_BOUND = 512 * MIB
NO_GUARD = WorkbookLimits(max_rows=2**21, max_columns=2**15, max_ratio=10**6)

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (Linux)")


def _far_cell_at_caps() -> bytes:
    cell = '<row r="20000"><c r="IV20000" t="inlineStr"><is><t>x</t></is></c></row>'
    return hostile.rewrite(
        hostile.good(), lambda xml: xml.replace("</sheetData>", cell + "</sheetData>")
    )


HOSTILE: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("sheet-inflates-to-1GiB", hostile.inflated, "workbook_too_large", "解压后1024.0 MB"),
    (
        "formatted-empty-cell-XFD1048576",
        hostile.far_formatted_cell,
        "sheet_too_large",
        "声明到XFD1048576",
    ),
    ("text-cell-XFD1048576", hostile.far_text_cell, "sheet_too_large", "单元格延伸到XFD1048576"),
    *[
        (
            f"text-cell-XFD1048576-after-{name}",
            lambda space=space: hostile.far_text_cell_spaced(space),
            "sheet_too_large",
            "单元格延伸到XFD1048576",
        )
        for name, space in (("tab", "\t"), ("line-break", "\n"), ("carriage-return", "\r\n"))
    ],
    ("billion-laughs-read-by-formula", hostile.laughs, "xml_entities", "XML实体声明"),
    ("size-in-directory-lies", hostile.lying_size, "unreadable", "已损坏"),
    ("two-thousand-parts", hostile.many_parts, "workbook_too_large", "2009个组成部分"),
]


@pytest.mark.parametrize(
    ("build", "rule", "says"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE]
)
def test_a_hostile_workbook_is_refused_with_its_reason_in_bounded_memory(
    tmp_path: Path, build: Callable[[], bytes], rule: str, says: str
) -> None:
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(build())
    assert path.stat().st_size < 2 * MIB  # small on disk
    parsed, peak = parse_isolated(str(path), {})
    (problem,) = parsed.problems
    assert (parsed.workbook, parsed.sheets, problem.rule) == (None, [], rule)
    assert says in problem.message
    assert "文件未读取" in problem.message or rule == "unreadable"
    assert problem.fix and "重新报送" in problem.fix
    assert peak is not None and peak.growth < HOSTILE_BOUND


def test_a_sheet_refusal_names_the_sheet(tmp_path: Path) -> None:
    path = tmp_path / "far.xlsx"
    path.write_bytes(hostile.far_text_cell())
    (problem,) = parse_isolated(str(path), {})[0].problems
    assert problem.sheet == "Sheet1" and "工作表“Sheet1”" in problem.message
    assert "20000行、256列" in problem.message


def test_the_largest_sheet_the_caps_admit_is_read_within_its_bound(tmp_path: Path) -> None:
    path = tmp_path / "at-caps.xlsx"
    path.write_bytes(_far_cell_at_caps())
    parsed, peak = parse_isolated(str(path), {})
    assert parsed.workbook == "a3" and parsed.problems == []
    assert peak is not None and peak.growth < ACCEPTED_BOUND


def test_a_parse_that_aborts_its_process_refuses_only_that_file(tmp_path: Path) -> None:
    # Without the guard, calamine asks for 512 GiB for one far cell: under the child's
    # RLIMIT_AS the allocation fails and Rust aborts (SIGABRT). The run's process lives on.
    path = tmp_path / "far.xlsx"
    path.write_bytes(hostile.far_text_cell())
    parsed, peak = parse_isolated(str(path), {}, NO_GUARD, budget=256 * MIB)
    (problem,) = parsed.problems
    assert peak is None and problem.rule == "parse_failed"
    assert "异常终止" in problem.message and "文件未读取" in problem.message


def test_a_parse_out_of_memory_refuses_that_file_for_its_memory(tmp_path: Path) -> None:
    path = tmp_path / "at-caps.xlsx"
    path.write_bytes(_far_cell_at_caps())
    parsed, _ = parse_isolated(str(path), {}, budget=96 * MIB)
    (problem,) = parsed.problems
    assert problem.rule == "parse_failed"
    assert "所需内存超过上限" in problem.message


def test_a_workbook_that_aborts_its_parse_costs_only_that_file_of_its_batch(
    tmp_path: Path,
) -> None:
    paths = []
    for i in range(3):
        path = tmp_path / f"good-{i}.xlsx"
        path.write_bytes(hostile.good(project=f"项目{i}"))
        paths.append(str(path))
    bad = tmp_path / "far.xlsx"
    bad.write_bytes(hostile.far_text_cell())
    paths.insert(1, str(bad))
    # Unguarded, the far cell is over RISKY_CELLS: parsed in a capped child, which aborts.
    parsed = {p: parse_guarded(p, {}, NO_GUARD, budget=512 * MIB) for p in paths}
    assert [parsed[p].workbook for p in paths] == ["a3", None, "a3", "a3"]
    assert parsed[str(bad)].problems[0].rule == "parse_failed"
    assert "异常终止" in parsed[str(bad)].problems[0].message


def test_a_small_workbook_is_parsed_in_process_and_a_large_one_in_a_capped_child(
    tmp_path: Path,
) -> None:
    small, large = tmp_path / "small.xlsx", tmp_path / "large.xlsx"
    small.write_bytes(hostile.good())
    large.write_bytes(_far_cell_at_caps())  # 5.12 million cells: over RISKY_CELLS
    # A budget no child could live with: only a parse in the run's own process succeeds.
    assert parse_guarded(str(small), {}, budget=1).workbook == "a3"
    (problem,) = parse_guarded(str(large), {}, budget=96 * MIB).problems
    assert problem.rule == "parse_failed"
