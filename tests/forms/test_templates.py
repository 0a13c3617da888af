"""The workbooks units receive and send: seed layout, real types, and no formula injection."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from openpyxl.worksheet.datavalidation import DataValidation

from bixue.config import Settings
from bixue.forms.parse import parse_workbook
from bixue.forms.spec import FORMS, WORKBOOK_NAMES, WORKBOOKS, period_title
from bixue.forms.submissions import open_period
from bixue.forms.templates import (
    LISTS_SHEET,
    build_workbook,
    column_choices,
    config_lists,
    render_workbook,
    sheet_layout,
    write_templates,
    write_workbook,
)
from tests.conftest import need

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
        assert notes == list(spec.notes_for(2023))
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


# ---------------------------------------------------------------- forms that prevent errors

EXPECTATIONS = Path(__file__).resolve().parents[2] / "expectations" / "2023"
# What the demo's faulty workbooks carry (bixue.sample): the drop-downs must refuse each one.
DEMO_REJECTED = {"stage": ("洽谈中", "签约"), "site": ("楚雄",)}


def _suite_rules(form: str) -> list[dict]:
    return json.loads((EXPECTATIONS / f"{form}.json").read_text(encoding="utf-8"))["expectations"]


def _validations(ws) -> dict[str, DataValidation]:
    """Each validated column letter of the data rows, with its validation."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[openpyxl.utils.get_column_letter(rng.min_col) + str(rng.min_row)] = dv
    return out


def _sheet_of(templates: dict[str, Path], form_key: str):
    workbook = next(k for k, forms in WORKBOOKS.items() if form_key in forms)
    return openpyxl.load_workbook(templates[WORKBOOK_NAMES[workbook]])[FORMS[form_key].sheet]


def _list_values(dv: DataValidation) -> list[str]:
    formula = dv.formula1
    assert formula.startswith('"') and formula.endswith('"'), formula
    return formula[1:-1].split(",")


LISTED = [(form, col.key) for form, spec in FORMS.items() for col in spec.columns if col.choices]


@pytest.mark.parametrize(("form_key", "key"), LISTED)
def test_closed_list_columns_carry_a_drop_down_of_exactly_what_the_rules_accept(
    templates: dict[str, Path], settings: Settings, form_key: str, key: str
) -> None:
    spec = FORMS[form_key]
    ws = _sheet_of(templates, form_key)
    layout = sheet_layout(spec)
    letter = openpyxl.utils.get_column_letter(spec.columns.index(spec.column(key)) + 1)
    dv = _validations(ws)[f"{letter}{layout.first_data_row}"]
    assert dv.type == "list" and dv.showErrorMessage and dv.errorStyle == "stop"
    assert str(dv.sqref) == f"{letter}{layout.first_data_row}:{letter}{layout.first_data_row + 9}"
    offered = _list_values(dv)
    assert offered == list(column_choices(spec.column(key), config_lists(settings)))
    [in_set] = [
        e
        for e in _suite_rules(form_key)
        if e["type"] == "expect_column_values_to_be_in_set" and e["kwargs"]["column"] == key
    ]
    assert offered == in_set["kwargs"]["value_set"]
    assert all(value not in offered for value in DEMO_REJECTED.get(key, ()))
    assert spec.column(key).header in dv.error


def test_the_demos_rejected_values_are_outside_the_drop_downs(settings: Settings) -> None:
    lists = config_lists(settings)
    stage = column_choices(FORMS["a3"].column("stage"), lists)
    site = column_choices(FORMS["a3"].column("site"), lists)
    assert {"洽谈中", "签约"}.isdisjoint(stage) and "已签约" in stage
    assert "楚雄" not in site and "楚雄市" in site


AMOUNTS = [
    (form, col.key) for form, spec in FORMS.items() for col in spec.columns if col.kind == "number"
]


