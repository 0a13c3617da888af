"""A hostile workbook among a month's good ones: refused with its reason, the month goes on."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest
import sqlalchemy as sa

from bixue.config import load_settings
from bixue.render.office_book import status_workbook
from bixue.sample.generate import generate_year
from bixue.warehouse.db import connect
from bixue.warehouse.dimensions import sync_dimensions
from bixue.warehouse.status import office_view
from tests.flows.running import run_month
from tests.forms import hostile
from tests.mail.corpus_mail import b_word, mail, part
from tests.test_textcell import INJECTIONS, formula_cells, text_values


@pytest.mark.parametrize(
    ("build", "rule"),
    [(hostile.far_text_cell, "sheet_too_large"), (hostile.inflated, "workbook_too_large")],
    ids=["text-cell-XFD1048576", "sheet-inflates-to-1GiB"],
)
@pytest.mark.prefect
def test_a_hostile_workbook_is_refused_alone_and_the_month_is_recorded(
    prefect_server: None, tmp_path: Path, build: object, rule: str
) -> None:
    settings = load_settings(tmp_path / "home")
    generate_year(settings.mailbox_path, settings, months=[1])
    raw = mail(
        part(b'Content-Disposition: attachment; filename="' + b_word("附件3.xlsx") + b'"\r\n',
             build()),  # type: ignore[operator]
        sender=b"<cxs@zs.chuxiong.example>",
        date=b"Mon, 16 Jan 2023 10:00:00 +0800",
        message_id=b"<hostile@zs.chuxiong.example>",
    )  # fmt: skip
    mailbox.Maildir(settings.mailbox_path, create=True).add(raw)
    counts = run_month(settings, "2023-01")
    engine = connect(settings.warehouse_url)
    with engine.connect() as conn:
        subs = conn.execute(
            sa.text(
                "select s.id, s.unit, s.status, "
                "exists(select 1 from problem p where p.submission_id = s.id and p.rule = :rule) "
                "from submission s where s.period = '2023-01'"
            ),
            {"rule": rule},
        ).all()
    refused = [s for s in subs if s[3]]
    assert len(refused) == 1 and refused[0][1] == "楚雄市" and refused[0][2] == "rejected"
    others = [s for s in subs if s is not refused[0]]
    assert len(others) > 20 and sum(s[2] == "accepted" for s in others) > 15
    assert counts["rows_loaded"] > 0
    receipts = [p.read_bytes() for p in settings.outbox_path.rglob("receipt-*.eml")]
    assert len(receipts) >= 20
    # the office's workbook of the month lists the refusal; the file is never opened again
    view = office_view(engine, settings, "2023-01")
    texts = [p["message"] for u in view["units"] for s in u["submissions"] for p in s["problems"]]
    assert any("文件未读取" in t for t in texts)


@pytest.mark.prefect
def test_the_office_workbook_keeps_injected_texts_as_text(
    prefect_server: None, tmp_path: Path
) -> None:
    settings = load_settings(tmp_path / "home")
    generate_year(settings.mailbox_path, settings, months=[1])
    run_month(settings, "2023-01")
    engine = connect(settings.warehouse_url)
    sync_dimensions(engine, settings)
    view = office_view(engine, settings, "2023-01")
    for i, unit in enumerate(view["units"]):
        text = INJECTIONS[i % len(INJECTIONS)]
        unit["unit"] = text
        for s in unit["submissions"]:
            s["filename"] = text
            for p in s["problems"]:
                p["value"], p["message"], p["fix"] = text, text, text
    book = status_workbook(settings, view)
    assert formula_cells(book) == []
    assert set(INJECTIONS) <= text_values(book)
