"""The sample year: reproducible, complete, realistic, and faithful about its deliberate faults."""

from __future__ import annotations

import email
import io
import mailbox
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from bixue.config import Settings, load_settings
from bixue.forms.derive import company_count, leader_rank, place_kind
from bixue.forms.parse import to_date_range
from bixue.forms.spec import FORMS, STAGES, TRIP_SCOPES, WORKBOOK_NAMES, WORKBOOKS, period_title
from bixue.forms.templates import sheet_layout
from bixue.rules.history import names_project
from bixue.sample import cases
from bixue.sample.generate import SampleYear, build_message, generate_year
from bixue.sample.mail import evidence_name, is_evidence
from bixue.sample.model import SampleWorld, unit_workbooks

CODE = re.compile(r"^\d{4}—\d{6}—\d{2}—\d{2}—\d{6}$")
CST = timezone(timedelta(hours=8))


@dataclass
class Attachment:
    """One workbook as the office receives it."""

    message: str
    sender: str
    sent_at: datetime
    month: int
    workbook: str
    name: str
    data: bytes

    def sheet(self, form_key: str) -> list[list[object]]:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(self.data))
        return wb.get_sheet_by_name(FORMS[form_key].sheet).to_python()

    def records(self, form_key: str) -> list[dict[str, object]]:
        """Data rows as dicts keyed by column key, up to the blank row before the notes."""
        spec = FORMS[form_key]
        rows = self.sheet(form_key)[sheet_layout(spec).first_data_row - 1 :]
        out = []
        for row in rows:
            if all(v == "" for v in row):
                break
            out.append({c.key: row[i] for i, c in enumerate(spec.columns)})
        return out


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def maildir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("year") / "Maildir"


@pytest.fixture(scope="module")
def year(maildir: Path, settings: Settings) -> SampleYear:
    return generate_year(maildir, settings, year=2023, seed=2023)


def _parse(path: Path) -> EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


@pytest.fixture(scope="module")
def attachments(year: SampleYear) -> list[Attachment]:
    by_name = {v: k for k, v in WORKBOOK_NAMES.items()}
    out = []
    for path in year.messages:
        msg = _parse(path)
        sent_at = msg["Date"].datetime
        sender = msg["From"].addresses[0].addr_spec
        for part in msg.iter_attachments():
            name = part.get_filename()
            if is_evidence(name):
                continue  # a new project's documents, not a form
            workbook = by_name[name.split("（", 1)[0]]
            out.append(
                Attachment(
                    path.name, sender, sent_at, sent_at.month, workbook, name, part.get_content()
                )
            )
    return out


def _owner(settings: Settings) -> dict[str, str]:
    owners = {a: u.name for u in settings.units for a in u.senders}
    owners.update({a: p.name for p in settings.registry.providers for a in p.senders})
    return owners


def _first_sender(settings: Settings, name: str) -> str:
    for who in [*settings.units, *settings.registry.providers]:
        if who.name == name:
            return who.senders[0]
    raise KeyError(name)


def test_same_seed_gives_byte_identical_messages(
    year: SampleYear, settings: Settings, tmp_path: Path
) -> None:
    months = (1, 2, 8)
    again = generate_year(tmp_path / "again", settings, year=2023, seed=2023, months=months)
    wanted = [p for p in year.messages if _parse(p)["Date"].datetime.month in months]
    assert [p.name for p in again.messages] == [p.name for p in wanted]
    assert [p.read_bytes() for p in again.messages] == [p.read_bytes() for p in wanted]
    for attr in ("faulty", "late", "resubmitted"):
        assert getattr(again, attr) == [e for e in getattr(year, attr) if e["month"] in months]


def test_other_seed_gives_other_data(year: SampleYear, settings: Settings, tmp_path: Path) -> None:
    other = generate_year(tmp_path / "other", settings, year=2023, seed=7, months=[3])
    march = {p.read_bytes() for p in year.messages if _parse(p)["Date"].datetime.month == 3}
    assert other.messages
    assert not march & {p.read_bytes() for p in other.messages}


