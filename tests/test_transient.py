"""Which failures the I/O tasks retry: passing network and database trouble only."""

from __future__ import annotations

import imaplib
import smtplib
import socket
import sqlite3

import pytest
import sqlalchemy as sa

from bixue.config import ConfigError
from bixue.mail.send import NoticesNotSentError
from bixue.scoring.gate import IncompleteInputsError
from bixue.scoring.model import Period, ScoringError
from bixue.transient import is_transient


def _raised_from(outer: Exception, inner: Exception) -> Exception:
    try:
        try:
            raise inner
        except Exception as exc:
            raise outer from exc
    except Exception as exc:
        return exc


def _sqlite_error(text: str) -> sa.exc.OperationalError:
    return sa.exc.OperationalError("select 1", {}, sqlite3.OperationalError(text))


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (ConnectionRefusedError(111, "Connection refused"), True),
        (TimeoutError("timed out"), True),
        (socket.gaierror(-3, "Temporary failure in name resolution"), True),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), True),
        (smtplib.SMTPConnectError(421, b"busy, try later"), True),
        (smtplib.SMTPRecipientsRefused({"a@b.cn": (450, b"mailbox busy")}), True),
        (smtplib.SMTPRecipientsRefused({"a@b.cn": (550, b"no such user")}), False),
        (smtplib.SMTPAuthenticationError(535, b"authentication failed"), False),
        (smtplib.SMTPDataError(554, b"rejected as spam"), False),
        (imaplib.IMAP4.abort("socket error: EOF"), True),
        (imaplib.IMAP4.error("LOGIN failed"), False),
        (_sqlite_error("database is locked"), True),
        (_sqlite_error("unable to open database file"), False),
        (_sqlite_error("no such table: score_run"), False),
        (sa.exc.OperationalError("connect", {}, Exception("connection to server failed")), True),
        (NoticesNotSentError("2份通知未能发出"), True),
        (FileNotFoundError(2, "No such file"), False),
        (PermissionError(13, "Permission denied"), False),
        (ValueError("报表月份应写作 2023-05"), False),
        (ConfigError("环境变量 BIXUE_SMTP_PASSWORD 未设置"), False),
        (ScoringError("2023Q1 尚未评分"), False),
        (IncompleteInputsError(Period(2023, 1), []), False),
        (_raised_from(RuntimeError("step failed"), ConnectionResetError(104, "reset")), True),
        (_raised_from(ValueError("bad cell"), KeyError("x")), False),
    ],
)
def test_only_transient_io_is_worth_a_retry(exc: BaseException, transient: bool) -> None:
    assert is_transient(exc) is transient


@pytest.mark.prefect
def test_an_io_task_retries_a_dropped_connection_but_not_a_validation_error(
    prefect_server: None,
) -> None:
    from prefect import flow, task

    from tasks.retry import IO_RETRIES

    calls: list[str] = []
    fast = {**IO_RETRIES, "retry_delay_seconds": 0, "retry_jitter_factor": None}

    @task(**fast)
    def flaky(kind: str) -> str:
        calls.append(kind)
        if kind == "io" and calls.count("io") < 3:
            raise ConnectionResetError(104, "Connection reset by peer")
        if kind == "invalid":
            raise ValueError("第3行：投资额应为数字")
        return "ok"

    @flow
    def both() -> tuple[str, str]:
        io = flaky("io")
        invalid = flaky("invalid", return_state=True)
        return io, type(invalid.result(raise_on_failure=False)).__name__

    assert both() == ("ok", "ValueError")
    assert calls.count("io") == 3 and calls.count("invalid") == 1
