"""Circulated results against real services: aiosmtpd on loopback (received, parsed back,
workbook numbers equal the export), an SMTP server that refuses some recipients and drops the
connection once (exactly one copy each after the retry, a rerun sends nothing), the workbook
through LibreOffice to PDF and PNG and the HTML mail through Chromium."""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import Engine

from bixue.config import Settings
from bixue.render.circulation import circulate, ledger
from bixue.render.distribution import load_distribution
from bixue.render.results_book import attachment_name
from bixue.scoring.model import Period
from bixue.scoring.service import score
from bixue.warehouse.db import connect
from bixue.warehouse.migrate import upgrade
from tests.conftest import need
from tests.render.pictures import chromium, ink, run_chromium, size
from tests.scoring.scoring_sample import sample_measures

OFFICE = "zdcyzszb@163.com"
USER = "bixue@163.com"
PASSWORD = secrets.token_urlsafe(16)
NAME = "楚雄州招商引资比学赶超2023年第二季度通报.xlsx"


@dataclass
class Handler:
    """Keeps what it received; refuses `refuse` once each and drops the connection at `drop`."""

    refuse: set[str] = field(default_factory=set)
    drop: set[str] = field(default_factory=set)
    received: list[tuple[list[str], bytes]] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.drop:
            self.drop.discard(address)
            server.transport.close()  # the connection drops mid-transaction, once
            return "421 closing"
        if address in self.refuse:
            self.refuse.discard(address)
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def _auth(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    assert isinstance(data, LoginPassword)
    ok = (data.login.decode(), data.password.decode()) == (USER, PASSWORD)
    return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Handler]:
    handler = Handler()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=_free_port(),
        authenticator=_auth,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    for name, value in {
        "BIXUE_MAIL_OUT": "smtp",
        "BIXUE_MAIL_FROM": OFFICE,
        "BIXUE_SMTP_HOST": "127.0.0.1",
        "BIXUE_SMTP_PORT": str(controller.port),
        "BIXUE_SMTP_SSL": "false",
        "BIXUE_SMTP_STARTTLS": "false",
        "BIXUE_SMTP_USER": USER,
        "BIXUE_SMTP_PASSWORD": PASSWORD,
    }.items():
        monkeypatch.setenv(name, value)
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def warehouse(settings: Settings) -> Engine:
    """Q1 and Q2 scored as drafts from the deterministic sample measures."""
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = connect(settings.warehouse_url)
    upgrade(engine)
    for q in (1, 2):
        score(engine, settings, Period(2023, q), sample_measures, source_name="sample")
    return engine


def _everyone(settings: Settings) -> list[str]:
    d = load_distribution(settings)
    return [*d.leaders, *d.office, *(a for addrs in d.units.values() for a in addrs)]


def _parse(raw: bytes) -> EmailMessage:
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def _workbook(msg: EmailMessage) -> tuple[str, bytes]:
    (part,) = [p for p in msg.iter_attachments() if p.get_filename()]
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    return str(part.get_filename()), data


def _export(settings: Settings, period: str, version: int) -> list[dict[str, Any]]:
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "bixue"),
            "--home",
            str(settings.home),
            "export",
            "scores",
            "--period",
            period,
            "--version",
            str(version),
            "--format",
            "json",
        ],
        capture_output=True,
        check=True,
        env=os.environ | {"BIXUE_MAIL_OUT": "outbox"},
    )
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


def _book_points(data: bytes) -> dict[tuple[str, str], float]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data))["得分说明"]
    out = {}
    for row in sheet.iter_rows(min_row=4, values_only=True):
        if row[0] is not None:
            out[(str(row[0]), str(row[2]))] = float(row[8])  # type: ignore[arg-type]
    return out


def test_received_mails_have_their_recipient_subject_chinese_name_and_the_exports_numbers(
    settings: Settings, warehouse: Engine, smtp: Handler
) -> None:
    outcome = circulate(warehouse, settings, "2023Q2")
    assert outcome.report is not None and not outcome.report.failed
    everyone = _everyone(settings)
    assert sorted(r for rcpts, _ in smtp.received for r in rcpts) == sorted(everyone)
    export = _export(settings, "2023Q2", 1)
    expected = {(r["unit"], r["指标名称"]): float(r["points"]) for r in export}
    for rcpts, raw in smtp.received:
        msg = _parse(raw)
        assert msg["To"] == rcpts[0] and len(rcpts) == 1
        assert msg["Subject"] == "楚雄州招商引资比学赶超2023年第二季度通报（第1版）"
        name, data = _workbook(msg)
        assert name == NAME == attachment_name("2023Q2")
        assert "filename*=utf-8''" in raw.decode("ascii")  # RFC 2231 for webmail
        assert _book_points(data) == expected
        html = msg.get_body(("html",))
        text = msg.get_body(("plain",))
        assert html is not None and text is not None
        assert "述评" in html.get_content() and "cid:ranking-chart@bixue" in html.get_content()
        assert "县市、高新区排名" in text.get_content()
        images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
        assert images and images[0]["Content-ID"] == "<ranking-chart@bixue>"
    unit_mail = next(
        _parse(raw) for rcpts, raw in smtp.received if rcpts[0] == "cxs@zs.chuxiong.example"
    )
    body = unit_mail.get_body(("plain",))
    assert body is not None
    mine = body.get_content()
    assert "【楚雄市得分】" in mine and "失分指标：" in mine
    says = next(r["说明"] for r in export if r["unit"] == "楚雄市" and r["indicator"] == "total")
    assert says in mine


