"""Reading real-world workbooks: headers found by content, cells normalised or refused per cell."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest

from bixue.forms.parse import (
    find_period,
    find_submitter,
    parse_workbook,
    to_date,
    to_date_range,
    to_month,
    to_number,
)
from bixue.forms.spec import A3, STATS_FUNDS

INVEST = A3.column("investment_yi")
FDI = pytest.importorskip("bixue.forms.spec").STATS_FDI.column("fdi_wan_usd")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12, 12.0),
        (12.5, 12.5),
        ("12", 12.0),
        ("１２．５", 12.5),  # full-width digits and point
        ("12亿元", 12.0),
        ("12 亿", 12.0),
        ("50000万元", 5.0),
        ("1,200", 1200.0),
        ("约五亿", None),
        ("12亿美元", None),  # a currency the column does not take
        ("", None),
        (True, None),
    ],
)
def test_amounts_in_yi_are_normalised_or_refused(raw: object, expected: float | None) -> None:
    assert to_number(raw, INVEST) == expected


def test_amounts_in_wan_usd_take_their_own_units() -> None:
    assert to_number("300万美元", FDI) == 300.0
    assert to_number("1亿美元", FDI) == 10000.0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (datetime(2023, 3, 1), date(2023, 3, 1)),
        (44986, date(2023, 3, 1)),  # Excel serial
        ("2023.3.1", date(2023, 3, 1)),
        ("2023-03-01", date(2023, 3, 1)),
        ("2023/3/1", date(2023, 3, 1)),
        ("2023年3月1日", date(2023, 3, 1)),
        ("3月1日", date(2023, 3, 1)),  # inside the reporting year
        ("2023年2月30日", None),
        ("下旬", None),
    ],
)
def test_dates_in_every_common_spelling(raw: object, expected: date | None) -> None:
    assert to_date(raw, 2023) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3月5日至3月8日", (date(2023, 3, 5), date(2023, 3, 8))),
        ("3月5日至8日", (date(2023, 3, 5), date(2023, 3, 8))),
        ("3月5日-3月8日", (date(2023, 3, 5), date(2023, 3, 8))),
        ("３月５日", (date(2023, 3, 5), date(2023, 3, 5))),
        ("3月8日至3月5日", None),  # ends before it starts
        ("月 日至 月 日", None),  # the template's hint left in place
    ],
)
def test_activity_date_ranges(raw: str, expected: tuple[date, date] | None) -> None:
    assert to_date_range(raw, 2023) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2023年3月", "2023-03"),
        ("2023.3", "2023-03"),
        (date(2023, 3, 9), "2023-03"),
        ("三月", None),
    ],
)
def test_start_month(raw: object, expected: str | None) -> None:
    assert to_month(raw) == expected


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ([["（2023年1—5月）"]], (2023, 5)),
        ([["（2023年1-5月）"]], (2023, 5)),
        ([["（２０２３年１～５月）"]], (2023, 5)),
        ([["2023年1月至5月"]], (2023, 5)),
        ([["2023年5月"]], (2023, 5)),
        ([["（2023年1— 月）"]], None),  # the blank template
    ],
)
def test_period_from_title_lines(cells: list[list[str]], expected: tuple[int, int] | None) -> None:
    assert find_period(cells, 5) == expected


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ([["填报单位：禄丰市"]], "禄丰市"),
        ([["填报单位:", "", "禄丰市"]], "禄丰市"),
        ([["填报单位：禄丰市招商局      填报日期：2023-05-18"]], "禄丰市招商局"),
        ([["填报单位："]], ""),  # there, but left blank
        ([["填报单位：", "填报单位：", "填报单位："]], ""),  # a blank merged line's copies
        ([["填报单位：", "填报单位：", "楚雄市"]], "楚雄市"),
        ([["制表人：张三"]], None),  # no such line at all
    ],
)
def test_submitter_line(cells: list[list[str]], expected: str | None) -> None:
    assert find_submitter(cells, 5) == expected


def _book(rows: list[list[object]], merges: list[str] = ()) -> bytes:  # type: ignore[assignment]
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
    for rng in merges:
        ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


A3_HEADER = [
    "序号",
    "项目名称",
    "州外合作\n方企业（单\n位）名称",
    "项目\n（拟）建\n设地点",
    "计划（协\n议）投资\n额（亿元）",
    "项目合作内容",
    "项目进\n展",
    "在谈项目洽谈情况或已签约项目推进情况",
    "存在困难问题及需协同配合事项",
]


def test_messy_a3_is_read_from_wherever_its_header_sits() -> None:
    content = _book(
        [
            ["附件3"],
            [None],
            ["5亿元以上重点产业招商引资项目推进情况月报表"],
            ["（2023年1—5月）"],
            ["填报单位：禄丰市招商局"],
            [None, *A3_HEADER],  # shifted one column right
            [
                None,
                None,
                None,
                None,
                "填到县市、高新区",
                None,
                "项目建设规模、项目生产能力、主要建设内容等",
            ],
            [None, 1, "钛白粉项目", "上海某公司", "禄丰市", "１２亿元", "x", "在谈"],
            [None],
            [None, 2, "硅项目", "江苏某公司", "禄丰市", "约五亿", "y", "已签约"],
            [None, "合计", None, None, None, 12],
            [None, "注1.本表用以进行招商引资工作过程的督促"],
            [None, 3, "注释之后的行", "x", "禄丰市", 9, "", "在谈"],
        ]
    )
    book = parse_workbook(content)
    assert book.workbook == "a3"
    assert book.period == (2023, 5)
    assert book.unit_text == "禄丰市招商局"
    [sheet] = book.sheets
    assert sheet.letter("project_name") == "C"
    assert sheet.frame["excel_row"].tolist() == [8, 10]
    assert sheet.frame["investment_yi"].tolist() == [12.0, None]
    assert sheet.frame["investment_yi__invalid"].tolist() == [None, "约五亿"]


def test_two_row_merged_header_maps_each_sub_column() -> None:
    header = ["县市", "行业", "州外产业到位资金（亿元）", None, "省外产业到位资金（亿元）", None]
    sub = [None, None, "本年累计", "上年同期", "本年累计", "上年同期"]
    content = _book(
        [
            ["国内合作产业到位资金统计表"],
            ["（2023年1—3月）"],
            ["填报单位：州招商委办公室统计组"],
            header,
            sub,
            ["禄丰市", "批发业", 1.5, 1.2, 0.8, 0.7],
        ],
        merges=["A4:A5", "B4:B5", "C4:D4", "E4:F4"],
    )
    book = parse_workbook(content)
    assert book.workbook == "stats_funds"
    [sheet] = book.sheets
    assert sheet.columns == {c.key: i for i, c in enumerate(STATS_FUNDS.columns)}
    row = sheet.frame.iloc[0]
    assert (row["out_pref_yi"], row["out_pref_prior_yi"], row["out_prov_yi"]) == (1.5, 1.2, 0.8)


def test_a_workbook_that_is_no_form_is_one_clear_problem() -> None:
    book = parse_workbook(_book([["随便写的表"], ["a", "b"], [1, 2]]))
    assert book.sheets == []
    assert [p.rule for p in book.problems] == ["form_unknown"]


def test_a_file_that_is_not_a_workbook_is_refused_not_crashed() -> None:
    book = parse_workbook(b"PK\x03\x04 not really a zip")
    assert [p.rule for p in book.problems] == ["unreadable"]
