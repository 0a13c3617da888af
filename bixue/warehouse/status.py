"""Where every unit stands for a report month: accepted, rejected, late or missing.

A workbook's standing is its newest accepted version: a later version that failed the checks is
a refused correction, and the accepted one still counts (as ``current_submission`` says).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.forms.spec import FORMS, WORKBOOK_NAMES, WORKBOOKS
from bixue.warehouse.db import sql

STATE_ZH = {"accepted": "已受理", "rejected": "未通过", "late": "迟报", "missing": "未报送"}


def required_workbooks(settings: Settings, unit: str) -> list[str]:
    """The workbooks a unit must send every month, by the forms' own submitter rules."""
    category = settings.unit(unit).category
    out = []
    for workbook, forms in WORKBOOKS.items():
        specs = [FORMS[f] for f in forms]
        if any(s.submitters != "unit" for s in specs):
            continue
        if all(
            (not s.only_units or unit in s.only_units)
            and (not s.categories or category in s.categories)
            for s in specs
        ):
            out.append(workbook)
    return out


def statistics_workbooks() -> list[str]:
    """The workbooks only the statistics providers send (国内合作, 实际利用外资)."""
    return [
        w for w, forms in WORKBOOKS.items() if all(FORMS[f].submitters == "provider" for f in forms)
    ]


def form_name(workbook: str | None) -> str:
    """附件3, 附表, 实际利用外资统计表 …: the short name the office uses for a workbook."""
    prefix, _, title = WORKBOOK_NAMES.get(workbook or "", "报表").partition("：")
    return title if prefix == "统计" else prefix


def _entries(rows: Iterable[Any]) -> dict[tuple[str, str, str, int], dict[str, Any]]:
    """(unit, period, workbook, version) -> the submission with its problems, in query order."""
    subs: dict[tuple[str, str, str, int], dict[str, Any]] = {}
    for r in rows:
        key = (r["unit"] or "", r["period"] or "", r["workbook"] or "", int(r["version"]))
        entry = subs.setdefault(
            key,
            {
                "form": r["workbook"],
                "period": r["period"],
                "version": int(r["version"]),
                "state": r["status"],
                "late": bool(r["late"]),
                "received_at": r["received_at"],
                "filename": r["filename"],
                "problems": [],
            },
        )
        if r["rule"] is not None:
            entry["problems"].append(
                {
                    "rule": r["rule"],
                    "severity": r["severity"],
                    "sheet": r["sheet"],
                    "row": r["row"],
                    "column": r["col"],
                    "header": r["header"],
                    "value": r["value"],
                    "message": r["message"],
                    "fix": r["fix"],
                }
            )
    return subs


def workbook_standing(versions: list[dict[str, Any]]) -> dict[str, Any]:
    """Which version of one workbook counts, and which later versions were refused.

    `versions` oldest first. Marks each entry with `counts` and `refused_correction`, and
    returns {state, counting_version, refused_versions}.
    """
    accepted = [v for v in versions if v["state"] == "accepted"]
    counting = accepted[-1] if accepted else None
    for v in versions:
        v["counts"] = v is counting
        v["refused_correction"] = (
            counting is not None and v["version"] > counting["version"] and v["state"] != "accepted"
        )
    state = "rejected" if counting is None else "late" if counting["late"] else "accepted"
    return {
        "state": state,
        "counting_version": counting["version"] if counting else None,
        "refused_versions": [v["version"] for v in versions if v["refused_correction"]],
    }


def _unit_state(required: list[str], standings: dict[str, dict[str, Any]]) -> str:
    """missing beats rejected beats late beats accepted: the worst of the unit's workbooks."""
    if any(w not in standings for w in required):
        return "missing"
    counted = [standings[w]["state"] for w in required]
    for state in ("rejected", "late"):
        if state in counted:
            return state
    return "accepted"


def _unit_entry(
    settings: Settings, unit: str, entries: list[dict[str, Any]], *, required: bool = True
) -> dict[str, Any]:
    """A unit's month: state, each workbook's standing, and every version with its problems."""
    by_form: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in entries:
        by_form[e["form"] or ""].append(e)
    standings = {form: workbook_standing(vs) for form, vs in by_form.items() if form}
    wanted = required_workbooks(settings, unit) if required else []
    return {
        "unit": unit,
        "state": _unit_state(wanted, standings),
        "required": wanted,
        "forms": standings,
        "submissions": entries,
    }


def month_status(engine: Engine, settings: Settings, period: str) -> list[dict[str, Any]]:
    """One object per unit: its state, each workbook's standing, every version with problems."""
    with engine.connect() as conn:
        subs = _entries(conn.execute(sql("status_submissions"), {"period": period}).mappings())
    by_unit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (name, _, _, _), entry in sorted(subs.items()):
        by_unit[name].append(entry)
    return [_unit_entry(settings, u.name, by_unit.get(u.name, [])) for u in settings.units]