def test_refused_recipients_and_a_dropped_connection_are_retried_to_exactly_one_copy_each(
    settings: Settings, warehouse: Engine, smtp: Handler
) -> None:
    everyone = _everyone(settings)
    smtp.refuse = {everyone[0], "sbx@zs.chuxiong.example"}
    smtp.drop = {"nhx@zs.chuxiong.example"}
    first = circulate(warehouse, settings, "2023Q2")
    assert first.report is not None
    assert set(first.report.failed) == {
        everyone[0],
        "sbx@zs.chuxiong.example",
        "nhx@zs.chuxiong.example",
    }
    assert "拒收" in first.report.failed["sbx@zs.chuxiong.example"]
    states = Counter(r["state"] for r in ledger(warehouse, "2023Q2", 1))
    assert states == {"sent": len(everyone) - 3, "failed": 3}
    told = [raw for rcpts, raw in smtp.received if b"failed" in raw.split(b"Message-ID")[1][:80]]
    report = _parse(told[0]).get_body(("plain",)) if told else None
    assert report is not None and "sbx@zs.chuxiong.example" in report.get_content()
    assert "连接中断" in first.report.failed["nhx@zs.chuxiong.example"]

    retry = circulate(warehouse, settings, "2023Q2")
    assert retry.report is not None
    assert sorted(retry.report.sent) == sorted(first.report.failed) and not retry.report.failed
    results = [(rcpts, raw) for rcpts, raw in smtp.received if raw not in told]
    copies = Counter(r for rcpts, _ in results for r in rcpts)
    assert copies == Counter({a: 1 for a in everyone})

    again = circulate(warehouse, settings, "2023Q2")
    assert again.report is not None and not again.report.sent
    assert len(smtp.received) == len(results) + len(told)


def test_preview_writes_the_workbook_and_mails_and_sends_and_locks_nothing(
    settings: Settings, warehouse: Engine, smtp: Handler
) -> None:
    outcome = circulate(warehouse, settings, "2023Q2", preview=True)
    folder = settings.home / "preview" / "2023Q2"
    assert outcome.preview == folder and (folder / NAME).exists()
    emls = list(folder.glob("*.eml"))
    assert len(emls) == len(_everyone(settings))
    assert "预览，未通报" in str(_parse(emls[0].read_bytes())["Subject"])
    assert smtp.received == []
    assert outcome.bundle.run.circulated is None


def test_force_recirculates_a_new_draft_whose_subject_replaces_version_one(
    settings: Settings, warehouse: Engine, smtp: Handler
) -> None:
    circulate(warehouse, settings, "2023Q2")
    from bixue.scoring.model import Measure

    changed = [
        Measure(m.unit, m.indicator, (m.value or 0) + 1)
        for m in sample_measures(None, settings, "2023Q2")
    ]
    score(warehouse, settings, Period(2023, 2), lambda e, s, p: changed, source_name="again")
    from bixue.scoring.model import ScoringError

    with pytest.raises(ScoringError, match="--force"):
        circulate(warehouse, settings, "2023Q2")
    second = circulate(warehouse, settings, "2023Q2", force=True)
    assert second.bundle.number == 2
    subjects = {str(_parse(raw)["Subject"]) for _, raw in smtp.received}
    assert "楚雄州招商引资比学赶超2023年第二季度通报（第2版，替代第1版）" in subjects


def _soffice() -> str:
    found = shutil.which("soffice")
    need(found is not None, "LibreOffice (soffice) not installed: run .ci/install-services")
    assert found is not None
    return found


