"""The workbooks units receive and send: seed layout, real types, and no formula injection."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from bixue.forms.spec import FORMS, WORKBOOK_NAMES, WORKBOOKS, period_title
from bixue.forms.templates import render_workbook, sheet_layout, write_templates, write_workbook

FORMULA_TEXTS = (
    "=1+1",
    '=HYPERLINK("http://x.example","点我")',
    "+86 13800000000",
    "-3亿元",
    "@SUM(A1:A3)",
    "  =cmd|' /C calc'!A0",
    "#N/A",
)


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("templates")
    paths = write_templates(out, year=2023)
    return {path.stem: path for path in paths}


def _cell_text(ws, row: int, col: int) -> object:
    return ws.cell(row=row, column=col).value


def _merged(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


def test_one_template_per_workbook_named_as_circulated(templates: dict[str, Path]) -> None:
    assert set(templates) == set(WORKBOOK_NAMES.values())
    for key, forms in WORKBOOKS.items():
        wb = openpyxl.load_workbook(templates[WORKBOOK_NAMES[key]])
        assert wb.sheetnames == [FORMS[f].sheet for f in forms]


@pytest.mark.parametrize("workbook", list(WORKBOOKS))
def test_template_heading_has_label_title_blank_period_and_submitter(
    templates: dict[str, Path], workbook: str
) -> None:
    wb = openpyxl.load_workbook(templates[WORKBOOK_NAMES[workbook]])
    for form_key in WORKBOOKS[workbook]:
        spec = FORMS[form_key]
        ws = wb[spec.sheet]
        layout = sheet_layout(spec)
        last = openpyxl.utils.get_column_letter(len(spec.columns))
        assert ws["A1"].value == spec.attachment
        assert ws["A2"].value == spec.title
        assert ws["A2"].font.b and ws["A2"].font.sz >= 14
        assert ws["A2"].alignment.horizontal == "center"
        assert f"A2:{last}2" in _merged(ws)
        assert _cell_text(ws, layout.period_row, 1) == "（2023年1— 月）"
        assert f"A{layout.period_row}:{last}{layout.period_row}" in _merged(ws)
        assert _cell_text(ws, layout.submitter_row, 1) == "填报单位："


@pytest.mark.parametrize("form_key", list(FORMS))
def test_headers_sit_in_the_header_row_bold_and_bordered(
    templates: dict[str, Path], form_key: str
) -> None:
    spec = FORMS[form_key]
    workbook = next(k for k, forms in WORKBOOKS.items() if form_key in forms)
    ws = openpyxl.load_workbook(templates[WORKBOOK_NAMES[workbook]])[spec.sheet]
    layout = sheet_layout(spec)
    for idx, col in enumerate(spec.columns, start=1):
        cell = ws.cell(row=layout.header_row, column=idx)
        if idx == 1 or spec.columns[idx - 2].header != col.header:
            assert cell.value == col.header
            assert cell.font.b  # merged-over cells are reloaded as style-less MergedCells
        assert cell.border.top.style == "thin"
    assert ws.freeze_panes == f"A{layout.first_data_row}"
    widths = [
        ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width
        for i in range(1, len(spec.columns) + 1)
    ]
    assert widths == [c.width for c in spec.columns]


def test_stats_funds_two_row_header_merges_parents_over_sub_headings(
    templates: dict[str, Path],
) -> None:
    ws = openpyxl.load_workbook(templates[WORKBOOK_NAMES["stats_funds"]]).active
    assert [ws.cell(row=5, column=c).value for c in range(1, 7)] == [
        "县市",
        "行业",
        "州外产业到位资金（亿元）",
        None,
        "省外产业到位资金（亿元）",
        None,
    ]
    assert [ws.cell(row=6, column=c).value for c in range(3, 7)] == [
        "本年累计",
        "上年同期",
        "本年累计",
        "上年同期",
    ]
    assert {"A5:A6", "B5:B6", "C5:D5", "E5:F5"} <= _merged(ws)
    assert ws.freeze_panes == "A7"


def test_a3_hint_row_under_header_and_data_below_it(templates: dict[str, Path]) -> None:
    spec = FORMS["a3"]
    ws = openpyxl.load_workbook(templates[WORKBOOK_NAMES["a3"]]).active
    assert sheet_layout(spec).hint_row == 6
    hints = {spec.columns[c - 1].key: ws.cell(row=6, column=c).value for c in range(1, 10)}
    assert hints["site"] == "填到县市、高新区"
    assert hints["issues"].startswith("如果有")
    assert hints["project_name"] is None
    assert ws["D6"].font.i
    assert ws.freeze_panes == "A7"


@pytest.mark.parametrize("workbook", list(WORKBOOKS))
def test_blank_template_has_ten_empty_bordered_rows_then_notes(
    templates: dict[str, Path], workbook: str
) -> None:
    wb = openpyxl.load_workbook(templates[WORKBOOK_NAMES[workbook]])
    for form_key in WORKBOOKS[workbook]:
        spec = FORMS[form_key]
        ws = wb[spec.sheet]
        first = sheet_layout(spec).first_data_row
        for row in range(first, first + 10):
            assert all(
                ws.cell(row=row, column=c).value is None for c in range(1, len(spec.columns) + 1)
            )
            assert ws.cell(row=row, column=len(spec.columns)).border.bottom.style == "thin"
        assert ws.cell(row=first + 10, column=1).value is None
        notes = [ws.cell(row=first + 11 + i, column=1).value for i in range(len(spec.notes))]
        assert notes == list(spec.notes)
        assert ws.cell(row=first + 11, column=1).alignment.wrap_text


def test_filled_workbook_writes_period_unit_numbers_and_dates(tmp_path: Path) -> None:
    rows = {
        "ledger_trips": [
            {
                "trip": "赴深圳开展绿色硅光伏产业招商活动",
                "dates": "5月3日至5月5日",
                "place": "广东省深圳市",
                "scope": "省外",
                "leader": "张某某（禄丰市委书记）",
                "leader_kind": "县市党政主要领导",
            }
        ],
        "ledger_signings": [
            {
                "project_name": "年产10万吨高纯工业硅项目",
                "partner": "上海鼎盛新能源科技有限公司",
                "site": "禄丰市",
                "signed_on": date(2023, 5, 8),
                "investment_yi": 12.5,
            },
            {
                "project_name": "饲料加工项目",
                "partner": "四川博远农牧科技有限公司",
                "site": "禄丰市",
                "signed_on": date(2023, 5, 9),
                "investment_yi": 0.8,
                "seq": 9,
            },
        ],
    }
    path = write_workbook(
        "ledger", tmp_path / "ledger.xlsx", year=2023, month=5, unit="禄丰市", rows=rows
    )
    wb = openpyxl.load_workbook(path)
    trips, signings = wb["外出招商"], wb["新签约项目"]
    for ws in (trips, signings):
        assert ws["A3"].value == period_title(2023, 5) == "（2023年1—5月）"
        assert ws["A4"].value == "填报单位：禄丰市"
    first = sheet_layout(FORMS["ledger_signings"]).first_data_row
    assert [signings.cell(row=first + i, column=1).value for i in range(2)] == [1, 9]
    signed = signings.cell(row=first, column=5)
    assert signed.value == datetime(2023, 5, 8)
    assert signed.is_date and signed.number_format == "yyyy-mm-dd"
    amount = signings.cell(row=first + 1, column=6)
    assert amount.value == 0.8 and amount.data_type == "n"
    trip_row = sheet_layout(FORMS["ledger_trips"]).first_data_row
    assert trips.cell(row=trip_row, column=5).value == "省外"
    # Data rows are followed by a blank row and the notes, not by blank template rows.
    assert signings.cell(row=first + 3, column=1).value == FORMS["ledger_signings"].notes[0]


def test_formula_like_text_is_stored_as_literal_text(tmp_path: Path) -> None:
    records = [
        {"project_name": text, "partner": text, "site": "楚雄市", "investment_yi": 6}
        for text in FORMULA_TEXTS
    ]
    path = write_workbook(
        "a3",
        tmp_path / "evil.xlsx",
        year=2023,
        month=3,
        unit='=HYPERLINK("x")',
        rows={"a3": records},
    )
    first = sheet_layout(FORMS["a3"]).first_data_row
    ws = openpyxl.load_workbook(path).active
    for i, text in enumerate(FORMULA_TEXTS):
        cell = ws.cell(row=first + i, column=2)
        assert cell.data_type == "s"
        assert cell.value == text
    assert ws.cell(row=first, column=2).quotePrefix
    assert ws["A4"].data_type == "s"
    with zipfile.ZipFile(path) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sheet1")
    values = sheet.to_python()
    assert [values[first - 1 + i][1] for i in range(len(FORMULA_TEXTS))] == list(FORMULA_TEXTS)
    assert values[3][0] == '填报单位：=HYPERLINK("x")'


def test_same_arguments_give_identical_bytes_with_fixed_timestamps() -> None:
    rows = {"a3": [{"project_name": "禄丰钒钛新材料产业园项目", "investment_yi": 20}]}
    first = render_workbook("a3", year=2023, month=4, unit="禄丰市", rows=rows)
    second = render_workbook("a3", year=2023, month=4, unit="禄丰市", rows=rows)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2023, 4, 1, 9, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2023-04-01T09:00:00Z" in core
    stamped = render_workbook(
        "a3", year=2023, month=4, unit="禄丰市", rows=rows, stamp=datetime(2023, 4, 15, 10, 30)
    )
    with zipfile.ZipFile(io.BytesIO(stamped)) as archive:
        assert "2023-04-15T10:30:00Z" in archive.read("docProps/core.xml").decode()


def test_unknown_workbook_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="unknown workbook"):
        write_workbook("a9", tmp_path / "x.xlsx", year=2023, month=1, unit=None)
