"""Dimensions kept in step with config/: units over time, periods, industries, forms."""

from __future__ import annotations

import calendar
import json
from typing import Any

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.forms.spec import FORMS, WORKBOOKS
from bixue.warehouse.db import sql

# Decision: units in config/units.yaml carry no dates yet, so each is valid from the first
# rules year; a rename or merger adds valid_from to the new entry and closes the old one.
FIRST_DAY = "2023-01-01"


def period_rows(year: int) -> list[dict[str, Any]]:
    """The year, its four quarters and twelve months, with their first and last days."""
    rows = [_period(str(year), "year", year, None, None, 1, 12)]
    for q in range(1, 5):
        rows.append(_period(f"{year}Q{q}", "quarter", year, q, None, 3 * q - 2, 3 * q))
    for m in range(1, 13):
        rows.append(_period(f"{year}-{m:02d}", "month", year, (m + 2) // 3, m, m, m))
    return rows


def _period(
    key: str, kind: str, year: int, quarter: int | None, month: int | None, first: int, last: int
) -> dict[str, Any]:
    end_day = calendar.monthrange(year, last)[1]
    return {
        "key": key,
        "kind": kind,
        "year": year,
        "quarter": quarter,
        "month": month,
        "start_date": f"{year:04d}-{first:02d}-01",
        "end_date": f"{year:04d}-{last:02d}-{end_day:02d}",
    }


def _years(settings: Settings) -> list[int]:
    return sorted(int(p.stem) for p in (settings.config_dir / "targets").glob("*.yaml"))


def sync_dimensions(engine: Engine, settings: Settings) -> None:
    """Upsert every dimension row from the configuration; running it twice changes nothing."""
    units = [
        {
            "name": u.name,
            "valid_from": FIRST_DAY,
            "valid_to": None,
            "category": u.category,
            "admin_code": u.admin_code,
            "senders": json.dumps(list(u.senders), ensure_ascii=False),
            "aliases": json.dumps(list(u.aliases), ensure_ascii=False),
        }
        for u in settings.units
    ]
    forms = [
        {
            "key": spec.key,
            "attachment": spec.attachment,
            "title": spec.title,
            "workbook": next(w for w, sheets in WORKBOOKS.items() if spec.key in sheets),
            "sheet": spec.sheet,
        }
        for spec in FORMS.values()
    ]
    periods, industries = [], []
    for year in _years(settings):
        periods += period_rows(year)
        owner = {i: g for g, t in settings.targets(year).groups.items() for i in t.scope}
        industries += [
            {"year": year, "industry": i, "group_unit": owner.get(i)} for i in settings.industries
        ]
    with engine.begin() as conn:
        conn.execute(sql("upsert_dim_unit"), units)
        conn.execute(sql("upsert_dim_form"), forms)
        conn.execute(sql("upsert_dim_period"), periods)
        conn.execute(sql("upsert_dim_industry"), industries)