def test_maildir_holds_exactly_the_listed_messages(year: SampleYear, maildir: Path) -> None:
    box = mailbox.Maildir(maildir, create=False)
    assert len(box) == len(year.messages) > 300
    assert sorted(p.name for p in (maildir / "new").iterdir()) == sorted(
        p.name for p in year.messages
    )
    assert all(p.suffix == ".eml" and p.parent == maildir / "new" for p in year.messages)


def test_every_unit_mails_each_of_its_workbooks_every_month(
    attachments: list[Attachment], settings: Settings
) -> None:
    owners = _owner(settings)
    received = {(owners[a.sender], a.month, a.workbook) for a in attachments}
    expected = {
        (u.name, m, b) for u in settings.units for b in unit_workbooks(u) for m in range(1, 13)
    }
    provider = settings.registry.providers[0]
    expected |= {(provider.name, m, b) for b in provider.forms for m in range(1, 13)}
    assert received == expected
    assert all(a.sender == _first_sender(settings, owners[a.sender]) for a in attachments)


def test_some_units_bundle_workbooks_and_others_send_one_per_message(
    year: SampleYear, attachments: list[Attachment]
) -> None:
    per_message: dict[str, int] = defaultdict(int)
    for a in attachments:
        per_message[a.message] += 1
    sizes = set(per_message.values())
    assert 1 in sizes and max(sizes) >= 2


def test_attachment_names_decode_to_chinese_in_all_three_encodings(
    year: SampleYear, attachments: list[Attachment]
) -> None:
    for a in attachments:
        assert a.name.startswith(WORKBOOK_NAMES[a.workbook] + "（")
        assert a.name.endswith("月）.xlsx")
    raw = b"".join(p.read_bytes() for p in year.messages)
    assert b"filename*0*=utf-8''" in raw
    assert b'filename="=?UTF-8?B?' in raw
    assert b'filename="=?GBK?B?' in raw


@pytest.mark.parametrize("encoding", ["rfc2231", "rfc2047-utf8", "rfc2047-gbk"])
def test_build_message_round_trips_names_subject_and_content(encoding: str) -> None:
    names = [
        "附件3：5亿元以上重点产业招商引资项目推进情况月报表（禄丰市2023年5月）.xlsx",
        "统计：国内合作产业到位资金统计表（2023年1—5月）.xlsx",
    ]
    sent_at = datetime(2023, 5, 12, 9, 30, tzinfo=CST)
    raw = build_message(
        sender="禄丰市 <lfs@zs.chuxiong.example>",
        to="zdcyzszb@163.com",
        subject="禄丰市2023年5月招商引资报表",
        sent_at=sent_at,
        attachments=[(n, n.encode() * 40) for n in names],
        body="现报送我单位报表，请查收。",
        name_encoding=encoding,
    )
    assert raw == build_message(
        sender="禄丰市 <lfs@zs.chuxiong.example>",
        to="zdcyzszb@163.com",
        subject="禄丰市2023年5月招商引资报表",
        sent_at=sent_at,
        attachments=[(n, n.encode() * 40) for n in names],
        body="现报送我单位报表，请查收。",
        name_encoding=encoding,
    )
    # Folded at 78 except the one unbreakable xlsx media type (RFC 5322 hard limit: 998).
    assert all(
        len(line) <= 78 or line.startswith(b"Content-Type: application/vnd.openxml")
        for line in raw.split(b"\n")
    )
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == "禄丰市2023年5月招商引资报表"
    assert msg["From"].addresses[0].display_name == "禄丰市"
    assert msg["Date"].datetime == sent_at
    assert re.fullmatch(r"<[0-9a-f]{32}@zs\.chuxiong\.example>", msg["Message-ID"])
    parts = list(msg.iter_attachments())
    assert [p.get_filename() for p in parts] == names
    assert [p.get_content() for p in parts] == [n.encode() * 40 for n in names]
    assert parts[0].get_content_type() == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert msg.get_body(("plain",)).get_content().strip() == "现报送我单位报表，请查收。"


def test_five_faulty_workbooks_each_break_one_distinct_rule(year: SampleYear) -> None:
    assert len(year.faulty) == 5
    assert {f["rule"] for f in year.faulty} == {
        "required",
        "number",
        "investment_min",
        "stage_in_set",
        "site_in_set",
    }
    assert len({(f["unit"], f["month"]) for f in year.faulty}) == 5