def counting_version(
    engine: Engine, unit: str, workbook: str, period: str
) -> dict[str, Any] | None:
    """What a unit's workbook stands on for a month, for its receipt ("第1版仍有效").

    None when nothing was received; else {state, counting_version, refused_versions}.
    """
    with engine.connect() as conn:
        subs = _entries(conn.execute(sql("status_submissions"), {"period": period}).mappings())
    versions = [e for (u, _, w, _), e in sorted(subs.items()) if u == unit and w == workbook]
    return workbook_standing(versions) if versions else None


def statistics_inputs(engine: Engine, settings: Settings, period: str) -> list[dict[str, Any]]:
    """Each statistics workbook: received for the month or not, which month is held, from whom."""
    out = []
    with engine.connect() as conn:
        for workbook in statistics_workbooks():
            rows = [
                dict(r)
                for r in conn.execute(
                    sql("status_statistics"), {"workbook": workbook, "period": period}
                ).mappings()
            ]
            this_month = sorted(
                (
                    {
                        "form": workbook,
                        "period": r["period"],
                        "version": int(r["version"]),
                        "state": r["status"],
                        "late": bool(r["late"]),
                        "received_at": r["received_at"],
                        "filename": r["filename"],
                        "sender": r["unit"],
                    }
                    for r in rows
                    if r["period"] == period
                ),
                key=lambda v: v["version"],
            )
            standing = workbook_standing(this_month) if this_month else None
            held = next((r for r in rows if r["status"] == "accepted"), None)
            providers = [
                p.name
                for p in settings.registry.providers
                if any(f in p.forms for f in WORKBOOKS[workbook])
            ]
            counted = next((v for v in this_month if v["counts"]), None)
            out.append(
                {
                    "form": workbook,
                    "name": WORKBOOK_NAMES[workbook].split("：", 1)[1],
                    "providers": providers,
                    "state": standing["state"] if standing else "missing",
                    "received": counted is not None,
                    "sender": (counted or (this_month[-1] if this_month else {})).get("sender"),
                    "received_at": (counted or {}).get("received_at"),
                    "held_period": held["period"] if held else None,
                    "held_sender": held["unit"] if held else None,
                    "submissions": this_month,
                }
            )
    return out


def month_was_run(engine: Engine, period: str) -> bool:
    """A run has handled the month: its status mail is recorded, or a submission for it."""
    with engine.connect() as conn:
        return bool(conn.execute(sql("status_month_marks"), {"period": period}).scalar())


def refused_at_intake(inbox_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mail from a registered unit refused before any form was read (size, count, zip, file)."""
    return [
        m
        for m in inbox_rows
        if m["state"] == "rejected"
        and m["unit"]
        and not any(a["role"] == "form" for a in m["attachments"])
    ]


def office_view(
    engine: Engine, settings: Settings, period: str, *, in_run: bool = False
) -> dict[str, Any]:
    """Everything the office needs about a month: units, statistics, refused, held and waiting.

    in_run: called by the month's own run, which has handled the month even if it found nothing.
    """
    from bixue.mail.inbox import inbox
    from bixue.mail.pending import waiting_mail

    run = in_run or month_was_run(engine, period)
    rows = inbox(engine, settings, period) if run else []
    refused = refused_at_intake(rows)
    units = month_status(engine, settings, period) if run else []
    for unit in units:
        unit["refused_mail"] = [m for m in refused if m["unit"] == unit["unit"]]
    return {
        "period": period,
        "run": run,
        "units": units,
        "statistics": statistics_inputs(engine, settings, period) if run else [],
        "refused": refused,
        "held": [m for m in rows if m["state"] == "quarantined"],
        "waiting": waiting_mail(engine, settings),
    }


def unit_history(engine: Engine, settings: Settings, unit: str) -> dict[str, Any]:
    """One unit across months: every version, every problem, every receipt sent, all its mail."""
    from bixue.mail.inbox import _local_month, inbox

    mail = inbox(engine, settings, None, unit=unit)
    with engine.connect() as conn:
        subs = _entries(conn.execute(sql("status_unit_submissions"), {"unit": unit}).mappings())
        found = conn.execute(sql("status_unit_notices"), {"unit": unit}).mappings()
        notices = [dict(r) for r in found]
    for n in notices:  # a notice about no month in particular goes with the month it was sent
        n["period"] = n["period"] or _local_month(settings, n["sent_at"])
    by_period: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (_, period, _, _), entry in sorted(subs.items()):
        by_period[period].append(entry)
    registered = unit in {u.name for u in settings.units}
    months = []
    periods = set(by_period) | {n["period"] for n in notices if n["period"]}
    periods |= {p for m in mail for p in m["periods"]}
    for period in sorted(periods):
        entry = _unit_entry(settings, unit, by_period.get(period, []), required=registered)
        entry["period"] = period
        entry["receipts"] = [n for n in notices if n["period"] == period]
        entry["mail"] = [m for m in mail if period in m["periods"]]
        entry["refused_mail"] = refused_at_intake(entry["mail"])
        months.append(entry)
    return {"unit": unit, "months": months}
