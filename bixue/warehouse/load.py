"""Load a run into the warehouse: a transaction per message, natural keys, idempotent reruns."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import Connection, Dialect, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.sql.compiler import SQLCompiler

from bixue.crashpoint import crash_point
from bixue.forms.spec import INVALID
from bixue.forms.submissions import due_now
from bixue.model import LandedMessage, Submission
from bixue.warehouse.db import sql
from bixue.warehouse.notices import sheets_json
from bixue.warehouse.schema import facts
from bixue.warehouse.seen import skippable_messages as skippable_messages  # re-exported


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass(frozen=True)
class FactRows:
    """One sheet's rows for its fact table, column by column (names in `keys`)."""

    form: str
    keys: tuple[str, ...]
    columns: list[list[Any]]

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0


def _fact_rows(sub: Submission) -> list[FactRows]:
    """Each sheet's rows as fact rows that name their submission, sheet and Excel row."""
    out = []
    for sheet in sub.sheets:
        frame = sheet.frame
        keep = [c for c in frame.columns if not c.endswith(INVALID)]
        columns = []
        for name in keep:
            values = frame[name].tolist()
            for i in np.flatnonzero(frame[name].isna().to_numpy()):
                values[i] = None  # NaN (pandas' missing) is NULL in the warehouse
            columns.append(values)
        given = {"submission_id": sub.id, "sheet": sheet.sheet, "unit": sub.unit}
        given["period"] = sub.period
        columns += [[value] * len(frame) for value in given.values()]
        out.append(FactRows(sheet.form, (*keep, *given), columns))
    return out


@lru_cache(maxsize=256)
def _fact_insert(dialect: Dialect, form: str, keys: tuple[str, ...]) -> SQLCompiler:
    compiled = facts[form].insert().compile(dialect=dialect, column_keys=list(keys))
    assert isinstance(compiled, SQLCompiler)  # an INSERT compiles to SQL on every dialect
    return compiled


def _copy_facts(conn: Connection, rows: FactRows) -> None:
    """The sheet's rows by COPY (psycopg 3), in the message's transaction: PostgreSQL only.

    COPY reads the rows as one stream instead of one statement per row; the values (text,
    float, int, None) go as psycopg writes them in text form, what the executemany binds.
    """
    from psycopg import sql as pg

    table = facts[rows.form]
    names = [table.c[key].name for key in rows.keys]
    statement = pg.SQL("copy {} ({}) from stdin").format(
        pg.Identifier(table.name), pg.SQL(", ").join(pg.Identifier(n) for n in names)
    )
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            for values in zip(*rows.columns, strict=True):
                copy.write_row(values)
    except conn.dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy raises it for an executemany (IntegrityError for a duplicate key), so
        # callers see one kind of error whichever way the rows went in.
        raise DBAPIError.instance(
            statement.as_string(cursor), None, exc, conn.dialect.loaded_dbapi.Error
        ) from exc
    finally:
        cursor.close()


def _insert_facts(conn: Connection, rows: FactRows) -> None:
    """The sheet's rows: COPY on PostgreSQL (psycopg), elsewhere one executemany handed to the
    driver as they are.

    The values are already what the driver takes (text, float, int, None); going around
    SQLAlchemy's per-row parameter processing makes the load as fast as a raw executemany.
    """
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        _copy_facts(conn, rows)
        return
    compiled = _fact_insert(conn.dialect, rows.form, rows.keys)
    if compiled.positional and compiled.positiontup is not None:
        where = {key: i for i, key in enumerate(rows.keys)}
        ordered = [rows.columns[where[name]] for name in compiled.positiontup]
        params: list[Any] = list(zip(*ordered, strict=True))
    else:
        each = zip(*rows.columns, strict=True)
        params = [dict(zip(rows.keys, values, strict=True)) for values in each]
    conn.exec_driver_sql(compiled.string, params)


