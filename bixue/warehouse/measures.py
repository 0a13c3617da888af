"""The inputs of every 附件6/附件7 indicator, per unit and scoring period, as exact decimals."""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from bixue.config import Settings
from bixue.forms.parse import norm
from bixue.forms.spec import STAGES
from bixue.forms.submissions import unit_from_text
from bixue.scoring.model import Measure
from bixue.warehouse.db import sql

QUANTUM = Decimal("0.000001")
HUNDRED = Decimal(100)
COUNTY_TOP_LEADER = "县市党政主要领导"
PREFECTURE_LEADER = "州级领导"
PREFECTURE_TOP_LEADER = "州级党政主要领导"
OUT_OF_PROVINCE = "省外"


@dataclass(frozen=True)
class ScoringPeriod:
    """A quarter (2023Q2) or a year (2023): its dates and the report month that closes it."""

    key: str
    year: int
    first_month: int
    last_month: int

    @property
    def start(self) -> str:
        return f"{self.year:04d}-{self.first_month:02d}-01"

    @property
    def end(self) -> str:
        day = calendar.monthrange(self.year, self.last_month)[1]
        return f"{self.year:04d}-{self.last_month:02d}-{day:02d}"

    @property
    def report_month(self) -> str:
        """The monthly report whose cumulative figures close the period."""
        return f"{self.year:04d}-{self.last_month:02d}"

    @property
    def first_report_month(self) -> str:
        return f"{self.year:04d}-01"

    @property
    def window(self) -> dict[str, str]:
        """The period's dates and the year's reports that may be read for it (D16)."""
        return {
            "start": self.start,
            "end": self.end,
            "first_period": self.first_report_month,
            "period": self.report_month,
        }


def scoring_period(key: str) -> ScoringPeriod:
    """2023Q1..2023Q4 or 2023; anything else is refused with the accepted forms."""
    match = re.fullmatch(r"(\d{4})(?:Q([1-4]))?", key)
    if not match:
        raise ValueError(f"评分期应写作 2023Q2（季度）或 2023（年度），而不是“{key}”")
    year = int(match.group(1))
    if match.group(2):
        quarter = int(match.group(2))
        return ScoringPeriod(key, year, 3 * quarter - 2, 3 * quarter)
    return ScoringPeriod(key, year, 1, 12)


def exact(value: Any) -> Decimal | None:
    """A database number as a Decimal to six places, whatever the driver returned."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(QUANTUM)


def ratio_pct(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """part ÷ whole as a percentage; None when there is nothing to divide by."""
    if part is None or whole is None or whole == 0:
        return None
    return (part / whole * HUNDRED).quantize(QUANTUM)


def growth_pct(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """Growth over the prior year's same period in %; None without a prior-year base."""
    if now is None or before is None or before == 0:
        return None
    return ((now - before) / before * HUNDRED).quantize(QUANTUM)


def _rows(engine: Engine, name: str, **params: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sql(name), params).mappings()]


Inputs = dict[str, dict[str, Decimal | None]]


SIGNING_COUNTS = ("signed", "signed_1yi", "signed_5yi", "signed_10yi")


def county_signings(engine: Engine, period: str) -> dict[str, dict[str, Decimal]]:
    """Each county's new signings that count in the period, by size (any, ≥1亿, ≥5亿, ≥10亿).

    Decision D13: a signing is the unit's normalised 项目名称; it counts once a year, in the
    period of its earliest signing date, at the largest amount reported up to the period's end.
    """
    p = scoring_period(period)
    return {
        r["unit"]: {k: Decimal(int(r[k] or 0)) for k in SIGNING_COUNTS}
        for r in _rows(engine, "measure_county_signings", **p.window)
    }


def _county_inputs(engine: Engine, settings: Settings, p: ScoringPeriod, out: Inputs) -> None:
    """Growth, FDI completion, trips and signings of the counties and the zone (附件6)."""
    targets = settings.targets(p.year).counties
    funds = {r["county"]: r for r in _rows(engine, "measure_county_funds", period=p.report_month)}
    fdi = {
        r["county"]: exact(r["fdi"])
        for r in _rows(engine, "measure_county_fdi", period=p.report_month)
    }
    trips: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    counted: set[tuple[str, ...]] = set()
    for r in _rows(engine, "measure_county_trips", **p.window):
        # a trip counts once however often and however spaced it is reported (D17)
        once = (r["unit"], norm(r["trip"]), str(r["dates_start"]), r["leader_kind"], r["scope"])
        if once not in counted:
            counted.add(once)
            trips[r["unit"]][(r["leader_kind"], r["scope"])] += 1
    signings = county_signings(engine, p.key)
    for unit, target in targets.items():
        f = funds.get(unit, {})
        t = trips.get(unit, {})
        s = signings.get(unit, {})
        out[unit] = {
            "out_pref_funds_yi": exact(f.get("out_pref")),
            "out_pref_prior_funds_yi": exact(f.get("out_pref_prior")),
            "out_pref_growth_pct": growth_pct(
                exact(f.get("out_pref")), exact(f.get("out_pref_prior"))
            ),
            "out_prov_funds_yi": exact(f.get("out_prov")),
            "out_prov_prior_funds_yi": exact(f.get("out_prov_prior")),
            "out_prov_growth_pct": growth_pct(
                exact(f.get("out_prov")), exact(f.get("out_prov_prior"))
            ),
            "fdi_wan_usd": fdi.get(unit),
            "fdi_target_wan_usd": exact(target.fdi_wan_usd),
            "fdi_completion_pct": ratio_pct(fdi.get(unit), Decimal(str(target.fdi_wan_usd))),
            "top_leader_trips": Decimal(
                sum(n for (kind, _), n in t.items() if kind == COUNTY_TOP_LEADER)
            ),
            "top_leader_trips_out_of_province": Decimal(
                t.get((COUNTY_TOP_LEADER, OUT_OF_PROVINCE), 0)
            ),
            "leader_trips_arranged": Decimal(t.get((PREFECTURE_LEADER, OUT_OF_PROVINCE), 0)),
            "prefecture_top_trips_arranged": Decimal(
                t.get((PREFECTURE_TOP_LEADER, OUT_OF_PROVINCE), 0)
            ),
            "signed": Decimal(int(s.get("signed") or 0)),
            "signed_1yi": Decimal(int(s.get("signed_1yi") or 0)),
            "signed_5yi": Decimal(int(s.get("signed_5yi") or 0)),
            "signed_10yi": Decimal(int(s.get("signed_10yi") or 0)),
        }


