"""The monthly flow on Prefect's own server, from a real Maildir to the warehouse and the outbox."""

from __future__ import annotations

import email
import email.policy
import hashlib
import mailbox
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bixue.config import Settings, load_settings
from bixue.forms.spec import FORMS, WORKBOOK_NAMES
from bixue.forms.templates import render_workbook
from bixue.sample.generate import SampleYear, build_message, generate_year

pytestmark = pytest.mark.prefect
SH = ZoneInfo("Asia/Shanghai")


def _rows(settings: Settings, query: str, **params: Any) -> list[tuple]:
    engine = sa.create_engine(settings.warehouse_url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(query), params)]
    engine.dispose()
    return rows


def _snapshot(settings: Settings) -> dict[str, Any]:
    """Everything a run leaves behind: warehouse tables (less timestamps) and outbox bytes."""
    tables = ["message", "attachment", "submission", "problem", "notice", "deferral"]
    tables += [f"fact_{form}" for form in FORMS]
    state: dict[str, Any] = {}
    for table in tables:
        rows = _rows(settings, f"select * from {table}")
        state[table] = sorted(map(str, rows))
    state["outbox"] = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(settings.outbox_path.glob("*.eml"))
    }
    return state


def _ingest(settings: Settings, period: str) -> dict[str, int]:
    from flows.monthly_ingest import monthly_ingest

    return monthly_ingest(period=period, home=str(settings.home))