def _insert_submission(conn: Connection, sub: Submission, now: str) -> int:
    """Record one submission with its problems and, if accepted, its facts; rows loaded."""
    version = conn.execute(
        sql("next_submission_version"),
        {"unit": sub.unit, "workbook": sub.workbook, "period": sub.period},
    ).scalar_one()
    fact_rows = _fact_rows(sub) if sub.status == "accepted" else []
    loaded = sum(len(rows) for rows in fact_rows)
    inserted = conn.execute(
        sql("insert_submission"),
        {
            "id": sub.id,
            "message_sha256": sub.message_sha256,
            "attachment_sha256": sub.attachment.sha256,
            "filename": sub.attachment.filename,
            "unit": sub.unit,
            "workbook": sub.workbook,
            "period": sub.period,
            "version": version,
            "status": sub.status,
            "late": sub.late,
            "received_at": _iso(sub.received_at),
            "rows_loaded": loaded,
            "loaded_at": now,
            "sheets": sheets_json(sub),
        },
    ).rowcount
    if not inserted:
        return 0
    sub.version = version
    if sub.problems:
        conn.execute(
            sql("insert_problem"),
            [
                {
                    "submission_id": sub.id,
                    "seq": i,
                    "rule": p.rule,
                    "severity": p.severity,
                    "sheet": p.sheet,
                    "row": p.row,
                    "col": p.column,
                    "header": p.header,
                    "value": p.value,
                    "message": p.message,
                    "fix": p.fix,
                    "item": p.item,
                }
                for i, p in enumerate(sub.problems, start=1)
            ],
        )
    for rows in fact_rows:
        if len(rows):
            _insert_facts(conn, rows)
    return loaded


def _message_state(msg: LandedMessage, subs: list[Submission]) -> None:
    if not subs:
        return
    rejected = [s for s in subs if s.status == "rejected"]
    msg.state = "rejected" if rejected else "accepted"
    msg.reasons = [f"{s.attachment.filename}：{len(s.problems)}个问题" for s in rejected]


def load_run(
    engine: Engine,
    period: str,
    messages: list[LandedMessage],
    submissions: list[Submission],
    now: datetime,
) -> int:
    """Record every message due in this run with its submissions; later periods are deferred."""
    _, later = due_now(submissions, period)
    by_message: dict[str, list[Submission]] = defaultdict(list)
    for sub in submissions:
        by_message[sub.message_sha256].append(sub)
    stamp = now.isoformat()
    loaded = 0
    for msg in messages:
        subs = by_message.get(msg.raw_sha256, [])
        if msg.raw_sha256 in later:
            msg.state = "deferred"
            first = min(s.period for s in subs if s.period)
            with engine.begin() as conn:
                values = {
                    "raw_sha256": msg.raw_sha256,
                    "period": first,
                    "source_key": msg.source_key,
                }
                conn.execute(sql("insert_deferral"), values)
            continue
        _message_state(msg, subs)
        loaded += _load_message(engine, msg, subs, stamp)
        crash_point("mid-load")
    return loaded


def _load_message(
    engine: Engine, msg: LandedMessage, subs: list[Submission], stamp: str, attempts: int = 3
) -> int:
    """One message in one transaction; retried when a concurrent load took the same version."""
    for attempt in range(attempts):
        try:
            return _record_message(engine, msg, subs, stamp)
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    return 0


def _record_message(engine: Engine, msg: LandedMessage, subs: list[Submission], stamp: str) -> int:
    """The message, its attachments and submissions (with problems and facts), all or nothing."""
    loaded = 0
    with engine.begin() as conn:
        conn.execute(
            sql("insert_message"),
            {
                "raw_sha256": msg.raw_sha256,
                "source_key": msg.source_key,
                "message_id": msg.message_id,
                "sender": msg.sender,
                "display_from": msg.display_from,
                "subject": msg.subject,
                "sent_at": _iso(msg.sent_at),
                "received_at": _iso(msg.received_at),
                "raw_path": msg.raw_path,
                "unit": msg.unit,
                "state": msg.state or "ignored",
                "reasons": json.dumps(msg.reasons, ensure_ascii=False),
                "processed_at": stamp,
            },
        )
        if msg.attachments:
            conn.execute(
                sql("insert_attachment"),
                [
                    {
                        "message_sha256": msg.raw_sha256,
                        "sha256": a.sha256,
                        "filename": a.filename,
                        "name_flagged": a.name_flagged,
                        "kind": a.kind,
                        "size": a.size,
                        "stored_path": a.stored_path,
                        "origin": a.origin,
                    }
                    for a in msg.attachments
                ],
            )
        for sub in subs:
            loaded += _insert_submission(conn, sub, stamp)
    return loaded


def month_summary(engine: Engine, period: str) -> dict[str, int]:
    """Submissions received, accepted, rejected and rows loaded for a period, all runs together."""
    with engine.connect() as conn:
        row = conn.execute(sql("month_summary"), {"period": period}).mappings().one()
    return {k: int(v) for k, v in row.items()}


def counted_versions(
    engine: Engine, submissions: list[Submission]
) -> dict[tuple[str, str, str], int]:
    """(unit, workbook, period) -> the version that counts now, for the run's periods."""
    periods = sorted({s.period for s in submissions if s.period})
    if not periods:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            sql("receipt_counted_versions"),
            {"first_period": periods[0], "last_period": periods[-1]},
        ).mappings()
        return {(r["unit"], r["workbook"], r["period"]): int(r["version"]) for r in rows}