def test_faulty_entries_point_at_the_cell_holding_the_faulty_value(
    year: SampleYear, maildir: Path, settings: Settings
) -> None:
    for fault in year.faulty:
        msg = _parse(maildir / "new" / fault["message_file"])
        part = next(
            p
            for p in msg.iter_attachments()
            if p.get_filename().startswith(WORKBOOK_NAMES[fault["workbook"]])
        )
        wb = openpyxl.load_workbook(io.BytesIO(part.get_content()))
        ws = wb[fault["sheet"]]
        spec = FORMS[fault["form"]]
        col = [c.key for c in spec.columns].index(fault["column"]) + 1
        cell = ws.cell(row=fault["row"], column=col)
        assert cell.value == fault["value"], fault
        # The rest of the row is intact, and the heading is still right.
        assert ws.cell(row=fault["row"], column=1).value == (
            fault["row"] - sheet_layout(spec).first_data_row + 1
        )
        assert ws["A2"].value == spec.title
        assert ws["A3"].value == period_title(2023, fault["month"])
        unit = settings.unit(fault["unit"])
        assert ws["A4"].value.removeprefix("填报单位：") in (unit.name, *unit.aliases)


def test_rule_values_are_really_invalid_and_resubmissions_fix_them(
    year: SampleYear, attachments: list[Attachment], settings: Settings
) -> None:
    counties = {u.name for u in settings.units if u.category == "county"}
    invalid = {
        "required": lambda v: v is None,
        "number": lambda v: isinstance(v, str),
        "investment_min": lambda v: isinstance(v, int | float) and v < 5,
        "stage_in_set": lambda v: v not in STAGES,
        "site_in_set": lambda v: v not in counties,
    }
    resent = {(r["unit"], r["month"], r["workbook"]): r for r in year.resubmitted}
    fixed = 0
    for fault in year.faulty:
        assert invalid[fault["rule"]](fault["value"])
        key = (fault["unit"], fault["month"], fault["workbook"])
        if key not in resent:
            continue
        fixed += 1
        second = next(
            a
            for a in attachments
            if a.message == resent[key]["message_file"] and a.workbook == fault["workbook"]
        )
        row = second.records(fault["form"])[
            fault["row"] - sheet_layout(FORMS[fault["form"]]).first_data_row
        ]
        value = row[fault["column"]]
        assert value not in ("", None) and not invalid[fault["rule"]](value)
    assert fixed >= 1


def test_resubmissions_come_a_day_or_two_later_and_change_something(
    year: SampleYear, attachments: list[Attachment], settings: Settings
) -> None:
    assert 2 <= len(year.resubmitted) <= 4
    owners = _owner(settings)
    for entry in year.resubmitted:
        versions = sorted(
            (
                a
                for a in attachments
                if owners[a.sender] == entry["unit"]
                and a.month == entry["month"]
                and a.workbook == entry["workbook"]
            ),
            key=lambda a: a.sent_at,
        )
        assert len(versions) == 2
        assert versions[1].message == entry["message_file"]
        gap = versions[1].sent_at - versions[0].sent_at
        assert timedelta(hours=12) < gap < timedelta(days=3)
        assert versions[1].sent_at.day <= settings.deadline_day
        forms = WORKBOOKS[entry["workbook"]]
        assert [versions[0].records(f) for f in forms] != [versions[1].records(f) for f in forms]


def test_late_mail_arrives_21st_to_25th_and_all_other_mail_on_time(
    year: SampleYear, attachments: list[Attachment], settings: Settings
) -> None:
    late_pairs = {(e["unit"], e["month"]) for e in year.late}
    assert len(late_pairs) == 3
    for entry in year.late:
        assert 21 <= entry["sent_at"].day <= 25 and entry["sent_at"].month == entry["month"]
        assert entry["sent_at"].utcoffset() == timedelta(hours=8)
    owners = _owner(settings)
    for a in attachments:
        if (owners[a.sender], a.month) in late_pairs:
            assert a.sent_at.day > settings.deadline_day
        else:
            assert 10 <= a.sent_at.day <= settings.deadline_day
        assert 8 <= a.sent_at.hour <= 18 and a.sent_at.utcoffset() == timedelta(hours=8)