@pytest.mark.parametrize(("form_key", "key"), AMOUNTS)
def test_amount_columns_take_only_numbers_above_the_rules_minimum_and_say_the_unit(
    templates: dict[str, Path], form_key: str, key: str
) -> None:
    spec = FORMS[form_key]
    col = spec.column(key)
    ws = _sheet_of(templates, form_key)
    letter = openpyxl.utils.get_column_letter(spec.columns.index(col) + 1)
    dv = _validations(ws)[f"{letter}{sheet_layout(spec).first_data_row}"]
    unit = "亿元" if "亿元" in col.header else "万美元"
    assert dv.type == "decimal" and dv.showInputMessage and dv.showErrorMessage
    assert unit in dv.promptTitle and unit in dv.prompt and "数字" in dv.prompt
    minimum = [
        e["kwargs"]
        for e in _suite_rules(form_key)
        if e["type"] == "expect_column_values_to_be_between"
        and e["kwargs"]["column"] == key
        and "min_value" in e["kwargs"]
    ]
    if not minimum:
        assert dv.operator == "between"
        return
    [rule] = minimum
    operator = "greaterThan" if rule.get("strict_min") else "greaterThanOrEqual"
    assert (dv.operator, float(dv.formula1)) == (operator, float(rule["min_value"]))


def test_a3s_amount_column_admits_five_yi_and_more(templates: dict[str, Path]) -> None:
    ws = _sheet_of(templates, "a3")
    dv = _validations(ws)["E7"]
    assert (dv.operator, dv.formula1) == ("greaterThanOrEqual", "5")
    assert "不小于5" in dv.prompt and "亿元" in dv.prompt


def test_the_seeds_submitter_hint_is_the_cells_input_message(templates: dict[str, Path]) -> None:
    ws = _sheet_of(templates, "a3")
    layout = sheet_layout(FORMS["a3"])
    assert ws.cell(row=layout.submitter_row, column=1).value == "填报单位："
    dv = _validations(ws)[f"A{layout.submitter_row}"]
    assert "招商组或县市、高新区" in dv.prompt and dv.showInputMessage


def test_a5s_copied_note_keeps_the_seeds_text_and_is_corrected_in_a_comment(
    templates: dict[str, Path],
) -> None:
    spec = FORMS["a5"]
    ws = _sheet_of(templates, "a5")
    row = sheet_layout(spec).first_data_row + 11
    cell = ws.cell(row=row, column=1)
    assert cell.value == spec.notes[0]
    assert "到位资金需与招商引资统计匹配" in cell.value  # the seed's words, unchanged
    assert cell.comment is not None and "附件4" in cell.comment.text
    assert "自行组织的招商活动" in cell.comment.text


def _texts(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]


def test_templates_for_2024_say_2024_throughout(tmp_path: Path) -> None:
    paths = write_templates(tmp_path, year=2024)
    texts = [t for p in paths for t in _texts(p)]
    assert "（2024年1— 月）" in texts
    assert any("楚雄高新区2024年处于" in t for t in texts)
    assert not [t for t in texts if "2023" in t]


@pytest.mark.parametrize(
    ("now", "period"),
    [
        ("2026-12-01T10:00:00+08:00", "2026-12"),
        ("2026-12-20T23:59:59+08:00", "2026-12"),
        ("2026-12-21T00:00:00+08:00", "2027-01"),
        ("2027-01-05T08:00:00+08:00", "2027-01"),
        ("2027-03-20T20:00:00+00:00", "2027-04"),  # 04:00 on the 21st in Chuxiong
    ],
)
def test_the_default_template_year_is_the_report_being_filled(
    settings: Settings, now: str, period: str
) -> None:
    assert open_period(settings, datetime.fromisoformat(now)) == period


