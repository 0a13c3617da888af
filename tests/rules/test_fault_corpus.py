"""A corpus of faulty workbooks, each breaking one rule: each yields exactly that rule at exactly
that cell, and the same workbooks unbroken pass."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bixue.config import Settings
from bixue.forms.spec import FORMS, WORKBOOKS
from bixue.forms.submissions import read_submission
from bixue.forms.templates import render_workbook, sheet_layout
from bixue.model import LandedAttachment, Submission
from bixue.rules.check import apply_severities, validate_submissions
from bixue.rules.problem import column_letter
from tests.factories import landed_message

SENDERS = {"a3": "禄丰市", "a4": "飞地经济招商组", "a5": "绿色硅光伏产业招商组", "ledger": "禄丰市"}
PROVIDER = "州招商委办公室统计组"

GOOD: dict[str, list[dict[str, Any]]] = {
    "a3": [
        {
            "project_name": f"年产{n}万吨高纯硅项目",
            "partner": "江苏某新能源科技有限公司",
            "site": "禄丰市",
            "investment_yi": 12 + n,
            "content": "高纯硅生产线",
            "stage": "在谈",
        }
        for n in (1, 2, 3)
    ],
    "a4": [
        {
            "project_name": f"海绵钛项目{n}",
            "partner": "四川某钒钛科技有限公司",
            "local_company": "双柏某钒钛科技有限公司",
            "site": "双柏县",
            "start_month": "2023年3月",
            "content": "海绵钛生产线",
            "funds_yi": 1.5,
            "project_code": f"2023—532322—04—01—00012{n}",
        }
        for n in (1, 2)
    ],
    "a5": [
        {
            "activity": f"赴上海光伏产业招商推介会{n}",
            "dates": f"5月{n + 7}日至5月{n + 9}日",
            "place": "上海市、苏州市",
            "leader": "王某某（州人民政府副州长）",
            "lead_unit": "绿色硅光伏产业招商组",
            "participants": "禄丰市、州发展改革委",
            "companies": "甲公司、乙公司",
            "talks": "洽谈项目3个",
            "signed_projects": "",
        }
        for n in (1, 2)
    ],
    "ledger_trips": [
        {
            "trip": f"赴深圳招商{n}",
            "dates": f"5月{n + 2}日至5月{n + 4}日",
            "place": "广东省深圳市",
            "scope": "省外",
            "leader": "李某某（县委书记）",
            "leader_kind": "县市党政主要领导",
            "companies": "对接企业3户",
            "evidence": "外出报备表",
        }
        for n in (1, 2)
    ],
    "ledger_signings": [
        {
            "project_name": f"农产品加工项目{n}",
            "partner": "云南某农业发展有限公司",
            "site": "禄丰市",
            "signed_on": date(2023, 5, n + 5),
            "investment_yi": 3.5 * n,
            "evidence": "投资协议",
        }
        for n in (1, 2)
    ],
    "stats_funds": [
        {
            "county": c,
            "industry": i,
            "out_pref_yi": 1.5,
            "out_pref_prior_yi": 1.2,
            "out_prov_yi": 0.8,
            "out_prov_prior_yi": 0.7,
        }
        for c in ("禄丰市", "双柏县")
        for i in ("批发业", "零售业")
    ],
    "stats_fdi": [
        {"county": c, "fdi_wan_usd": 120, "fdi_prior_wan_usd": 100} for c in ("禄丰市", "双柏县")
    ],
}


@dataclass
class Case:
    """One fault: change `field` of data row `index` (0-based) of `form` to `value`."""

    id: str
    form: str
    index: int
    field: str
    value: Any
    rule: str
    rows: tuple[int, ...] = ()  # more data rows expected besides `index` (duplicates)
    severity: str = "error"
    extra: dict[str, Any] = field(default_factory=dict)  # other fields of the same row
    at: str | None = None  # the field whose cell the problem points at, when not `field`


CASES = [
    Case("a3-name-blank", "a3", 1, "project_name", None, "a3.project_name.required"),
    Case("a3-partner-blank", "a3", 0, "partner", None, "a3.partner.required"),
    Case("a3-site-blank", "a3", 2, "site", None, "a3.site.required"),
    Case("a3-site-outside", "a3", 1, "site", "昆明市", "a3.site.in_set"),
    Case("a3-amount-words", "a3", 0, "investment_yi", "约五亿", "a3.investment_yi.number"),
    Case("a3-amount-dollars", "a3", 1, "investment_yi", "12亿美元", "a3.investment_yi.number"),
    Case("a3-amount-small", "a3", 2, "investment_yi", 3, "a3.investment_yi.min"),
    Case("a3-amount-yuan", "a3", 1, "investment_yi", 800000000, "a3.investment_yi.max"),
    Case("a3-stage-blank", "a3", 0, "stage", None, "a3.stage.required"),
    Case("a3-stage-unknown", "a3", 1, "stage", "洽谈中", "a3.stage.in_set"),
    Case("a3-duplicate", "a3", 1, "project_name", "年产1万吨高纯硅项目", "a3.duplicate", rows=(0,)),
    Case("a4-code-format", "a4", 0, "project_code", "2023-5323-04-01-12", "a4.project_code.format"),
    Case(
        "a4-code-outside",
        "a4",
        1,
        "project_code",
        "2023—530102—04—01—000129",
        "a4.project_code.region",
    ),
    Case(
        "a4-code-other-county",
        "a4",
        1,
        "project_code",
        "2023—532301—04—01—000129",
        "a4.project_code.site",
    ),
    Case("a4-code-blank", "a4", 0, "project_code", None, "a4.project_code.required"),
    Case(
        "a4-code-duplicate",
        "a4",
        1,
        "project_code",
        "2023—532322—04—01—000121",
        "a4.duplicate",
        rows=(0,),
    ),
    Case("a4-funds-words", "a4", 0, "funds_yi", "约一亿", "a4.funds_yi.number"),
    Case("a4-funds-negative", "a4", 1, "funds_yi", -1, "a4.funds_yi.min"),
    Case("a4-funds-huge", "a4", 0, "funds_yi", 800, "a4.funds_yi.max"),
    Case("a4-site-outside", "a4", 0, "site", "昆明市", "a4.site.in_set"),
    Case("a4-start-month", "a4", 1, "start_month", "三月份", "a4.start_month.month"),
    Case("a5-name-blank", "a5", 0, "activity", None, "a5.activity.required"),
    Case("a5-dates-words", "a5", 1, "dates", "五月下旬", "a5.dates.date_range"),
    Case("a5-dates-later", "a5", 0, "dates", "7月1日至7月3日", "a5.dates.not_after_period"),
    Case("a5-place-blank", "a5", 1, "place", None, "a5.place.required"),
    Case("a5-lead-blank", "a5", 0, "lead_unit", None, "a5.lead_unit.required"),
    Case(
        "a5-inbound-not-counted",
        "a5",
        1,
        "place",
        "楚雄市",
        "a5.qualifies",
        severity="warning",
        at="companies",
    ),
    Case(
        "a5-duplicate",
        "a5",
        1,
        "activity",
        "赴上海光伏产业招商推介会1",
        "a5.duplicate",
        rows=(0,),
        extra={"dates": "5月8日至5月10日"},
    ),
    Case("trips-scope", "ledger_trips", 0, "scope", "国外", "ledger_trips.scope.in_set"),
    Case(
        "trips-leader-kind",
        "ledger_trips",
        1,
        "leader_kind",
        "县长",
        "ledger_trips.leader_kind.in_set",
    ),
    Case(
        "trips-later",
        "ledger_trips",
        0,
        "dates",
        "6月1日至6月2日",
        "ledger_trips.dates.not_after_period",
    ),
    Case("trips-leader-blank", "ledger_trips", 1, "leader", None, "ledger_trips.leader.required"),
    Case("trips-name-blank", "ledger_trips", 0, "trip", None, "ledger_trips.trip.required"),
    Case(
        "signings-bad-date",
        "ledger_signings",
        0,
        "signed_on",
        "2023年13月1日",
        "ledger_signings.signed_on.date",
    ),
    Case(
        "signings-later",
        "ledger_signings",
        1,
        "signed_on",
        date(2023, 7, 1),
        "ledger_signings.signed_on.not_after_period",
    ),
    Case(
        "signings-zero",
        "ledger_signings",
        0,
        "investment_yi",
        0,
        "ledger_signings.investment_yi.min",
    ),
    Case("signings-site", "ledger_signings", 1, "site", "大理市", "ledger_signings.site.in_set"),
    Case(
        "signings-huge",
        "ledger_signings",
        0,
        "investment_yi",
        9000,
        "ledger_signings.investment_yi.max",
    ),
    Case("funds-county", "stats_funds", 0, "county", "大理州", "stats_funds.county.in_set"),
    Case("funds-industry", "stats_funds", 1, "industry", "房地产业", "stats_funds.industry.in_set"),
    Case(
        "funds-province-above",
        "stats_funds",
        2,
        "out_prov_yi",
        2.0,
        "stats_funds.out_prov.within_out_pref",
    ),
    Case(
        "funds-negative",
        "stats_funds",
        3,
        "out_pref_prior_yi",
        -1,
        "stats_funds.out_pref_prior_yi.min",
    ),
    Case("fdi-negative", "stats_fdi", 0, "fdi_wan_usd", -5, "stats_fdi.fdi_wan_usd.min"),
    Case("fdi-duplicate", "stats_fdi", 1, "county", "禄丰市", "stats_fdi.duplicate", rows=(0,)),
]


def _workbook_of(form: str) -> str:
    return next(w for w, sheets in WORKBOOKS.items() if form in sheets)


def _rows(workbook: str) -> dict[str, list[dict[str, Any]]]:
    return {form: copy.deepcopy(GOOD[form]) for form in WORKBOOKS[workbook]}


def _submit(
    settings: Settings, tmp_path: Path, workbook: str, content: bytes, who: str | None = None
) -> Submission:
    """One workbook through the real recognise-and-parse path, then the suites."""
    path = tmp_path / f"{hashlib.sha256(content).hexdigest()}.xlsx"
    path.write_bytes(content)
    att = LandedAttachment(path.stem, "报表.xlsx", False, "xlsx", len(content), str(path))
    msg = landed_message(sender="x", attachments=[att])
    name = who or SENDERS.get(workbook, PROVIDER)
    role = "provider" if name == PROVIDER else "unit"
    sub = read_submission(settings, msg, att, name, role)
    [checked] = apply_severities(validate_submissions([sub]), settings.severities)
    return checked


def _render(workbook: str, rows: dict[str, list[dict[str, Any]]], unit: str | None = None) -> bytes:
    shown = unit or SENDERS.get(workbook, PROVIDER)
    return render_workbook(workbook, year=2023, month=5, unit=shown, rows=rows)


@pytest.mark.parametrize("workbook", list(WORKBOOKS))
def test_the_unbroken_workbooks_pass(settings: Settings, tmp_path: Path, workbook: str) -> None:
    sub = _submit(settings, tmp_path, workbook, _render(workbook, _rows(workbook)))
    assert sub.problems == []
    assert sub.status == "accepted"
    assert sub.rows == sum(len(GOOD[f]) for f in WORKBOOKS[workbook])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_fault_yields_exactly_its_rule_at_its_cell(
    settings: Settings, tmp_path: Path, case: Case
) -> None:
    workbook = _workbook_of(case.form)
    rows = _rows(workbook)
    rows[case.form][case.index] |= {case.field: case.value, **case.extra}
    sub = _submit(settings, tmp_path, workbook, _render(workbook, rows))
    spec = FORMS[case.form]
    layout = sheet_layout(spec)
    letter = column_letter([c.key for c in spec.columns].index(case.at or case.field))
    if case.rule.endswith(".duplicate"):
        key = {"a3": "project_name", "a4": "project_code", "a5": "activity", "stats_fdi": "county"}[
            case.form
        ]
        letter = column_letter([c.key for c in spec.columns].index(key))
    expected = sorted(
        (case.rule, spec.sheet, layout.data_row(i), letter, case.severity)
        for i in (case.index, *case.rows)
    )
    found = sorted((p.rule, p.sheet, p.row, p.column, p.severity) for p in sub.problems)
    assert found == expected
    assert sub.status == ("rejected" if case.severity == "error" else "accepted")


def test_a_renamed_header_is_one_missing_column(settings: Settings, tmp_path: Path) -> None:
    content = _render("a3", _rows("a3"))
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book[FORMS["a3"].sheet]
    header_row = sheet_layout(FORMS["a3"]).header_row
    sheet.cell(header_row, 3).value = "合作方"
    buf = io.BytesIO()
    book.save(buf)
    sub = _submit(settings, tmp_path, "a3", buf.getvalue())
    assert [(p.rule, p.row, p.header) for p in sub.problems] == [
        ("column_missing", header_row, "州外合作方企业（单位）名称")
    ]


def test_a_workbook_naming_another_unit_is_refused(settings: Settings, tmp_path: Path) -> None:
    sub = _submit(settings, tmp_path, "a3", _render("a3", _rows("a3"), unit="南华县"))
    assert [p.rule for p in sub.problems] == ["submitter_mismatch"]
    assert sub.status == "rejected"


def test_a_form_the_unit_does_not_submit_is_refused(settings: Settings, tmp_path: Path) -> None:
    sub = _submit(settings, tmp_path, "a5", _render("a5", _rows("a5"), unit="禄丰市"), "禄丰市")
    assert [p.rule for p in sub.problems] == ["form_not_for_unit"]


def test_a_title_without_its_period_is_a_warning(settings: Settings, tmp_path: Path) -> None:
    content = render_workbook("a3", year=2023, month=None, unit="禄丰市", rows=_rows("a3"))
    sub = _submit(settings, tmp_path, "a3", content)
    assert [(p.rule, p.severity) for p in sub.problems] == [("period_missing", "warning")]


def test_a_file_that_is_no_workbook_is_refused(settings: Settings, tmp_path: Path) -> None:
    sub = _submit(settings, tmp_path, "a3", b"PK\x03\x04 this is not a workbook")
    assert [p.rule for p in sub.problems] == ["unreadable"]


def test_the_corpus_holds_forty_faults_or_more() -> None:
    assert len(CASES) + 5 >= 40


def test_a_formula_saved_without_its_value_is_refused_at_its_cell(
    settings: Settings, tmp_path: Path
) -> None:
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(_render("a3", _rows("a3"))))
    sheet = book[FORMS["a3"].sheet]
    row = sheet_layout(FORMS["a3"]).data_row(1)
    sheet.cell(row, 5).value = "=E7*2"  # openpyxl writes the formula with no cached value
    buf = io.BytesIO()
    book.save(buf)
    sub = _submit(settings, tmp_path, "a3", buf.getvalue())
    found = [(p.rule, p.row, p.column) for p in sub.problems if p.rule == "formula_uncached"]
    assert found == [("formula_uncached", row, "E")]
    assert sub.status == "rejected"