def test_project_stages_start_early_and_never_move_backwards(
    year: SampleYear, attachments: list[Attachment], settings: Settings
) -> None:
    faulty = {f["message_file"] for f in year.faulty}
    owners = _owner(settings)
    planted = {c.name for c in cases.PROJECTS}
    stages: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
    skipped: set[tuple[str, int]] = set()
    for a in attachments:
        if a.workbook != "a3":
            continue
        if a.message in faulty:
            skipped.add((owners[a.sender], a.month))
            continue
        for record in a.records("a3"):
            if record["project_name"] not in planted:
                stages[owners[a.sender], str(record["project_name"])][a.month] = record["stage"]
    assert len(stages) > 100
    moved = 0
    for (unit, _name), path in stages.items():
        months = sorted(path)
        assert path[months[0]] in ("在谈", "已签约")
        # Reported every month once first seen (bar a faulty version with no resubmission).
        assert set(range(months[0], 13)) - set(months) <= {m for u, m in skipped if u == unit}
        indexes = [STAGES.index(path[m]) for m in months]
        assert indexes == sorted(indexes)
        moved += indexes[-1] > indexes[0]
    assert moved > 20


def _a3_path(attachments: list[Attachment], settings: Settings, unit: str, name: str) -> dict:
    """(stage, amount) of one project in each month's last 附件3 of its unit."""
    owners = _owner(settings)
    path: dict[int, tuple[str, float]] = {}
    for a in sorted(attachments, key=lambda a: a.sent_at):
        if a.workbook == "a3" and owners[a.sender] == unit:
            path.pop(a.month, None)
            for record in a.records("a3"):
                if record["project_name"] == name:
                    path[a.month] = (record["stage"], record["investment_yi"])
    return path


def test_planted_projects_vanish_go_back_a_stage_and_change_amount(
    attachments: list[Attachment], settings: Settings
) -> None:
    vanishing = _a3_path(
        attachments, settings, cases.VANISHING_PROJECT.unit, cases.VANISHING_PROJECT.name
    )
    assert sorted(vanishing) == [1, 2, 3, 4, 5]  # then missing from the cumulative report
    backward = _a3_path(
        attachments, settings, cases.BACKWARD_PROJECT.unit, cases.BACKWARD_PROJECT.name
    )
    assert [backward[m][0] for m in (3, 4, 6, 7, 12)] == [
        "在谈",
        "已签约",
        "已签约",
        "在谈",
        "在谈",
    ]
    growing = _a3_path(
        attachments, settings, cases.GROWING_PROJECT.unit, cases.GROWING_PROJECT.name
    )
    assert min(growing) == 2
    assert growing[4] == ("在谈", 8) and growing[5] == ("已签约", 12)


def test_a3_rows_are_valid_apart_from_the_planned_faults(
    year: SampleYear, attachments: list[Attachment], settings: Settings
) -> None:
    faulty = {f["message_file"] for f in year.faulty}
    counties = {u.name for u in settings.units if u.category == "county"}
    owners = _owner(settings)
    sizes = []
    for a in attachments:
        if a.workbook != "a3" or a.message in faulty:
            continue
        records = a.records("a3")
        sizes.append(len(records))
        for i, record in enumerate(records, start=1):
            assert record["seq"] == i
            assert all(record[c.key] not in ("", None) for c in FORMS["a3"].columns if c.required)
            assert record["site"] in counties
            assert isinstance(record["investment_yi"], int | float)
            assert record["investment_yi"] >= 5
            if owners[a.sender] in counties:
                assert record["site"] == owners[a.sender]
    assert min(sizes) >= 3 and max(sizes) <= 10