def test_the_workbook_renders_through_libreoffice_to_pdf_and_png_one_page_wide(
    settings: Settings, warehouse: Engine, tmp_path: Path
) -> None:
    outcome = circulate(warehouse, settings, "2023Q2", preview=True)
    book = tmp_path / "book.xlsx"
    book.write_bytes(outcome.bundle.workbook)
    soffice = _soffice()
    env = os.environ | {"HOME": str(tmp_path)}
    subprocess.run(
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
        capture_output=True, check=True, timeout=240, env=env,
    )  # fmt: skip
    pdf = (tmp_path / "book.pdf").read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes and all(float(w) > float(h) for w, h in boxes)  # A4 landscape, every page
    assert {round(float(w)) for w, _ in boxes} == {842}
    # LibreOffice's Calc PNG filter exports nothing headless here: its PDF's pages to PNG.
    pdftoppm = shutil.which("pdftoppm")
    need(pdftoppm is not None, "pdftoppm (poppler-utils) not installed: run .ci/install-services")
    assert pdftoppm is not None
    pages_at = str(tmp_path / "page")
    subprocess.run([pdftoppm, "-png", "-r", "60", str(tmp_path / "book.pdf"), pages_at],
                   capture_output=True, check=True, timeout=120)  # fmt: skip
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 6  # 述评, two ranked tables, 得分说明, 报送情况, 说明
    for png_path in pages:
        width, height = size(png_path.read_bytes())
        assert width > height  # landscape
    ranked = pages[1].read_bytes()  # the first category's table with its charts
    inked, colours = ink(ranked)
    assert 0.01 < inked < 0.9 and colours > 4
    pdftotext = shutil.which("pdftotext")
    assert pdftotext is not None
    text = subprocess.run([pdftotext, "-layout", str(tmp_path / "book.pdf"), "-"],
                          capture_output=True, check=True, timeout=60).stdout.decode()  # fmt: skip
    assert "比学赶超2023年第二季度得分排名（县市、高新区）" in text
    # one page wide: the ranked table's first and last columns print on the same page
    page2 = next(p for p in text.split("\f") if "得分排名（县市、高新区）" in p)
    assert "名次" in page2 and "合计" in page2
    # every column of a unit's row on that page: 名次, 单位, 合计, then points and measure of
    # each of the five county indicators
    row = next(ln.split() for ln in page2.splitlines() if "禄丰市" in ln and "%" in ln)
    assert len(row) == 3 + 2 * 5, row


def test_the_html_mail_renders_in_chromium_not_blank(
    settings: Settings, warehouse: Engine, tmp_path: Path
) -> None:
    browser = chromium()
    outcome = circulate(warehouse, settings, "2023Q2", preview=True)
    mail = next(m for m in outcome.bundle.mails if m.unit == "楚雄市")
    (tmp_path / "chart.png").write_bytes(mail.chart)
    page = tmp_path / "mail.html"
    page.write_text(mail.html.replace("cid:ranking-chart@bixue", "chart.png"), encoding="utf-8")
    shot = tmp_path / "mail.png"
    run_chromium(browser, tmp_path, f"--screenshot={shot}", "--window-size=800,2400", page.as_uri())
    png = shot.read_bytes()
    assert size(png)[0] == 800
    inked, _ = ink(png)
    assert 0.01 < inked < 0.9
    dom = run_chromium(browser, tmp_path, "--dump-dom", page.as_uri()).stdout.decode("utf-8")
    assert "楚雄市得分" in dom and "述评" in dom
    chart_w, _ = size(mail.chart)
    assert chart_w <= 760  # the chart fits the mail's width


def test_the_years_workbook_has_each_quarter_the_annual_score_and_the_year_result(
    settings: Settings, warehouse: Engine
) -> None:
    from openpyxl import load_workbook

    score(warehouse, settings, Period(2023, 3), sample_measures, source_name="sample")
    score(warehouse, settings, Period(2023), sample_measures, source_name="sample")
    outcome = circulate(warehouse, settings, "2023", preview=True)
    book = load_workbook(io.BytesIO(outcome.bundle.workbook))
    assert book.sheetnames == [
        "述评",
        "县市、高新区",
        "招商组、平台",
        "得分说明",
        "报送情况",
        "说明",
    ]
    sheet = book["县市、高新区"]
    head = [c.value for c in sheet[3]][:7]
    assert head == ["名次", "单位", "一季度", "二季度", "三季度", "年度得分", "全年得分"]
    assert sheet.freeze_panes == "C4" and sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    kinds = {"Q1": 2, "Q2": 3, "Q3": 4, "annual": 5, "year": 6}
    totals = {(t.unit, t.kind): t.points for t in outcome.bundle.scores.totals}
    for row in sheet.iter_rows(min_row=4, max_row=14, values_only=True):
        for kind, col in kinds.items():
            assert row[col] == float(round(totals[(str(row[1]), kind)], 2)), (row[1], kind)
    assert len(sheet._charts) == 2  # ranked totals, and each unit's stacked breakdown
    assert "全年得分所用季度得分" in " ".join(str(c.value) for c in book["说明"]["A"])


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1+1", "@SUM(A1)"])
def test_submitted_texts_stay_plain_text_in_the_workbook(text: str) -> None:
    from openpyxl import Workbook

    from bixue.render.results_book import put_text

    sheet = Workbook().active
    assert sheet is not None
    put_text(sheet["A1"], text)
    assert sheet["A1"].data_type == "s" and sheet["A1"].value == text