def test_known_values_mailed_in_come_back_out_of_the_warehouse(
    prefect_server: None, tmp_path: Path
) -> None:
    settings = load_settings(tmp_path / "home")
    rows = {
        "a3": [
            {
                "project_name": "年产5万吨高纯硅项目",
                "partner": "江苏某新能源科技有限公司",
                "site": "禄丰市",
                "investment_yi": 35.5,
                "content": "建设高纯硅生产线",
                "stage": "已签约",
                "progress": "已完成土地预审",
                "issues": "",
            },
            {
                "project_name": "钒钛新材料产业园项目",
                "partner": "四川某钒钛集团有限公司",
                "site": "禄丰市",
                "investment_yi": 12,
                "content": "钒钛深加工",
                "stage": "在谈",
            },
        ]
    }
    content = render_workbook("a3", year=2023, month=5, unit="禄丰市", rows=rows)
    raw = build_message(
        sender="lfs@zs.chuxiong.example",
        to=settings.office_address,
        subject="禄丰市2023年5月报表",
        sent_at=datetime(2023, 5, 18, 10, 0, tzinfo=SH),
        attachments=[(f"{WORKBOOK_NAMES['a3']}（禄丰市）.xlsx", content)],
        body="请审核。",
        name_encoding="rfc2047-gbk",
    )
    settings.home.mkdir(parents=True)
    mailbox.Maildir(settings.mailbox_path, create=True).add(raw)

    counts = _ingest(settings, "2023-05")

    assert (counts["received"], counts["accepted"], counts["rows_loaded"]) == (1, 1, 2)
    got = _rows(
        settings,
        "select project_name, partner, site, investment_yi, content, stage, progress "
        "from fact_a3 order by excel_row",
    )
    assert got == [
        (
            "年产5万吨高纯硅项目",
            "江苏某新能源科技有限公司",
            "禄丰市",
            35.5,
            "建设高纯硅生产线",
            "已签约",
            "已完成土地预审",
        ),
        (
            "钒钛新材料产业园项目",
            "四川某钒钛集团有限公司",
            "禄丰市",
            12.0,
            "钒钛深加工",
            "在谈",
            None,
        ),
    ]
    [(filename, unit, period, late)] = _rows(
        settings, "select filename, unit, period, late from submission"
    )
    assert (filename, unit, period, bool(late)) == (
        f"{WORKBOOK_NAMES['a3']}（禄丰市）.xlsx",
        "禄丰市",
        "2023-05",
        False,
    )
    [receipt] = settings.outbox_path.glob("receipt-*.eml")
    [status] = settings.outbox_path.glob("status-*.eml")
    to_office = email.message_from_bytes(status.read_bytes(), policy=email.policy.default)
    assert to_office["To"] == settings.office_address
    assert "未报送20个" in str(to_office["Subject"])  # 禄丰市 still owes its ledger
    assert "禄丰市（缺附表）" in to_office.get_body(("plain",)).get_content()
    parsed = email.message_from_bytes(receipt.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "lfs@zs.chuxiong.example"
    assert "已受理" in str(parsed["Subject"])
    assert "计入项目2个" in parsed.get_body(("plain",)).get_content()


@pytest.fixture(scope="module")
def sample_year(
    prefect_server: None, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, SampleYear, dict]:
    """The whole sample year mailed in at once and ingested month by month, as the demo does."""
    settings = load_settings(tmp_path_factory.mktemp("year"))
    year = generate_year(settings.mailbox_path, settings)
    counts = {m: _ingest(settings, f"2023-{m:02d}") for m in range(1, 13)}
    return settings, year, counts


def test_each_faulty_workbook_is_rejected_at_its_own_cell(sample_year: tuple) -> None:
    settings, year, _ = sample_year
    assert year.faulty
    for fault in year.faulty:
        spec = FORMS[fault["form"]]
        problems = _rows(
            settings,
            "select p.sheet, p.row, p.header, s.status from problem p "
            "join submission s on s.id = p.submission_id "
            "where s.unit = :unit and s.workbook = :workbook and s.period = :period "
            "and s.version = 1 and p.severity = 'error'",
            unit=fault["unit"],
            workbook=fault["workbook"],
            period=f"2023-{fault['month']:02d}",
        )
        assert problems == [
            (fault["sheet"], fault["row"], spec.column(fault["column"]).label, "rejected")
        ], fault


def test_a_rejection_names_sheet_row_and_column_in_the_receipt(sample_year: tuple) -> None:
    settings, year, _ = sample_year
    fault = year.faulty[0]
    [(col, header)] = _rows(
        settings,
        "select p.col, p.header from problem p join submission s on s.id = p.submission_id "
        "where s.unit = :unit and s.period = :period and p.severity = 'error'",
        unit=fault["unit"],
        period=f"2023-{fault['month']:02d}",
    )
    bodies = []
    for path in settings.outbox_path.glob("*.eml"):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if fault["unit"] in str(msg["Subject"]):
            bodies.append(msg.get_body(("plain",)).get_content())
    # the row's project or activity is named between row and column, when it has one
    where = re.compile(
        re.escape(f"工作表「{fault['sheet']}」第{fault['row']}行")
        + r"(（[^）]+）)?"
        + re.escape(f"{col}列「{header}」")
    )
    assert any(where.search(body) for body in bodies)


def test_the_rest_of_a_month_with_a_fault_still_loads(sample_year: tuple) -> None:
    settings, year, counts = sample_year
    for fault in year.faulty:
        month = counts[fault["month"]]
        assert month["accepted"] >= month["received"] - 2  # the fault (and at most one more)
        assert month["rows_loaded"] > 0
    statuses = _rows(settings, "select status, count(*) from submission group by status")
    assert dict(statuses)["accepted"] > 400


def test_late_mail_is_flagged_and_resubmissions_become_version_two(sample_year: tuple) -> None:
    settings, year, _ = sample_year
    for late in year.late:
        flags = _rows(
            settings,
            "select late from submission where unit = :unit and workbook = :workbook "
            "and period = :period",
            unit=late["unit"],
            workbook=late["workbook"],
            period=f"2023-{late['month']:02d}",
        )
        assert flags and all(bool(f[0]) for f in flags), late
    for resub in year.resubmitted:
        versions = _rows(
            settings,
            "select version, status from submission where unit = :unit and workbook = :workbook "
            "and period = :period order by version",
            unit=resub["unit"],
            workbook=resub["workbook"],
            period=f"2023-{resub['month']:02d}",
        )
        assert [v for v, _ in versions] == [1, 2], resub
        assert versions[-1][1] == "accepted"


def test_running_a_month_again_changes_neither_warehouse_nor_outbox(sample_year: tuple) -> None:
    settings, _, _ = sample_year
    before = _snapshot(settings)
    again = _ingest(settings, "2023-05")
    assert again["received"] == 0
    assert _snapshot(settings) == before


def test_every_message_ends_in_one_recorded_state(sample_year: tuple) -> None:
    settings, year, _ = sample_year
    states = dict(_rows(settings, "select state, count(*) from message group by state"))
    assert sum(states.values()) == len(year.messages)
    assert set(states) <= {"accepted", "rejected", "quarantined", "ignored"}
    assert _rows(settings, "select count(*) from deferral where period > '2023-12'") == [(0,)]
    assert date(2023, 12, 31)  # the year is complete: nothing is left deferred beyond it


@pytest.mark.parametrize("page", [7, 1])
def test_a_month_read_a_page_of_mail_at_a_time_lands_as_when_read_at_once(
    prefect_server: None,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    page: int,
) -> None:
    """The raw mail is held a page at a time (memory bounded by the page, not the month):
    the warehouse is the same as when the whole mailbox is one page."""
    from bench.cluster import table_checksums
    from bixue.mail import intake

    volatile = {"processed_at", "loaded_at", "sent_at", "noticed_at", "queued_at"}
    volatile |= {"raw_path", "stored_path"}
    found = {}
    for size in (10_000, page):
        monkeypatch.setattr(intake, "PAGE_MESSAGES", size)
        settings = load_settings(tmp_path_factory.mktemp(f"pages-{size}"))
        year = generate_year(settings.mailbox_path, settings)
        counts = _ingest(settings, "2023-03")
        engine = sa.create_engine(settings.warehouse_url)
        found[size] = (counts, table_checksums(engine, volatile))
        engine.dispose()
    assert len(year.messages) > 50 * page  # many pages
    assert found[page] == found[10_000]
    assert found[page][0]["messages"] > 0