def test_project_codes_follow_the_national_format_with_the_site_region(
    attachments: list[Attachment], settings: Settings
) -> None:
    codes = 0
    owners = _owner(settings)
    planted = {(c.unit, c.site, str(c.code_year), c.region) for c in cases.CODES}
    seen_planted = set()
    for a in (a for a in attachments if a.workbook == "a4"):
        records = a.records("a4")
        assert 1 <= len(records) <= 5
        for record in records:
            code = str(record["project_code"])
            assert CODE.match(code), code
            assert len(code.replace("—", "")) == 20
            year, region = code.split("—")[:2]
            case = (owners[a.sender], str(record["site"]), year, region)
            if case in planted:
                seen_planted.add(case)  # valid when registered, not the site's code of today
            else:
                assert region == settings.unit(str(record["site"])).admin_code
            codes += 1
    assert codes > 20
    assert seen_planted == planted


def test_ledger_trips_and_signings_use_the_defined_vocabularies(
    year: SampleYear, attachments: list[Attachment], settings: Settings
) -> None:
    faulty = {f["message_file"] for f in year.faulty}
    owners = _owner(settings)
    amounts = []
    late_reported = cases.LATE_REPORTED_TRIP
    for a in (a for a in attachments if a.workbook == "ledger"):
        for trip in a.records("ledger_trips"):
            assert trip["scope"] in TRIP_SCOPES
            assert trip["leader_kind"] in FORMS["ledger_trips"].column("leader_kind").hint
            month = a.month
            if (owners[a.sender], a.month, trip["trip"]) == (
                late_reported.county,
                late_reported.month,
                late_reported.trip,
            ):
                month = 3  # the planted March trip first reported in April
            assert re.fullmatch(rf"{month}月\d+日至{month}月\d+日", str(trip["dates"]))
        for signing in a.records("ledger_signings"):
            assert signing["signed_on"].year == 2023 and signing["signed_on"].month == a.month
            if a.message not in faulty:
                assert signing["site"] == owners[a.sender]
            amounts.append(signing["investment_yi"])
    assert any(x < 1 for x in amounts) and any(1 <= x < 5 for x in amounts)
    assert any(5 <= x < 10 for x in amounts) and any(x >= 10 for x in amounts)


def test_a5_activities_fall_in_their_month_and_inbound_ones_bring_ten_firms(
    attachments: list[Attachment],
) -> None:
    inbound = 0
    failing = {c.activity for c in (cases.INBOUND_FEW_FIRMS, cases.INBOUND_NO_LEADER)}
    for a in (a for a in attachments if a.workbook == "a5"):
        for act in a.records("a5"):
            assert re.fullmatch(rf"{a.month}月\d+日至{a.month}月\d+日", str(act["dates"]))
            if "楚雄" in str(act["place"]) or "禄丰" in str(act["place"]):
                inbound += 1
                qualifies = company_count(act["companies"]) >= 10 and "某某（州" in act["leader"]
                assert qualifies == (act["activity"] not in failing), act
    assert inbound > 5


def test_trips_and_activities_start_before_their_mail_but_for_a_planted_few(
    attachments: list[Attachment], settings: Settings
) -> None:
    owners = _owner(settings)
    early, total = set(), 0
    for a in attachments:
        for form, name in (("ledger_trips", "trip"), ("a5", "activity")):
            if form not in WORKBOOKS[a.workbook]:
                continue
            for record in a.records(form):
                total += 1
                span = to_date_range(record["dates"], 2023)
                assert span is not None
                if span[0] > a.sent_at.date():
                    early.add((owners[a.sender], a.month, record[name]))
    planted = {(t.county, t.month, t.trip) for t in cases.EARLY_TRIPS}
    activity = cases.EARLY_ACTIVITY
    planted |= {(g, activity.month, activity.activity) for g in activity.groups}
    assert early == planted
    assert total > 100 * len(early)


@pytest.mark.parametrize("case", [cases.JOINT_ACTIVITY, cases.SHARED_TOP_TRIP])
def test_a_shared_activity_is_reported_alike_by_each_of_its_groups(
    attachments: list[Attachment], settings: Settings, case: cases.PlantedActivity
) -> None:
    owners = _owner(settings)
    found = {
        owners[a.sender]: r
        for a in attachments
        if a.workbook == "a5" and a.month == case.month
        for r in a.records("a5")
        if r["activity"] == case.activity
    }
    assert sorted(found) == sorted(case.groups)
    first, second = (found[g] for g in case.groups)
    assert {k: v for k, v in first.items() if k != "seq"} == {
        k: v for k, v in second.items() if k != "seq"
    }
    assert first["lead_unit"] == case.lead_unit
    assert place_kind(first["place"]) == "走出去"
    assert (leader_rank(first["leader"]) == "top") == (case is cases.SHARED_TOP_TRIP)


