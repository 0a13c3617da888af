"""Where every unit stands for a report month: accepted, rejected, late or missing."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.forms.spec import FORMS, WORKBOOKS
from bixue.warehouse.db import sql


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


def _unit_state(required: list[str], newest: dict[str, dict[str, Any]]) -> str:
    """missing beats rejected beats late beats accepted: the worst of the unit's workbooks."""
    if any(w not in newest for w in required):
        return "missing"
    counted = [newest[w] for w in required]
    if any(s["state"] == "rejected" for s in counted):
        return "rejected"
    if any(s["late"] for s in counted):
        return "late"
    return "accepted"


def month_status(engine: Engine, settings: Settings, period: str) -> list[dict[str, Any]]:
    """One object per unit: its state and every submission (all versions) with its problems."""
    subs: dict[tuple[str, str, int], dict[str, Any]] = {}
    with engine.connect() as conn:
        for r in conn.execute(sql("status_submissions"), {"period": period}).mappings():
            key = (r["unit"], r["workbook"] or "", int(r["version"]))
            entry = subs.setdefault(
                key,
                {
                    "form": r["workbook"],
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
                        "message": r["message"],
                    }
                )
    by_unit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (name, _, _), entry in sorted(subs.items()):
        by_unit[name].append(entry)
    out = []
    for unit in settings.units:
        entries = by_unit.get(unit.name, [])
        newest = {e["form"]: e for e in entries}  # sorted by version: the last one wins
        out.append(
            {
                "unit": unit.name,
                "state": _unit_state(required_workbooks(settings, unit.name), newest),
                "submissions": entries,
            }
        )
    return out
