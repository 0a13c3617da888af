"""The office's inbox listing: where each attachment came from, without re-reading the mail."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from corpus_mail import PDF, b_word, mail, part, xlsx, zip_of

from bixue.config import Settings
from bixue.mail.inbox import inbox
from bixue.mail.intake import land_message
from bixue.model import RawMessage
from bixue.warehouse.db import connect
from bixue.warehouse.load import load_run

NOW = datetime(2023, 5, 21, tzinfo=UTC)
PERIODS = ("2023-04", "2023-05", "2023-06")


def _recorded_zip_mail(tmp_path: Path) -> tuple[Settings, sa.Engine, Path]:
    packed = zip_of([("附件3.xlsx", xlsx("来源")), ("意向书.pdf", PDF)], gbk_names=False)
    raw = mail(
        part(b'Content-Disposition: attachment; filename="' + b_word("报表.zip") + b'"\r\n', packed)
    )
    settings = Settings(home=tmp_path / "home")
    engine = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    landed = land_message(tmp_path / "landing", RawMessage("k1", raw))
    load_run(engine, "2023-05", [landed], [], NOW)
    return settings, engine, Path(landed.raw_path)


def _origins(settings: Settings, engine: sa.Engine) -> dict[str, str | None]:
    [row] = inbox(engine, settings, "2023-05")
    return {a["filename"]: a["origin"] for a in row["attachments"]}


EXPECTED = {"报表.zip": None, "附件3.xlsx": "报表.zip", "意向书.pdf": "报表.zip"}


def test_an_unpacked_attachment_names_its_container_from_the_warehouse(tmp_path: Path) -> None:
    settings, engine, raw_path = _recorded_zip_mail(tmp_path)
    assert _origins(settings, engine) == EXPECTED
    raw_path.unlink()  # the listing no longer reads the landed mail
    assert _origins(settings, engine) == EXPECTED


def test_mail_recorded_before_origins_were_stored_reads_them_off_the_mail(
    tmp_path: Path,
) -> None:
    settings, engine, _ = _recorded_zip_mail(tmp_path)
    with engine.begin() as conn:
        conn.execute(sa.text("update attachment set origin = null"))
    assert _origins(settings, engine) == EXPECTED


def test_mail_with_neither_received_nor_date_is_listed_under_the_month_it_landed(
    tmp_path: Path,
) -> None:
    raw = (
        b"From: =?utf-8?B?" + base64.b64encode("禄丰市投促局".encode()) + b"?= <lfs@x.cn>\r\n"
        b"To: zdcyzszb@163.com\r\nSubject: hello\r\nMessage-ID: <bare@x.cn>\r\n\r\nbody\r\n"
    )
    settings = Settings(home=tmp_path / "home")
    engine = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    landed = land_message(tmp_path / "landing", RawMessage("k1", raw))
    assert landed.received_at is None and landed.sent_at is None
    load_run(engine, "2023-05", [landed], [], NOW)  # recorded on 2023-05-21
    listed = {p: [r["message_id"] for r in inbox(engine, settings, p)] for p in PERIODS}
    assert listed == {"2023-04": [], "2023-05": ["<bare@x.cn>"], "2023-06": []}