def test_a_county_has_no_prior_year_base_and_one_signing_is_listed_twice(
    attachments: list[Attachment], settings: Settings
) -> None:
    for a in (a for a in attachments if a.workbook == "stats_funds"):
        rows = [r for r in a.records("stats_funds") if r["county"] == cases.ZERO_BASE_COUNTY]
        assert rows and all(r["out_pref_prior_yi"] == r["out_prov_prior_yi"] == 0 for r in rows)
        assert sum(r["out_pref_yi"] for r in rows) > 0
    owners = _owner(settings)
    listed: dict[str, list[int]] = defaultdict(list)
    for a in attachments:
        if a.workbook == "ledger" and owners[a.sender] == cases.REPEATED_SIGNING.county:
            for r in a.records("ledger_signings"):
                if a.month not in listed[r["project_name"]]:
                    listed[r["project_name"]].append(a.month)
    twice = {name: months for name, months in listed.items() if len(months) > 1}
    case = cases.REPEATED_SIGNING
    assert twice == {case.name: [case.first[0], case.again[0]]}


def test_statistics_are_cumulative_consistent_and_varied(
    attachments: list[Attachment], settings: Settings
) -> None:
    counties = [u.name for u in settings.units if u.category == "county"]
    funds = {a.month: a.records("stats_funds") for a in attachments if a.workbook == "stats_funds"}
    fdi = {a.month: a.records("stats_fdi") for a in attachments if a.workbook == "stats_fdi"}
    assert sorted(funds) == sorted(fdi) == list(range(1, 13))
    for month, rows in funds.items():
        assert len(rows) == len(counties) * len(settings.industries)
        for r in rows:
            assert 0 <= r["out_prov_yi"] <= r["out_pref_yi"]
            assert 0 <= r["out_prov_prior_yi"] <= r["out_pref_prior_yi"]
        if month > 1:
            before = {(r["county"], r["industry"]): r["out_pref_yi"] for r in funds[month - 1]}
            assert all(r["out_pref_yi"] >= before[r["county"], r["industry"]] for r in rows)
    december = defaultdict(lambda: [0.0, 0.0])
    for r in funds[12]:
        december[r["county"]][0] += r["out_pref_yi"]
        december[r["county"]][1] += r["out_pref_prior_yi"]
    growth = {c: now / prior - 1 for c, (now, prior) in december.items() if prior}
    assert set(december) - set(growth) == {cases.ZERO_BASE_COUNTY}  # no prior-year base
    assert sum(g < 0 for g in growth.values()) >= 1 and sum(g > 0.15 for g in growth.values()) >= 3
    zero = {r["county"] for r in fdi[12] if r["fdi_wan_usd"] == 0}
    assert 1 <= len(zero) <= 3
    assert [r["county"] for r in fdi[12]] == counties


def test_most_mail_with_new_projects_carries_their_documents_and_some_forgets(
    year: SampleYear, settings: Settings
) -> None:
    world = SampleWorld(settings, 2023, 2023)
    units = {u.senders[0]: u.name for u in settings.units}
    with_documents, without = 0, 0
    for path in year.messages:
        msg = _parse(path)
        names = [part.get_filename() or "" for part in msg.iter_attachments()]
        if not any(n.startswith(WORKBOOK_NAMES["a3"]) for n in names):
            continue
        unit = units[msg["From"].addresses[0].addr_spec]
        new = world.new_projects(unit, msg["Date"].datetime.month)
        documents = [n for n in names if is_evidence(n)]
        if not new:
            assert documents == []
        elif documents:
            assert documents == [evidence_name(name, stage) for name, stage in new]
            assert all(names_project(d, name) for d, (name, _) in zip(documents, new, strict=True))
            with_documents += 1
        else:
            without += 1
    assert with_documents > 3 * without > 0
