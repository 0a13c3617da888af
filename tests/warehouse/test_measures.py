"""Counts read one way in quarters and year (D13–D17): which reports make a project, a signing,
a trip or an activity count, and in which period, through the real loader on both databases."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from bixue.config import load_settings
from bixue.forms.derive import derive
from bixue.forms.parse import ParsedSheet, frame_columns
from bixue.forms.spec import FORMS
from bixue.model import LandedAttachment
from bixue.warehouse.db import connect
from bixue.warehouse.load import load_run
from bixue.warehouse.measures import county_signings, measure_inputs, project_counts
from tests.factories import landed_message, submission

NOW = datetime(2024, 1, 21, tzinfo=UTC)
PERIODS = ("2023Q1", "2023Q2", "2023Q3", "2023")
WORKBOOK = {
    "a3": "a3",
    "ledger_signings": "ledger",
    "ledger_trips": "ledger",
    "a5": "a5",
    "stats_funds": "stats_funds",
}
SHEET = {
    "a3": "Sheet1",
    "ledger_signings": "新签约项目",
    "ledger_trips": "外出招商",
    "a5": "Sheet1",
}


class Loader:
    """Accepted submissions of one form, month by month, through derive and the real load."""

    def __init__(self, *engines: sa.Engine) -> None:
        self.engines, self.seq = engines, 0

    def load(self, form: str, unit: str, months: Mapping[str, list[dict[str, Any]]]) -> None:
        for month, lines in sorted(months.items()):
            self.seq += 1
            seq = self.seq
            base = {c: None for c in frame_columns(FORMS[form])}
            frame = pd.DataFrame.from_records(
                [base | {"excel_row": 7 + i} | line for i, line in enumerate(lines)]
            ).astype(object)
            name = SHEET.get(form, "Sheet1")
            sheet = ParsedSheet(form, name, derive(form, frame, {}), {"seq": 0})
            att = LandedAttachment(f"{seq:064x}", "表.xlsx", False, "xlsx", 10, f"/l/{seq}.xlsx")
            msg = landed_message(
                source_key=f"k{seq}", raw_sha256=f"{seq + 10**6:064x}", attachments=[att]
            )
            sub = submission(
                id=f"s{seq}",
                message_sha256=msg.raw_sha256,
                attachment=att,
                unit=unit,
                workbook=WORKBOOK[form],
                period=month,
                sheets=[sheet],
            )
            for engine in self.engines:
                load_run(engine, month, [msg], [sub], NOW)  # type: ignore[arg-type]


def by_month(lines: list[tuple[Any, ...]], row: Callable[..., dict[str, Any]]) -> dict[str, list]:
    """(report month, *fields) tuples grouped by report month, each made a sheet row."""
    out: dict[str, list[dict[str, Any]]] = {}
    for month, *fields in lines:
        out.setdefault(month, []).append(row(*fields))
    return out


# ---------------------------------------------------------------- 附件3: 在谈 and new 5亿 projects

# (report month, 项目名称 as typed, 项目进展, 计划（协议）投资额（亿元）)
A3Line = tuple[str, str, str, float | None]
# expected (talks_5yi, new_signed_5yi, new_signed_10yi) for 2023Q1, Q2, Q3 and 2023; a case
# giving fewer repeats its last one (the counts are cumulative: nothing after changes them)
A3_CASES: dict[str, tuple[list[A3Line], list[tuple[int, int, int]]]] = {
    "talks_of_5yi": ([("2023-03", "甲", "在谈", 5.0)], [(1, 0, 0)]),
    "talks_under_5yi": ([("2023-03", "甲", "在谈", 4.99)], [(0, 0, 0)]),
    "talks_without_amount": ([("2023-03", "甲", "在谈", None)], [(0, 0, 0)]),
    "talks_in_q1_signed_in_q2_counts_for_both": (
        [("2023-02", "甲", "在谈", 8.0), ("2023-05", "甲", "已签约", 8.0)],
        [(1, 0, 0), (1, 1, 0)],
    ),
    "talks_then_vanished_still_counts": (
        [("2023-01", "甲", "在谈", 9.0), ("2023-02", "甲", "在谈", 9.0)],
        [(1, 0, 0)],
    ),
    "talks_below_5yi_then_raised_counts_from_then": (
        [("2023-02", "甲", "在谈", 4.0), ("2023-05", "甲", "在谈", 6.0)],
        [(0, 0, 0), (1, 0, 0)],
    ),
    "talks_below_5yi_signed_above_counts_as_signed_only": (
        [("2023-02", "甲", "在谈", 4.0), ("2023-05", "甲", "已签约", 6.0)],
        [(0, 0, 0), (0, 1, 0)],
    ),
    "talks_lowered_below_5yi_still_counts": (
        [("2023-02", "甲", "在谈", 6.0), ("2023-05", "甲", "在谈", 3.0)],
        [(1, 0, 0)],
    ),
    "signed_before_the_year_is_not_new": (
        [("2023-01", "甲", "已签约", 12.0), ("2023-03", "甲", "已开工", 12.0)],
        [(0, 0, 0)],
    ),
    "first_reported_after_january_already_signed_is_new": (
        [("2023-02", "甲", "已签约", 12.0), ("2023-03", "甲", "已开工", 12.0)],
        [(0, 1, 1)],
    ),
    "signed_then_vanished_still_counts": (
        [("2023-01", "甲", "在谈", 9.0), ("2023-02", "甲", "已签约", 9.0)],
        [(1, 1, 0)],
    ),
    "signed_then_back_to_talks_still_counts_as_signed": (
        [("2023-02", "甲", "已签约", 7.0), ("2023-03", "甲", "在谈", 7.0)],
        [(1, 1, 0)],
    ),
    "signed_size_is_the_largest_amount_at_a_signed_stage": (
        [("2023-01", "甲", "在谈", 12.0), ("2023-03", "甲", "已签约", 6.0)],
        [(1, 1, 0)],
    ),
    "signed_amount_raised_past_10yi_in_q3": (
        [("2023-02", "甲", "已签约", 8.0), ("2023-08", "甲", "已开工", 11.0)],
        [(0, 1, 0), (0, 1, 0), (0, 1, 1)],
    ),
    "spellings_that_differ_by_white_space_are_one_project": (
        [
            ("2023-01", "新能源 电池项目", "在谈", 12.0),
            ("2023-03", "新能源电池项目", "已签约", 12.0),
        ],
        [(1, 1, 1)],
    ),
    "full_width_spelling_is_the_same_project": (
        [("2023-01", "ＡＢ电池项目", "已签约", 12.0), ("2023-03", "AB电池项目", "已投产", 12.0)],
        [(0, 0, 0)],
    ),
    "two_projects_counted_apart": (
        [
            ("2023-01", "甲", "在谈", 6.0),
            ("2023-01", "乙", "在谈", 20.0),
            ("2023-03", "甲", "在谈", 6.0),
            ("2023-03", "乙", "已签约", 20.0),
        ],
        [(2, 1, 1)],
    ),
    "a_report_after_the_period_does_not_count_in_it": (
        [("2023-03", "甲", "在谈", 6.0), ("2023-04", "甲", "已签约", 6.0)],
        [(1, 0, 0), (1, 1, 0)],
    ),
    "next_years_report_is_not_this_years": (
        [("2023-12", "甲", "在谈", 4.0), ("2024-01", "甲", "已签约", 6.0)],
        [(0, 0, 0)],
    ),
}


def _a3_row(name: str, stage: str, amount: float | None) -> dict[str, Any]:
    return {
        "project_name": name,
        "partner": "某公司",
        "site": "禄丰市",
        "investment_yi": amount,
        "stage": stage,
    }


def _each_period(expected: list[tuple[int, ...]]) -> dict[str, tuple[int, ...]]:
    padded = expected + [expected[-1]] * (len(PERIODS) - len(expected))
    return dict(zip(PERIODS, padded, strict=True))


def _a3_counts(engine: sa.Engine, unit: str) -> dict[str, tuple[int, ...]]:
    keys = ("talks_5yi", "new_signed_5yi", "new_signed_10yi")
    out = {}
    for period in PERIODS:
        got = project_counts(engine, period).get(unit, {})
        out[period] = tuple(int(got.get(k, 0)) for k in keys)
    return out


@pytest.mark.parametrize("case", list(A3_CASES))
def test_project_counts_follow_every_report_of_the_year(case: str, tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    lines, expected = A3_CASES[case]
    Loader(engine).load("a3", "某招商组", by_month(lines, _a3_row))
    assert _a3_counts(engine, "某招商组") == _each_period(expected)


def test_project_counts_are_the_same_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    lite, pg = connect(f"sqlite:///{tmp_path / 'w.sqlite'}"), connect(pg_url)
    loader = Loader(lite, pg)
    for case, (lines, _) in A3_CASES.items():
        loader.load("a3", case, by_month(lines, _a3_row))
    for period in PERIODS:
        assert project_counts(lite, period) == project_counts(pg, period)
    assert {case: _a3_counts(pg, case) for case in A3_CASES} == {
        case: _each_period(expected) for case, (_, expected) in A3_CASES.items()
    }


# ---------------------------------------------------------------- counties' signing ledger

# (report month, 项目名称 as typed, 签约时间, 协议投资额（亿元）)
SigningLine = tuple[str, str, str, float]
# expected (signed, signed_1yi, signed_5yi, signed_10yi) for 2023Q1, Q2, Q3 and 2023
NONE = (0, 0, 0, 0)
SIGNING_CASES: dict[str, tuple[list[SigningLine], list[tuple[int, int, int, int]]]] = {
    "signed_in_q1_counts_in_q1_and_the_year": (
        [("2023-02", "甲", "2023-02-10", 2.0)],
        [(1, 1, 0, 0), NONE, NONE, (1, 1, 0, 0)],
    ),
    "signed_in_q1_re_reported_in_q2_counts_once_in_q1": (
        [("2023-02", "甲", "2023-02-10", 2.0), ("2023-04", "甲", "2023-04-05", 2.0)],
        [(1, 1, 0, 0), NONE, NONE, (1, 1, 0, 0)],
    ),
    "amount_grows_past_5yi_in_q3_for_a_q1_signing": (
        [("2023-03", "甲", "2023-03-01", 3.0), ("2023-08", "甲", "2023-03-01", 6.0)],
        [(1, 1, 0, 0), NONE, NONE, (1, 1, 1, 0)],
    ),
    "amount_lowered_later_keeps_the_largest": (
        [("2023-02", "甲", "2023-02-01", 11.0), ("2023-03", "甲", "2023-02-01", 4.0)],
        [(1, 1, 1, 1), NONE, NONE, (1, 1, 1, 1)],
    ),
    "same_name_with_other_spacing_is_one_signing": (
        [
            ("2023-05", "新能源 电池项目", "2023-05-02", 5.0),
            ("2023-07", "新能源电池项目", "2023-07-03", 5.0),
        ],
        [NONE, (1, 1, 1, 0), NONE, (1, 1, 1, 0)],
    ),
    "full_width_name_is_one_signing": (
        [
            ("2023-07", "ＡＢ电池项目", "2023-07-01", 0.5),
            ("2023-12", "AB电池项目", "2023-12-01", 0.5),
        ],
        [NONE, NONE, (1, 0, 0, 0), (1, 0, 0, 0)],
    ),
    "two_names_are_two_signings": (
        [("2023-06", "甲", "2023-06-01", 10.0), ("2023-06", "乙", "2023-06-02", 0.8)],
        [NONE, (2, 1, 1, 1), NONE, (2, 1, 1, 1)],
    ),
    "signed_last_year_counts_in_no_period": (
        [("2023-01", "甲", "2022-12-20", 5.0)],
        [NONE, NONE, NONE, NONE],
    ),
    "first_reported_after_its_quarter_counts_in_the_year_only": (
        [("2023-04", "甲", "2023-03-28", 2.0)],
        [NONE, NONE, NONE, (1, 1, 0, 0)],
    ),
    "next_years_report_is_not_this_years": (
        [("2024-01", "甲", "2023-12-28", 2.0)],
        [NONE, NONE, NONE, NONE],
    ),
}
COUNTIES = ("楚雄市", "楚雄高新区", "禄丰市", "双柏县", "牟定县", "南华县", "姚安县", "大姚县")
COUNTIES += ("永仁县", "元谋县", "武定县")


def _signing_row(name: str, signed_on: str, amount: float) -> dict[str, Any]:
    return {
        "project_name": name,
        "partner": "某公司",
        "site": "禄丰市",
        "signed_on": signed_on,
        "investment_yi": amount,
    }


def _signings(engine: sa.Engine, unit: str) -> dict[str, tuple[int, ...]]:
    keys = ("signed", "signed_1yi", "signed_5yi", "signed_10yi")
    out = {}
    for period in PERIODS:
        got = county_signings(engine, period).get(unit, {})
        out[period] = tuple(int(got.get(k, 0)) for k in keys)
    return out


@pytest.mark.parametrize("case", list(SIGNING_CASES))
def test_a_county_signing_counts_once_in_the_period_it_was_signed(
    case: str, tmp_path: Path
) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    lines, expected = SIGNING_CASES[case]
    Loader(engine).load("ledger_signings", "禄丰市", by_month(lines, _signing_row))
    assert _signings(engine, "禄丰市") == dict(zip(PERIODS, expected, strict=True))


def test_signings_are_the_same_on_postgresql_and_reach_the_scores(
    tmp_path: Path, pg_url: str
) -> None:
    lite, pg = connect(f"sqlite:///{tmp_path / 'w.sqlite'}"), connect(pg_url)
    loader = Loader(lite, pg)
    cases = list(SIGNING_CASES.items())
    assert len(cases) <= len(COUNTIES)
    for unit, (_, (lines, _)) in zip(COUNTIES, cases, strict=False):
        loader.load("ledger_signings", unit, by_month(lines, _signing_row))
    for period in PERIODS:
        assert county_signings(lite, period) == county_signings(pg, period)
    assert {unit: _signings(pg, unit) for unit in COUNTIES[: len(cases)]} == {
        unit: dict(zip(PERIODS, expected, strict=True))
        for unit, (_, (_, expected)) in zip(COUNTIES, cases, strict=False)
    }
    # the scoring inputs carry the same counts (cq_signed, ca_signed_1yi, ca_big_projects)
    settings = load_settings(tmp_path / "home")
    year = measure_inputs(pg, settings, "2023")["禄丰市"]
    assert (year["signed_1yi"], year["signed_5yi"], year["signed_10yi"]) == (
        Decimal(1),
        Decimal(1),
        Decimal(0),
    )
    assert measure_inputs(pg, settings, "2023Q1")["禄丰市"]["signed"] == Decimal(1)


# ---------------------------------------------------------------- trips and activities


def _trip_row(trip: str, start: str) -> dict[str, Any]:
    return {
        "trip": trip,
        "dates": "某月某日",
        "dates_start": start,
        "dates_end": start,
        "place": "广东省深圳市",
        "scope": "省外",
        "leader": "某某（县委书记）",
        "leader_kind": "县市党政主要领导",
    }


# (report month, 外出招商活动名称, start date); expected top_leader_trips for Q1, Q2, Q3, 2023
TRIP_CASES: dict[str, tuple[list[tuple[str, str, str]], tuple[int, ...]]] = {
    "a_trip_counts_in_the_quarter_it_started": (
        [("2023-05", "赴深圳招商", "2023-05-10")],
        (0, 1, 0, 1),
    ),
    "a_trip_reported_again_counts_once": (
        [("2023-05", "赴深圳招商", "2023-05-10"), ("2023-06", "赴深圳招商", "2023-05-10")],
        (0, 1, 0, 1),
    ),
    "a_trip_reported_again_with_other_spacing_counts_once": (
        [("2023-05", "赴深圳 招商", "2023-05-10"), ("2023-06", "赴深圳招商", "2023-05-10")],
        (0, 1, 0, 1),
    ),
    "two_trips_on_one_day_count_apart": (
        [("2023-08", "赴深圳招商", "2023-08-10"), ("2023-08", "赴广州招商", "2023-08-10")],
        (0, 0, 2, 2),
    ),
    "a_trip_first_reported_after_its_quarter_counts_in_the_year_only": (
        [("2023-04", "赴深圳招商", "2023-03-25")],
        (0, 0, 0, 1),
    ),
}


@pytest.mark.parametrize("case", list(TRIP_CASES))
def test_a_trip_counts_in_the_period_it_started_as_reported_by_then(
    case: str, tmp_path: Path
) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    lines, expected = TRIP_CASES[case]
    Loader(engine).load("ledger_trips", "禄丰市", by_month(lines, _trip_row))
    settings = load_settings(tmp_path / "home")
    got = tuple(
        int(measure_inputs(engine, settings, p)["禄丰市"]["top_leader_trips"]) for p in PERIODS
    )
    assert got == expected


def _activity_row(name: str, start: str, leader: str) -> dict[str, Any]:
    return {
        "activity": name,
        "dates": "某月某日",
        "dates_start": start,
        "dates_end": start,
        "place": "上海市",
        "leader": leader,
        "lead_unit": "州工业和信息化局",
        "place_kind": "走出去",
        "out_of_province": 1,
        "company_count": 3,
        "leader_rank": "leader" if leader else "none",
        "qualifies": 1,
    }


def test_an_activity_reported_again_with_other_details_counts_once(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    unit = "绿色硅光伏产业招商组"
    lines = [
        ("2023-05", "赴上海 开展光伏招商推介活动", "2023-05-08", ""),
        ("2023-06", "赴上海开展光伏招商推介活动", "2023-05-08", "某某（副州长）"),
        ("2023-06", "赴上海开展光伏招商推介活动", "2023-06-12", ""),
    ]
    Loader(engine).load("a5", unit, by_month(lines, _activity_row))
    settings = load_settings(tmp_path / "home")
    got = [int(measure_inputs(engine, settings, p)[unit]["activities"]) for p in PERIODS]
    assert got == [0, 2, 0, 2]


# ---------------------------------------------------------------- D19 and statistics gaps

TI, WL, GF = (
    "绿色钛产业招商组",
    "文旅康养产业招商组",
    "绿色硅光伏产业招商组",
)  # units.yaml order: GF, TI, WL

# who reports the trip, in the order loaded, its 牵头单位 -> the groups credited with it
TOP_TRIP_CASES: dict[str, tuple[list[str], str, dict[str, int]]] = {
    "led_by_a_reporting_group": ([TI, WL], WL, {WL: 1}),
    "led_by_a_group_that_did_not_report_it": ([TI], GF, {GF: 1}),
    "led_by_a_department_goes_to_the_group_listed_first": ([WL, TI], "州委办公室", {TI: 1}),
    "loaded_the_other_way_round_the_same": ([TI, WL], "州委办公室", {TI: 1}),
    "led_by_a_county_goes_to_a_reporting_group": ([WL, TI], "禄丰市人民政府", {TI: 1}),
    "reported_by_one_group_alone": ([WL], "州委办公室", {WL: 1}),
}


@pytest.mark.parametrize("case", list(TOP_TRIP_CASES))
def test_a_top_leader_trip_counts_once_for_its_lead_group_or_the_first_listed_reporter(
    case: str, tmp_path: Path
) -> None:
    reporters, lead, expected = TOP_TRIP_CASES[case]
    engine = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    loader = Loader(engine)
    for unit in reporters:
        row = _activity_row("赴深圳开展招商推介活动", "2023-05-08", "某某（州委书记）")
        row |= {"lead_unit": lead, "leader_rank": "top"}
        loader.load("a5", unit, {"2023-05": [row]})
    settings = load_settings(tmp_path / "home")
    inputs = measure_inputs(engine, settings, "2023")
    got = {
        u: int(v["top_leader_trips_arranged"])
        for u, v in inputs.items()
        if v.get("top_leader_trips_arranged")
    }
    assert got == expected


def _funds_row(industry: str, amount: float) -> dict[str, Any]:
    return {
        "county": "楚雄市",
        "industry": industry,
        "out_pref_yi": amount,
        "out_pref_prior_yi": amount,
        "out_prov_yi": amount,
        "out_prov_prior_yi": amount,
    }


# 国内合作 rows of the scope of 文旅康养产业招商组 (餐饮业, 住宿业, 卫生, ...) -> 州外到位资金
GROUP_FUNDS_CASES: dict[str, tuple[list[tuple[str, float]], Decimal | None]] = {
    "every_industry_reported_zero_is_zero": (
        [("餐饮业", 0.0), ("住宿业", 0.0), ("卫生", 0.0), ("文化、体育和娱乐业", 0.0)],
        Decimal(0),
    ),
    "one_industry_zero_the_rest_absent_is_zero": ([("餐饮业", 0.0)], Decimal(0)),
    "some_industries_reported_are_summed": ([("餐饮业", 1.5), ("卫生", 0.0)], Decimal("1.5")),
    "no_industry_of_the_scope_is_no_data": ([("批发业", 3.0)], None),
}


@pytest.mark.parametrize("case", list(GROUP_FUNDS_CASES))
def test_a_group_whose_scope_industries_are_all_zero_has_zero_funds_not_no_data(
    case: str, tmp_path: Path
) -> None:
    rows, expected = GROUP_FUNDS_CASES[case]
    engine = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    lines = [("2023-06", industry, amount) for industry, amount in rows]
    Loader(engine).load("stats_funds", "州招商委办公室统计组", by_month(lines, _funds_row))
    settings = load_settings(tmp_path / "home")
    got = measure_inputs(engine, settings, "2023Q2")[WL]
    assert got["funds_yi"] == expected
    assert (got["funds_completion_pct"] is None) is (expected is None)