def _bixue(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "bixue"), "--home", str(home), *args]
    env = os.environ | {"BIXUE_MAIL_OUT": "outbox"}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def test_the_command_previews_then_circulates_then_a_rerun_sends_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    from tests.scoring.scoring_sample import write_measures

    home = settings.home
    assert _bixue(home, "db", "upgrade").returncode == 0
    measures = write_measures(tmp_path / "q1.csv", sample_measures(None, settings, "2023Q1"))
    preview = _bixue(
        home, "circulate", "--period", "2023Q1", "--measures", str(measures), "--preview"
    )
    assert preview.returncode == 0, preview.stderr
    assert "通报预览（未发送，未锁定）" in preview.stdout
    assert (home / "preview" / "2023Q1" / "楚雄州招商引资比学赶超2023年第一季度通报.xlsx").exists()
    assert not list((home / "outbox").glob("results-*")) if (home / "outbox").exists() else True
    sent = _bixue(home, "circulate", "--period", "2023Q1", "--measures", str(measures))
    assert sent.returncode == 0, sent.stderr
    n = len(_everyone(settings))
    assert "已通报第1版" in sent.stdout and f"本次发出 {n} 封" in sent.stdout
    assert len(list((home / "outbox").glob("results-2023q1-v1-*.eml"))) == n
    again = _bixue(home, "circulate", "--period", "2023Q1", "--measures", str(measures))
    assert again.returncode == 0 and f"本次发出 0 封，此前已发出 {n} 封" in again.stdout
    refused = _bixue(home, "circulate", "--period", "2023Q2")
    assert refused.returncode == 2 and "bixue:" in refused.stderr  # the gate, in Chinese


def test_the_demo_circulates_the_three_quarters_and_the_year_to_the_outbox(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bixue.render.commands import demo_circulate

    monkeypatch.setenv("BIXUE_MAIL_OUT", "outbox")
    settings.home.mkdir(parents=True)
    engine = connect(settings.warehouse_url)
    upgrade(engine)  # nothing received: every draft is 数据不全, as the demo allows
    done = demo_circulate(engine, settings, 2023)
    assert [(o.bundle.period, o.bundle.number) for o in done] == [
        ("2023Q1", 1),
        ("2023Q2", 1),
        ("2023Q3", 1),
        ("2023", 1),
    ]
    n = len(_everyone(settings))
    for period in ("2023q1", "2023q2", "2023q3", "2023"):
        assert len(list(settings.outbox_path.glob(f"results-{period}-v1-*.eml"))) == n
    books = sorted(p.name for p in (settings.home / "results").glob("*.xlsx"))
    assert "楚雄州招商引资比学赶超2023年度通报.xlsx" in books and len(books) == 4
    year = done[-1].bundle
    from bixue.scoring.versions import basis_note

    assert "一季度按第1版（已通报）" in basis_note(year.run)  # the year rescored on them
    assert (
        "数据不全"
        in _parse(next(settings.outbox_path.glob("results-2023-v1-*.eml")).read_bytes())
        .get_body(("plain",))
        .get_content()
    )  # type: ignore[union-attr]
    assert "通报工作簿：" in capsys.readouterr().out


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_send_ledger_keeps_one_sent_row_per_recipient_on_both_databases(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    backend: str,
) -> None:
    monkeypatch.setenv("BIXUE_MAIL_OUT", "outbox")
    settings.home.mkdir(parents=True)
    url = settings.warehouse_url if backend == "sqlite" else str(request.getfixturevalue("pg_url"))
    engine = connect(url)
    upgrade(engine)
    score(engine, settings, Period(2023, 1), sample_measures, source_name="sample")
    first = circulate(engine, settings, "2023Q1")
    again = circulate(engine, settings, "2023Q1")
    assert first.report is not None and again.report is not None
    assert len(first.report.sent) == len(_everyone(settings)) and not again.report.sent
    rows = ledger(engine, "2023Q1", 1)
    assert sorted(r["recipient"] for r in rows) == sorted(_everyone(settings))
    assert {(r["state"], r["attempts"]) for r in rows} == {("sent", 1)}
    assert all(len(r["content_sha256"]) == 64 and r["message_id"] for r in rows)