def test_a_filled_in_template_still_reads_as_its_form(templates: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(templates[WORKBOOK_NAMES["a3"]])
    ws = wb.active
    first = sheet_layout(FORMS["a3"]).first_data_row
    ws.cell(row=4, column=1).value = "填报单位：禄丰市"
    values = ["1", "禄丰钒钛新材料产业园项目", "上海某某公司", "禄丰市", 20, "", "在谈"]
    for i, value in enumerate(values, start=1):
        ws.cell(row=first, column=i).value = value
    raw = io.BytesIO()
    wb.save(raw)
    parsed = parse_workbook(raw.getvalue())
    [sheet] = parsed.sheets
    assert sheet.form == "a3" and parsed.unit_text == "禄丰市"
    assert list(sheet.frame["project_name"]) == ["禄丰钒钛新材料产业园项目"]


def test_a_list_too_long_for_excel_goes_to_a_hidden_sheet(settings: Settings) -> None:
    lists = {**config_lists(settings), "industries": tuple(f"行业名称第{i}号" for i in range(40))}
    wb = build_workbook("stats_funds", year=2023, month=None, unit=None, lists=lists)
    assert wb.sheetnames == [FORMS["stats_funds"].sheet, LISTS_SHEET]
    hidden = wb[LISTS_SHEET]
    assert hidden.sheet_state == "hidden"
    assert [hidden.cell(row=i + 1, column=1).value for i in range(40)] == list(lists["industries"])
    dv = _validations(wb.active)["B7"]
    assert dv.formula1 == f"'{LISTS_SHEET}'!$A$1:$A$40"


def _gray_pixels(pgm: bytes) -> bytes:
    """The pixel bytes of a binary PGM (P5) as pdftoppm -gray writes it."""
    fields = pgm.split(maxsplit=4)
    assert fields[0] == b"P5" and fields[3] == b"255"
    return fields[4]


@pytest.mark.parametrize("workbook", ["a3", "ledger"])
def test_libreoffice_renders_the_template_with_its_drop_downs(
    templates: dict[str, Path], settings: Settings, tmp_path: Path, workbook: str
) -> None:
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    need(soffice is not None, "LibreOffice (soffice) not installed: run .ci/install-services")
    need(pdftoppm is not None, "pdftoppm (poppler-utils) not installed: run .ci/install-services")
    source = tmp_path / f"{workbook}.xlsx"
    source.write_bytes(templates[WORKBOOK_NAMES[workbook]].read_bytes())
    env = {**os.environ, "HOME": str(tmp_path / "lo-home")}
    for target in ("pdf", "xlsx"):
        command = [str(soffice), "--headless", "--convert-to", target, "--outdir"]
        subprocess.run(
            [*command, str(tmp_path / target), str(source)],
            env=env,
            timeout=180,
            check=True,
            capture_output=True,
        )
    pdf = tmp_path / "pdf" / f"{workbook}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    png = tmp_path / f"{workbook}-page"  # kept in the test's tmp dir to look at
    subprocess.run(
        [
            str(pdftoppm),
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(png),
        ],
        check=True,
        timeout=60,
    )
    assert png.with_suffix(".png").read_bytes().startswith(b"\x89PNG")
    subprocess.run(
        [
            str(pdftoppm),
            "-gray",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(png),
        ],
        check=True,
        timeout=60,
    )
    pixels = _gray_pixels(png.with_suffix(".pgm").read_bytes())
    dark = sum(1 for b in pixels if b < 128)
    assert dark > len(pixels) // 200, "the rendered page is blank"
    # LibreOffice read the validations: saved again by it, each drop-down is still there.
    resaved = openpyxl.load_workbook(tmp_path / "xlsx" / f"{workbook}.xlsx")
    for form_key in WORKBOOKS[workbook]:
        ws = resaved[FORMS[form_key].sheet]
        lists = {
            tuple(_list_values(dv))
            for dv in ws.data_validations.dataValidation
            if dv.type == "list"
        }
        wanted = {column_choices(c, config_lists(settings)) for c in FORMS[form_key].columns}
        assert wanted - {()} <= lists
