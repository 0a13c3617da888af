"""Data Docs show each expectation's description beside a green tick: it states the rule kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bixue.forms.spec import FORMS
from bixue.rules.catalog import EXPECTATIONS_DIR

# Words of a failure or an instruction: a rule that held is stated without them.
NEGATIVE = (
    "请",
    "不得",
    "不能",
    "错误",
    "不对",
    "填错",
    "未达到",
    "不一致",
    "多行",
    "早于",
    "晚于",
)

EXPECTATIONS = [
    pytest.param(path.parent.name, path.stem, item, id=item["meta"]["rule"])
    for path in sorted(EXPECTATIONS_DIR.glob("*/*.json"))
    for item in json.loads(path.read_text(encoding="utf-8"))["expectations"]
]


def test_every_suite_is_covered() -> None:
    forms = {(year, form) for year, form, _ in (p.values for p in EXPECTATIONS)}
    assert {form for _, form in forms} == set(FORMS)
    assert len(EXPECTATIONS) > 80 and len(COLUMN_RULES) > 60


@pytest.mark.parametrize(("year", "form", "item"), EXPECTATIONS)
def test_the_description_states_the_rule_not_the_failure(year: str, form: str, item: dict) -> None:
    description, meta = item["description"], item["meta"]
    assert description.endswith("。")
    plain = description.replace("请进来", "")  # 请进来 is the seed's name of an activity kind
    assert not [word for word in NEGATIVE if word in plain], description
    assert description != meta["msg_zh"]
    # The receipts' wording stays in meta: the failure and what to do about it.
    assert meta["msg_zh"] and meta["fix_zh"]


def _printed_column(form: str, item: dict) -> str | None:
    """The form's column a rule checks (its __invalid marker included), if it is printed."""
    column = str(item["kwargs"].get("column", "")).removesuffix("__invalid")
    return column if column in {c.key for c in FORMS[form].columns} else None


COLUMN_RULES = [p for p in EXPECTATIONS if _printed_column(p.values[1], p.values[2])]


@pytest.mark.parametrize(("year", "form", "item"), COLUMN_RULES)
def test_a_column_rule_names_the_column_as_the_form_prints_it(
    year: str, form: str, item: dict
) -> None:
    col = FORMS[form].column(_printed_column(form, item) or "")
    named = {f"「{col.label}」", f"「{col.header}」"}
    assert any(name in item["description"] for name in named), item["description"]


def test_the_example_of_the_issue_reads_as_written() -> None:
    a5 = json.loads((Path(EXPECTATIONS_DIR) / "2023" / "a5.json").read_text(encoding="utf-8"))
    [item] = [e for e in a5["expectations"] if e["meta"]["rule"] == "a5.dates.not_after_period"]
    assert item["description"] == "「起止时间」在本期报表截止月份之内。"
    assert item["meta"]["msg_zh"] == "「起止时间」晚于本期报表截止月份。"