PROJECT_COUNTS = ("talks_5yi", "new_signed_5yi", "new_signed_10yi")


def project_counts(engine: Engine, period: str) -> dict[str, dict[str, Decimal]]:
    """在谈 ≥5亿 projects and projects newly signed in the year up to the period's end, per unit.

    Decisions D14, D15: every project reported 在谈 at ≥5亿元 in any report of the year so far
    counts among the 在谈 projects, signed since or not; one reported at 已签约 or later counts as
    newly signed unless January's report (the year's baseline inventory) first gave it already
    signed; later reports never take a count back. The database matches each project's reports
    (by project_key) and counts them; a national month has hundreds of thousands of report
    lines, which never come to Python.
    """
    p = scoring_period(period)
    talks, signed, started, completed, producing = STAGES
    params = {
        "first_period": p.first_report_month,
        "period": p.report_month,
        "talks": talks,
        "signed": signed,
        "started": started,
        "completed": completed,
        "producing": producing,
    }
    counts: dict[str, dict[str, Decimal]] = defaultdict(
        lambda: {k: Decimal(0) for k in PROJECT_COUNTS}
    )
    for r in _rows(engine, "measure_project_counts", **params):
        counts[r["unit"]] = {k: Decimal(int(r[k] or 0)) for k in PROJECT_COUNTS}
    return counts


def _group_inputs(engine: Engine, settings: Settings, p: ScoringPeriod, out: Inputs) -> None:
    """Funds completion, activities, top-leader trips and project counts of the groups (附件7)."""
    targets = settings.targets(p.year).groups
    industry = {
        r["industry"]: exact(r["out_pref"])
        for r in _rows(engine, "measure_industry_funds", period=p.report_month)
    }
    reported = {
        r["unit"]: exact(r["funds"])
        for r in _rows(engine, "measure_self_reported_funds", period=p.report_month)
    }
    activities: dict[str, Decimal] = defaultdict(Decimal)
    counted: set[tuple[str, str, str]] = set()
    leads: dict[tuple[str, str], set[str]] = defaultdict(set)
    reporters: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in _rows(engine, "measure_group_activities", **p.window):
        once = (r["unit"], norm(r["activity"]), str(r["dates_start"]))
        if r["qualifies"] and once not in counted:
            # once per group however often reported (D17); a joint activity for each group
            counted.add(once)
            activities[r["unit"]] += 1
        if r["leader_rank"] == "top" and r["out_of_province"]:
            trip = (norm(r["activity"]), str(r["dates_start"]))
            reporters[trip].add(r["unit"])
            lead = unit_from_text(settings, r["lead_unit"])
            if lead is not None and lead in targets:
                leads[trip].add(lead)
    # ... but a 州级党政“一把手” trip counts once, for its lead unit (附件2 说明2); led by no group,
    # it goes to the reporting group listed first in config/units.yaml (D19), whatever the order
    # the rows came in.
    order = {u.name: i for i, u in enumerate(settings.units)}
    top_trips = {
        trip: min(leads[trip] or units, key=lambda u: (order.get(u, len(order)), u))
        for trip, units in reporters.items()
    }
    projects = project_counts(engine, p.key)
    for unit, target in targets.items():
        if target.source == "statistics":
            # an industry reported as 0 is a 0, not a gap (only no row at all is no data)
            parts = [industry.get(i) for i in target.scope]
            known = [v for v in parts if v is not None]
            funds = sum(known, Decimal(0)) if known else None
        else:
            funds = reported.get(unit)
        out[unit] = {
            "funds_yi": funds,
            "funds_completion_pct": ratio_pct(funds, Decimal(str(target.funds_yi))),
            "activities": activities.get(unit, Decimal(0)),
            "top_leader_trips_arranged": Decimal(
                sum(1 for lead in top_trips.values() if lead == unit)
            ),
            **projects[unit],
        }


def measure_inputs(engine: Engine, settings: Settings, period: str) -> Inputs:
    """Every unit's indicator inputs for a quarter (2023Q2) or a year (2023)."""
    p = scoring_period(period)
    out: Inputs = {}
    _county_inputs(engine, settings, p, out)
    _group_inputs(engine, settings, p, out)
    return out


def measures(engine: Engine, settings: Settings, period: str) -> list[Measure]:
    """The scoring engine's input for a quarter or a year, named by the rules' indicator keys."""
    from bixue.scoring.service import measures_from_inputs

    return measures_from_inputs(settings, period, measure_inputs(engine, settings, period))
