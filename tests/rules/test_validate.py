"""The GX suites: they load whole, and each broken rule is reported at its own cell."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from bixue.forms.parse import frame_columns
from bixue.forms.spec import FORMS
from bixue.rules.validate import EXPECTATIONS_DIR, SuiteError, load_suite, validate_frames

SUITE_FILES = sorted(EXPECTATIONS_DIR.glob("*/*.json"))


def test_there_is_one_suite_per_form_for_2023() -> None:
    assert {p.stem for p in (EXPECTATIONS_DIR / "2023").glob("*.json")} == set(FORMS)


@pytest.mark.parametrize("path", SUITE_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_expectation_in_a_suite_file_arrives_with_its_chinese_message(path: Path) -> None:
    declared = json.loads(path.read_text(encoding="utf-8"))["expectations"]
    suite = load_suite(path)
    assert len(suite.expectations) == len(declared)
    assert all(e.meta["msg_zh"] and e.meta["rule"] for e in suite.expectations)


def test_a_suite_with_an_unknown_expectation_type_is_refused(tmp_path: Path) -> None:
    data = json.loads((EXPECTATIONS_DIR / "2023" / "a3.json").read_text(encoding="utf-8"))
    data["expectations"].append(
        {
            "type": "expect_column_values_to_be_shiny",
            "kwargs": {"column": "stage"},
            "meta": {"rule": "a3.stage.shiny", "msg_zh": "x"},
        }
    )
    broken = tmp_path / "a3.json"
    broken.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SuiteError, match=r"a3\.stage\.shiny"):
        load_suite(broken)


def _a3(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {c: None for c in frame_columns(FORMS["a3"])}
    good = {
        "project_name": "钛项目",
        "partner": "上海某公司",
        "site": "禄丰市",
        "investment_yi": 12.0,
        "stage": "在谈",
    }
    records = [
        base | good | {"excel_row": 7 + i, "submission_id": "S1", "project_name": f"钛项目{i}"} | r
        for i, r in enumerate(rows)
    ]
    return pd.DataFrame.from_records(records)


@pytest.mark.parametrize(
    ("change", "rule", "field"),
    [
        ({"project_name": None}, "a3.project_name.required", "project_name"),
        (
            {"investment_yi": None, "investment_yi__invalid": "约五亿"},
            "a3.investment_yi.number",
            "investment_yi",
        ),
        ({"investment_yi": 3.0}, "a3.investment_yi.min", "investment_yi"),
        ({"stage": "洽谈中"}, "a3.stage.in_set", "stage"),
        ({"site": "昆明市"}, "a3.site.in_set", "site"),
    ],
)
def test_one_broken_rule_gives_exactly_that_rule_at_that_cell(
    change: dict[str, object], rule: str, field: str
) -> None:
    frame = _a3([{}, change, {}])
    failures = validate_frames({"a3": frame}, 2023)
    assert [(f.rule, f.excel_row, f.field, f.submission_id) for f in failures] == [
        (rule, 8, field, "S1")
    ]


def test_valid_rows_pass() -> None:
    assert validate_frames({"a3": _a3([{}, {"stage": "已投产"}])}, 2023) == []


def test_several_broken_rules_in_one_form_each_land_on_their_own_cell() -> None:
    frame = _a3([{"stage": "洽谈中"}, {}, {"site": "昆明市"}, {"investment_yi": 3.0}])
    failures = validate_frames({"a3": frame}, 2023)
    assert sorted((f.rule, f.excel_row, f.field) for f in failures) == [
        ("a3.investment_yi.min", 10, "investment_yi"),
        ("a3.site.in_set", 9, "site"),
        ("a3.stage.in_set", 7, "stage"),
    ]


def test_a_suite_naming_one_rule_twice_is_refused(tmp_path: Path) -> None:
    data = json.loads((EXPECTATIONS_DIR / "2023" / "a3.json").read_text(encoding="utf-8"))
    data["expectations"].append(dict(data["expectations"][0]))
    broken = tmp_path / "a3.json"
    broken.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SuiteError, match="used twice"):
        load_suite(broken)
