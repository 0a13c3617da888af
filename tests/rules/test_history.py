"""Rules across submissions: first reports bring their documents, stages do not go back,
projects do not vanish, and 附件4 funds stay within the statistics."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from bixue.config import CONFIG_DIR, ConfigError, Settings
from bixue.forms.parse import ParsedSheet
from bixue.model import Submission
from bixue.rules.check import apply_severities
from bixue.rules.history import (
    Document,
    Evidence,
    PriorReport,
    PriorSigning,
    check_funds,
    check_not_started,
    check_projects,
    check_signings,
)
from bixue.rules.problem import Problem
from tests.factories import submission

SEVERITIES = {"a3.evidence_missing": "warning", "a3.stage_backwards": "error"}


def _sub(period: str = "2023-05") -> Submission:
    return submission(sender="x", period=period)


def _sheet(rows: list[tuple[str, str]]) -> ParsedSheet:
    frame = pd.DataFrame(
        [{"excel_row": 7 + i, "project_name": n, "stage": s} for i, (n, s) in enumerate(rows)]
    )
    return ParsedSheet("a3", "Sheet1", frame, {"project_name": 1, "stage": 6})


def _evidence(*names: str, period: str = "2023-05") -> Evidence:
    docs = [Document("禄丰市", period, n, "m0") for n in names]
    return Evidence.of(docs, "禄丰市", "2023-05")


ANY = _evidence("协议.pdf")
PRIOR = [
    PriorReport("禄丰市", "2023-03", "钛项目", "在谈"),
    PriorReport("禄丰市", "2023-04", "钛项目", "已开工"),
    PriorReport("禄丰市", "2023-04", "硅项目", "已签约"),
    PriorReport("南华县", "2023-04", "茶项目", "在谈"),
]


def _rules(problems: list[Problem]) -> list[tuple[str, int | None, str | None, str]]:
    return [(p.rule, p.row, p.column, p.severity) for p in problems]


def test_a_new_project_without_its_documents_is_flagged_at_its_stage() -> None:
    sheet = _sheet([("钛项目", "已开工"), ("硅项目", "已签约"), ("新项目", "在谈")])
    found = check_projects(_sub(), sheet, PRIOR, Evidence(), severities=SEVERITIES)
    assert _rules(found) == [("a3.evidence_missing", 9, "G", "warning")]
    assert "投资建议书或意向书" in found[0].message


def test_a_new_project_with_its_own_document_in_the_mail_passes() -> None:
    sheet = _sheet([("钛项目", "已开工"), ("硅项目", "已签约"), ("新项目", "已签约")])
    assert check_projects(_sub(), sheet, PRIOR, _evidence("新项目协议.pdf"), SEVERITIES) == []


def test_a_stage_that_goes_back_is_flagged_with_both_stages() -> None:
    sheet = _sheet([("钛项目", "已签约"), ("硅项目", "已签约")])
    [found] = check_projects(_sub(), sheet, PRIOR, ANY, severities=SEVERITIES)
    assert _rules([found]) == [("a3.stage_backwards", 7, "G", "error")]
    assert "“已开工”变为“已签约”" in found.message


def test_a_project_missing_from_the_cumulative_report_is_flagged() -> None:
    sheet = _sheet([("钛项目", "已开工")])
    [found] = check_projects(_sub(), sheet, PRIOR, ANY, severities=SEVERITIES)
    assert (found.rule, found.row) == ("a3.project_disappeared", None)
    assert "硅项目" in found.message


def test_other_units_and_later_months_are_not_compared() -> None:
    sheet = _sheet([("钛项目", "在谈")])
    evidence = Evidence.of(
        [Document("禄丰市", "2023-03", "钛项目意向书.pdf", "m0")], "禄丰市", "2023-03"
    )
    assert check_projects(_sub("2023-03"), sheet, PRIOR, evidence, SEVERITIES) == []


def test_enclave_funds_above_the_county_statistics_are_flagged() -> None:
    sub = _sub()
    frame = pd.DataFrame(
        [
            {"excel_row": 6, "site": "双柏县", "funds_yi": 3.0},
            {"excel_row": 7, "site": "双柏县", "funds_yi": 2.5},
        ]
    )
    sub.sheets = [ParsedSheet("a4", "Sheet1", frame, {})]
    check_funds([sub], {"双柏县": Decimal("5")}, {})
    assert [p.rule for p in sub.problems] == ["a4.funds_exceed_statistics"]
    check_funds([sub], {}, {})  # no statistics yet: nothing more
    assert len(sub.problems) == 1


def test_configured_severity_overrides_the_suite() -> None:
    sub = _sub()
    sub.problems = [Problem(rule="a5.qualifies", message="x", severity="error")]
    [checked] = apply_severities([sub], {"a5.qualifies": "warning"})
    assert checked.status == "accepted"


def test_a_severity_for_an_unknown_rule_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    (config / "checks.yaml").write_text("severity:\n  a3.made_up: warning\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"checks\.yaml：键 severity\.a3\.made_up"):
        Settings(home=tmp_path, config_dir=config).validate()


def _dated(form: str, dates: list[tuple[str, str | None]]) -> ParsedSheet:
    """A dated sheet as the parser gives it: 起止时间 and its start as ISO text."""
    frame = pd.DataFrame(
        [
            {"excel_row": 6 + i, "dates": text, "dates_start": start}
            for i, (text, start) in enumerate(dates)
        ]
    )
    return ParsedSheet(
        form, "外出招商" if form == "ledger_trips" else "Sheet1", frame, {"dates": 2}
    )


CST = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("form", "received", "flagged"),
    [
        # received 1-11 10:00 Beijing time: the 1月15日 trip has not happened yet
        ("ledger_trips", datetime(2023, 1, 11, 2, 0, tzinfo=UTC), [7]),
        ("a5", datetime(2023, 1, 11, 2, 0, tzinfo=UTC), [7]),
        # received 1-14 23:30 UTC is 1-15 in Beijing: the trip starts that day
        ("ledger_trips", datetime(2023, 1, 14, 23, 30, tzinfo=UTC), []),
        ("ledger_trips", datetime(2023, 1, 20, 9, 0, tzinfo=CST), []),
        ("a3", datetime(2023, 1, 11, 2, 0, tzinfo=UTC), []),  # not a dated form
        ("ledger_trips", None, []),  # no receipt time: nothing to compare with
    ],
)
def test_a_trip_or_activity_starting_after_its_mail_was_received_is_not_yet_held(
    form: str, received: datetime | None, flagged: list[int]
) -> None:
    sub = submission(period="2023-01", received_at=received)
    sheet = _dated(
        form,
        [("1月5日至1月8日", "2023-01-05"), ("1月15日至1月18日", "2023-01-15"), ("", None)],
    )
    found = check_not_started(sub, sheet, CST, {})
    assert [(p.row, p.severity, p.value) for p in found] == [
        (row, "warning", "1月15日至1月18日") for row in flagged
    ]
    for problem in found:
        assert problem.rule == f"{form}.not_started" and problem.column == "C"
        assert "活动尚未开展" in problem.message and "请在活动开展后的月份报送" in (
            problem.fix or ""
        )


SIGNED = [
    PriorSigning("禄丰市", "2023-03", "新签约项目", 6, "硅材料项目"),
    PriorSigning("禄丰市", "2023-04", "新签约项目", 7, "硅材料项目"),
    PriorSigning("禄丰市", "2023-04", "新签约项目", 6, "钛白粉项目"),
    PriorSigning("南华县", "2023-02", "新签约项目", 6, "茶叶加工项目"),
]


@pytest.mark.parametrize(
    ("period", "names", "expected"),
    [
        # named like an earlier month's signing (after normalising): flagged against the first
        ("2023-05", ["硅材料 项目", "新项目"], [(6, "2023年3月报表工作表「新签约项目」第6行")]),
        ("2023-05", ["钛白粉项目"], [(6, "2023年4月报表工作表「新签约项目」第6行")]),
        ("2023-05", ["茶叶加工项目"], []),  # another county's project
        ("2023-04", ["钛白粉项目"], []),  # the same month again (a resubmission) is not earlier
        ("2023-05", ["硅材料（二期）项目"], []),  # a new phase with its own name
    ],
)
def test_a_signing_repeated_from_an_earlier_month_is_flagged_naming_both_rows(
    period: str, names: list[str], expected: list[tuple[int, str]]
) -> None:
    sub = submission(period=period, workbook="ledger")
    frame = pd.DataFrame([{"excel_row": 6 + i, "project_name": n} for i, n in enumerate(names)])
    sheet = ParsedSheet("ledger_signings", "新签约项目", frame, {"project_name": 1})
    found = check_signings(sub, sheet, SIGNED, {})
    assert [(p.row, p.rule, p.column, p.severity) for p in found] == [
        (row, "ledger_signings.repeated", "B", "warning") for row, _ in expected
    ]
    for problem, (row, earlier) in zip(found, expected, strict=True):
        assert earlier in problem.message
        assert (
            f"本期（{period[:4]}年{int(period[5:])}月）工作表「新签约项目」第{row}行"
            in problem.message
        )
