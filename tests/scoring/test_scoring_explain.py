"""Every point explained: each 说明 number read back and checked against the stored audit lines."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import Engine

from bixue.cli import main
from bixue.config import Settings
from bixue.scoring import audit
from bixue.scoring.engine import shown
from bixue.scoring.explain import sentence
from bixue.scoring.model import Line, Measure, Period, PeriodScores
from bixue.scoring.rules import MeasureInfo, load_rules
from bixue.scoring.service import score
from bixue.scoring.tables import COLUMNS, FIELDS, Row, export_rows, local_time, xlsx_bytes
from bixue.warehouse.db import connect
from tests.conftest import need
from tests.scoring.scoring_sample import NO_DATA_UNIT, sample_measures

PERIODS = (Period(2023, 1), Period(2023, 2), Period(2023, 3), Period(2023))
ZERO_BASE_UNIT = "双柏县"  # no prior-year base for 州外 funds: growth cannot be computed
PLACES = {"%": 2, "亿元": 4, "万美元": 2, "次": 0, "个": 0}
NUMBER = r"-?\d+(?:\.\d+)?"


def with_figures(engine: Engine | None, settings: Settings, period: str) -> Sequence[Measure]:
    """The sample measures with the figures behind each rate, as the warehouse gives them."""
    targets = settings.targets(2023).counties
    out = []
    for m in sample_measures(engine, settings, period):
        figures: tuple[tuple[str, Decimal | None], ...] = ()
        value = m.value
        if m.indicator.endswith(("_out_pref_growth", "_out_prov_growth")):
            side = "out_pref" if "_out_pref_" in m.indicator else "out_prov"
            prior = Decimal("10.5")
            if m.unit == ZERO_BASE_UNIT and side == "out_pref":
                prior, value = Decimal(0), None
            now = None if value is None else prior * (1 + value / 100)
            figures = (
                (f"{side}_funds_yi", now or Decimal("3.2")),
                (f"{side}_prior_funds_yi", prior),
            )
        elif m.indicator.endswith("_fdi_completion") and value is not None:
            target = Decimal(str(targets[m.unit].fdi_wan_usd))
            figures = (("fdi_wan_usd", target * value / 100), ("fdi_target_wan_usd", target))
        out.append(Measure(m.unit, m.indicator, value, m.target, figures))
    return out


@pytest.fixture(params=["sqlite", "postgresql"])
def scored(request: pytest.FixtureRequest, tmp_path: Path, settings: Settings) -> Engine:
    """The sample year, figures included, scored and recorded in a real warehouse."""
    if request.param == "sqlite":
        engine = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    else:
        engine = connect(str(request.getfixturevalue("pg_url")))
    for p in PERIODS:
        score(engine, settings, p, with_figures, source_name="test")
    return engine


def _near(text: str, value: Decimal, places: int) -> bool:
    """A shown figure is the stored one rounded half-up to the places shown for its unit."""
    quantum = Decimal(1).scaleb(-places)
    return Decimal(text) == value.quantize(quantum, rounding=ROUND_HALF_UP)


def _working(text: str) -> Fraction:
    """20×9/11, 20−5×2, 30×12.3/40 in exact fractions (left to right, × and / before −)."""
    total = Fraction(0)
    for sign, term in re.findall(r"([−]?)([^−]+)", text):
        product = Fraction(1)
        for op, num in re.findall(r"([×/]?)(\d+(?:\.\d+)?)", term):
            product = product / Fraction(num) if op == "/" else product * Fraction(num)
        total = total - product if sign and total else total + product
    return total


def check_line(row: Row, line: Line, peers: Sequence[Line], unit_of_measure: str) -> None:
    """Every number of one 说明 against the stored line and its peers on the indicator."""
    text = str(row["说明"])
    points = re.search(r"得(\d+\.\d\d)分", text)
    assert points and Decimal(points.group(1)) == shown(line.points), text
    measure = re.search(rf"({NUMBER}){re.escape(unit_of_measure)}", text)
    if line.measure is None:
        assert measure is None and line.points == 0
        assert ("无" in text and "数据" in text) or "为0，无法计算" in text, text
        if "为0，无法计算" in text:
            assert any(v == 0 for _, v in line.figures)
        return
    assert measure, text
    assert _near(measure.group(1), line.measure, PLACES[unit_of_measure]), text
    if line.eligibility == "negative":
        assert "负增长不得分" in text and line.measure < 0 and line.points == 0
        return
    if line.eligibility == "not_positive":
        assert "不得分" in text and line.measure <= 0 and line.points == 0
        return
    place = re.search(r"(\d+)个(县市、高新区|招商组、平台)中(并列)?第(\d+)名", text)
    if line.method.startswith("rank_share@"):
        assert place, text
        n, tied, at = int(place.group(1)), place.group(3) is not None, int(place.group(4))
        assert (n, at) == (len(peers), line.place), text
        assert tied == (sum(1 for p in peers if p.place == line.place) > 1), text
        working = re.search(r"（(.+)）$", text)
        assert working, text
        weight, share, size = re.fullmatch(r"(.+)×(\d+)/(\d+)", working.group(1)).groups()  # type: ignore[union-attr]
        assert (Decimal(weight), int(share), int(size)) == (line.weight, n - at + 1, n)
        assert abs(Fraction(line.points) - _working(working.group(1))) < Fraction(1, 10**40)
        return
    assert line.method == "target@1" and place is None and line.target is not None
    goal = re.search(rf"目标({NUMBER}){re.escape(unit_of_measure)}", text)
    assert goal and Decimal(goal.group(1)) == line.target, text
    if line.target == 0:
        assert "目标为0按规则得满分" in text and line.points == line.weight
        return
    if line.measure <= 0:
        assert "未完成" in text and line.points == 0
        return
    rate = re.search(rf"完成率({NUMBER})%", text)
    assert rate and _near(rate.group(1), line.measure / line.target * 100, 2), text
    working = re.search(r"（(.+)）$", text)
    assert working, text
    assert abs(Fraction(line.points) - _working(working.group(1))) < Fraction(1, 10**40)
    assert ("超额完成按满分计" in text) == (line.measure > line.target), text


def check_total(row: Row, scores: PeriodScores) -> None:
    """A total's points and place; the year's arithmetic from the stored components."""
    text = str(row["说明"])
    mine = {t.kind: t for t in scores.totals if t.unit == row["unit"]}
    total = mine[str(row["indicator"])]
    n = sum(1 for t in scores.totals if t.kind == total.kind and t.category == total.category)
    place = re.search(r"(\d+)个(县市、高新区|招商组、平台)中(?:并列)?第(\d+)名", text)
    assert place and (int(place.group(1)), int(place.group(3))) == (n, total.rank), text
    if total.kind == "year":
        numbers = re.fullmatch(
            rf"全年得分 =（({NUMBER})\+({NUMBER})\+({NUMBER})）÷6 \+ ({NUMBER})÷2"
            rf" = ({NUMBER})分，.*",
            text,
        )
        assert numbers, text
        stored = [mine[k].points for k in ("Q1", "Q2", "Q3", "annual", "year")]
        assert [Decimal(x) for x in numbers.groups()] == [shown(v) for v in stored]
    else:
        points = re.search(rf"({NUMBER})分", text)
        assert points and Decimal(points.group(1)) == shown(total.points), text


def test_every_number_of_every_explanation_comes_back_from_the_audit_trail(
    scored: Engine, settings: Settings
) -> None:
    rules = load_rules(settings.config_dir, 2023)
    seen: set[str] = set()
    for p in PERIODS:
        _, scores = audit.load(scored, str(p))
        peers: dict[str, list[Line]] = {}
        for ln in scores.lines:
            peers.setdefault(ln.indicator, []).append(ln)
        lines = {(ln.unit, ln.indicator): ln for ln in scores.lines}
        for row in export_rows(scores, rules):
            key = (str(row["unit"]), str(row["indicator"]))
            if key not in lines:
                check_total(row, scores)
                continue
            line = lines[key]
            unit = rules.measure(rules.leaf(line.indicator).measure).unit
            check_line(row, line, peers[line.indicator], unit)
            seen.add(line.eligibility if line.place or line.eligibility != "eligible" else "t")
            text = str(row["说明"])
            seen |= {c for c in ("并列", "超额完成", "目标为0", "无法计算", "无") if c in text}
    # The sample exercises every kind of sentence.
    assert {"no_data", "negative", "not_positive", "eligible", "t", "并列"} <= seen
    assert {"超额完成", "目标为0", "无法计算"} <= seen


def test_the_figures_behind_a_rate_are_stored_and_shown_with_their_units(
    scored: Engine, settings: Settings
) -> None:
    rules = load_rules(settings.config_dir, 2023)
    _, scores = audit.load(scored, "2023Q2")
    rows = {(r["unit"], r["indicator"]): r for r in export_rows(scores, rules)}
    stored = {(ln.unit, ln.indicator): ln for ln in scores.lines}
    base = stored[(ZERO_BASE_UNIT, "cq_out_pref_growth")]
    assert base.figures[1] == ("out_pref_prior_funds_yi", Decimal(0))
    assert rows[(ZERO_BASE_UNIT, "cq_out_pref_growth")]["说明"] == (
        "州外产业到位资金上年同期为0，无法计算引进州外产业到位资金增幅，不参与排名，得0.00分"
    )
    fdi = stored[("楚雄市", "cq_fdi_completion")]
    got, target = (v for _, v in fdi.figures)
    assert got is not None and target is not None
    shown_fdi = (
        f"实际利用外资本年累计 {_plain(got, 2)}万美元；"
        f"实际利用外资全年目标 {_plain(target, 2)}万美元"
    )
    assert rows[("楚雄市", "cq_fdi_completion")]["依据"] == shown_fdi
    assert rows[("楚雄市", "cq_fdi_completion")]["目标值"] == f"{_plain(target, 2)}万美元"
    assert rows[("楚雄市", "cq_fdi_completion")]["target"] is None  # contract: scoring target
    signed = rows[("楚雄市", "cq_signed")]
    assert (signed["依据"], signed["类别"], signed["指标名称"]) == (
        "",
        "县市、高新区",
        "本季度新签约项目数量",
    )
    nobody = rows[(NO_DATA_UNIT, "cq_signed")]
    assert nobody["说明"] == "无新签约项目数数据，不参与排名，得0.00分" and nobody["名次"] == "—"


def _plain(value: Decimal, places: int) -> str:
    text = format(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _bixue(home: Path, *args: str) -> int:
    return main([*args, "--home", str(home)])


@pytest.fixture
def home_scored(home: Path, settings: Settings) -> Path:
    """A home whose warehouse holds the sample year with figures (as `bixue score` leaves it)."""
    home.mkdir(parents=True, exist_ok=True)
    engine = connect(f"sqlite:///{home / 'warehouse.sqlite'}")
    for p in PERIODS:
        score(engine, settings, p, with_figures, source_name="test")
    return home


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_explain_reads_one_units_scoring_out_as_the_export_gives_it(
    home_scored: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _bixue(home_scored, "export", "scores", "--period", "2023Q2", "--unit", "楚雄市") == 0
    rows = _csv_rows(capsys.readouterr().out)
    assert {r["unit"] for r in rows} == {"楚雄市"} and len(rows) == 6
    assert _bixue(home_scored, "explain", "--unit", "楚雄市", "--period", "2023Q2") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(
        "楚雄市 2023年二季度比学赶超得分（草稿（第1次评分，未通报），评分规则 2023.1"
    )
    assert re.search(r"评分时间 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}）$", out[0])  # not ISO UTC
    total = rows[-1]
    assert out[1] == total["说明"] and out[1].startswith(f"合计{total['points']}分，11个县市")
    numbered = [line for line in out if re.match(r"\d+\. ", line)]
    assert numbered == [
        f"{i}. {r['指标名称']}（{r['分值']}分）：{r['说明']}" for i, r in enumerate(rows[:-1], 1)
    ]
    assert f"   依据：{rows[0]['依据']}" in out
    assert all("计分方法：" in line for line in out if line.startswith("   计分方法"))


def test_explain_of_a_year_starts_with_the_year_result_and_its_quarters(
    home_scored: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _bixue(home_scored, "explain", "--unit", "绿色钛产业招商组", "--period", "2023") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("全年得分所用季度得分：一季度按草稿")  # which quarter versions
    assert out[2].startswith("全年得分 =（") and out[3].startswith("年度得分")
    assert out[4].startswith("季度得分：一季度") and out[5].startswith("1. 引进州外到位资金完成率")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--unit", "昆明市", "--period", "2023Q2"), "2023Q2 的评分中没有单位 昆明市"),
        (("--unit", "楚雄市", "--period", "2024Q1"), "2024Q1 尚未评分"),
    ],
)
def test_explain_of_an_unknown_unit_or_period_is_a_chinese_error(
    home_scored: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    assert _bixue(home_scored, "explain", *args) == 2
    assert message in capsys.readouterr().err


def test_the_xlsx_export_reads_back_as_the_csv_with_numbers_as_numbers(
    home_scored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = tmp_path / "得分.xlsx"
    assert _bixue(home_scored, "export", "scores", "--period", "2023", "--format", "xlsx",
                  "--output", str(xlsx)) == 0  # fmt: skip
    assert _bixue(home_scored, "export", "scores", "--period", "2023") == 0
    rows = _csv_rows(capsys.readouterr().out)
    sheet = openpyxl.load_workbook(xlsx).active
    assert sheet is not None and sheet.title == "得分明细"
    cells = list(sheet.iter_rows(values_only=True))
    assert str(cells[0][0]).startswith("2023 评分草稿（第1次评分，未通报）")  # which version
    assert list(cells[1]) == list(rows[0]) and len(cells) == len(rows) + 2
    assert list(cells[1])[: len(COLUMNS)] == list(COLUMNS)
    for row, got in zip(rows, cells[2:], strict=True):
        for name, value in zip(rows[0], got, strict=True):
            if row[name] == "":
                assert value is None
            elif name in ("measure", "target", "points", "分值"):
                assert isinstance(value, int | float) and Decimal(str(value)) == Decimal(row[name])
            elif name == "rank":
                assert value == int(row[name])
            else:
                assert value == row[name]


def test_xlsx_texts_stay_texts_even_when_they_look_like_formulas() -> None:
    row: Row = dict.fromkeys(COLUMNS)
    row.update({"unit": "=1+1", "说明": '=HYPERLINK("http://x")', "points": "1.50"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([row], note="草稿"))).active
    assert sheet is not None
    assert sheet["A1"].value == "草稿" and sheet["A2"].value == "unit"
    assert (sheet["A3"].value, sheet["A3"].data_type) == ("=1+1", "s")
    assert (sheet["P3"].value, sheet["P3"].data_type) == ('=HYPERLINK("http://x")', "s")
    assert sheet["G3"].value == 1.5


def test_libreoffice_reads_the_csv_export_with_its_chinese_intact(
    home_scored: Path, tmp_path: Path
) -> None:
    soffice = shutil.which("soffice")
    need(soffice is not None, "LibreOffice (soffice) not installed: run .ci/install-services")
    exported = tmp_path / "得分.csv"
    assert _bixue(home_scored, "export", "scores", "--period", "2023Q2", "--output",
                  str(exported)) == 0  # fmt: skip
    assert exported.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = _csv_rows(exported.read_text(encoding="utf-8"))
    # LibreOffice's text import offers the Unicode the BOM announces; headless, the filter
    # options say it (44 comma, 34 quote, 76 UTF-8, from line 1).
    env = {"HOME": str(tmp_path / "lo-home"), "PATH": "/usr/bin:/bin"}
    command = [str(soffice), "--headless", "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx"]
    subprocess.run([*command, "--outdir", str(tmp_path / "lo"), str(exported)], env=env,
                   timeout=180, check=True, capture_output=True)  # fmt: skip
    sheet = openpyxl.load_workbook(tmp_path / "lo" / "得分.xlsx").active
    assert sheet is not None
    cells = list(sheet.iter_rows(values_only=True))
    header = list(cells[0])
    assert header == list(rows[0])  # the BOM was read as one, not as text
    assert header[: len(COLUMNS)] == list(COLUMNS)
    texts = ("unit", "类别", "指标名称", "计分方法", "依据", "名次", "说明", "version")
    for row, got in zip(rows, cells[1:], strict=True):
        read = dict(zip(header, got, strict=True))
        assert [read[c] or "" for c in texts] == [row[c] for c in texts]
    assert any("亿元" in r["依据"] for r in rows) and any("并列" in r["说明"] for r in rows)


@pytest.mark.parametrize(
    "command",
    [
        ["explain", "--unit", "楚雄市", "--period", "2023Q2"],
        ["export", "scores", "--period", "2023", "--format", "xlsx", "--unit", "楚雄市"],
        ["export", "scores", "--period", "2023Q1"],
    ],
)
def test_explain_and_exports_start_without_pandas_gx_or_prefect(
    home_scored: Path, command: list[str]
) -> None:
    probe = (
        "import sys; from bixue.cli import main; "
        f"code = main({[*command, '--home', str(home_scored)]!r}); sys.stdout.flush(); "
        "print(code, sorted(m for m in ('prefect', 'great_expectations', 'pandas') "
        "if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, check=True)
    assert done.stderr.decode().strip().splitlines()[-1] == "0 []"
    if command[0] == "export" and "xlsx" not in command:
        assert done.stdout.startswith(b"\xef\xbb\xbfunit,category,")  # BOM on stdout
    assert COLUMNS[:7] == FIELDS


def test_rules_show_gives_each_method_in_plain_chinese_and_every_decision(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _bixue(home, "rules", "show", "--year", "2023", "--format", "json") == 0
    document = json.loads(capsys.readouterr().out)
    first = document["indicators"][0]
    assert first["method"] == "rank_share@1" and "每低一名少 1/N" in first["method_zh"]
    assert first["decisions"] == ["D1", "D2", "D4", "D20"]
    assert [d["id"] for d in document["decisions"]] == [f"D{i}" for i in range(1, 23)]
    assert all(re.search(r"[\u4e00-\u9fff]", d["zh"]) for d in document["decisions"])
    assert document["measures"]["fdi_completion_pct"] == {
        "zh": "实际利用外资目标任务完成率",
        "unit": "%",
        "figures": ["fdi_wan_usd", "fdi_target_wan_usd"],
        "target_figure": "fdi_target_wan_usd",
    }
    assert _bixue(home, "rules", "show", "--year", "2023") == 0
    out = capsys.readouterr().out
    assert "竞争性排名：第1名得满分，之后每低一名少 1/N" in out and "目标管理法：得分 = 分值" in out
    d8 = next(d for d in document["decisions"] if d["id"] == "D8")
    assert f"D8   {d8['zh']}" in out.splitlines()  # aligned with D10–D22


def _line(unit: str, measure: str | None, eligibility: str, place: int | None, points: str,
          method: str = "rank_share@1", target: str | None = None,
          params: tuple[tuple[str, str], ...] = (), weight: str = "20",
          figures: tuple[tuple[str, Decimal | None], ...] = ()) -> Line:  # fmt: skip
    return Line(
        unit=unit, category="county", indicator="x", seq=0,
        measure=None if measure is None else Decimal(measure),
        target=None if target is None else Decimal(target),
        eligibility=eligibility, place=place, method=method, params=params,  # type: ignore[arg-type]
        ineligible_when=None, weight=Decimal(weight), points=Decimal(points),
        rule_version="t", inputs_hash="h", figures=figures,
    )  # fmt: skip


GROWTH = MeasureInfo(zh="增速", unit="%")
TRIPS = MeasureInfo(zh="次数", unit="次")
TARGET = (("cap", "1"), ("target", "t"), ("zero_target", "full"))
CAP_08 = (("cap", "0.8"), ("target", "t"), ("zero_target", "zero"))
OTHERS = [_line("B", "30", "eligible", 1, "20"), _line("C", "10", "eligible", 3, "8")]


@pytest.mark.parametrize(
    ("line", "peers", "info", "expected"),
    [
        (_line("A", "21.8", "eligible", 2, "16"), OTHERS, GROWTH,
         "增速21.8%，3个县市、高新区中第2名，得16.00分（20×2/3）"),
        (_line("A", "30", "eligible", 1, "20"), OTHERS, GROWTH,
         "增速30%，3个县市、高新区中并列第1名，得20.00分（20×3/3）"),
        (_line("A", "-2.5", "negative", None, "0"), OTHERS, GROWTH,
         "增速-2.5%，负增长不得分，不参与排名，得0.00分"),
        (_line("A", "0", "not_positive", None, "0"), OTHERS, TRIPS,
         "次数0次，为0不得分，不参与排名，得0.00分"),
        (_line("A", None, "no_data", None, "0"), OTHERS, GROWTH,
         "无增速数据，不参与排名，得0.00分"),
        (_line("A", "3", "eligible", 2, "15", method="rank_step@1", params=(("step", "5"),)),
         OTHERS, TRIPS, "次数3次，3个县市、高新区中第2名，得15.00分（20−5×1）"),
        (_line("A", "15", "eligible", 2, "10", method="ratio_to_best@1"), OTHERS, TRIPS,
         "次数15次，3个县市、高新区中第2名，得10.00分（20×15/30）"),
        (_line("A", "3", "eligible", None, "12", method="target@1", target="5", params=TARGET),
         [], TRIPS, "次数3次，目标5次，完成率60%，得12.00分（20×3/5）"),
        (_line("A", "7", "eligible", None, "20", method="target@1", target="5", params=TARGET),
         [], TRIPS, "次数7次，目标5次，完成率140%，超额完成按满分计，得20.00分（20×1）"),
        (_line("A", "5", "eligible", None, "16", method="target@1", target="5", params=CAP_08),
         [], TRIPS, "次数5次，目标5次，完成率100%，完成率超过80%的按80%计，得16.00分（20×0.8）"),
        (_line("A", "2", "eligible", None, "0", method="target@1", target="0", params=CAP_08),
         [], TRIPS, "次数2次，目标0次，目标为0按规则不得分，得0.00分"),
        (_line("A", "0", "eligible", None, "0", method="target@1", target="4", params=TARGET),
         [], TRIPS, "次数0次，目标4次，未完成，得0.00分"),
    ],
)  # fmt: skip
def test_each_case_has_its_own_sentence(
    line: Line, peers: list[Line], info: MeasureInfo, expected: str
) -> None:
    assert sentence(line, [line, *peers], info) == expected


@pytest.mark.parametrize(
    ("stored", "shown_as"),
    [
        ("2026-12-01T11:39:56+00:00", "2026年12月1日 19:39"),  # UTC, read in Chuxiong
        ("2023-12-31T16:30:00+00:00", "2024年1月1日 00:30"),
        ("not a time", "not a time"),
    ],
)
def test_a_scoring_time_is_shown_in_the_offices_time_zone(stored: str, shown_as: str) -> None:
    assert local_time(stored, ZoneInfo("Asia/Shanghai")) == shown_as


@pytest.mark.parametrize(
    ("points", "total", "year", "said"),
    [
        (["6.67", "6.67", "6.67"], "20.00", False, "各项相加为20.01分，与合计20.00分相差0.01分"),
        (["10.00", "5.50"], "15.50", False, None),  # they add up: nothing to explain
        (["3.33", "3.33"], "6.67", True, "各项相加为6.66分，与合计6.67分相差0.01分"),
    ],
)
def test_explain_says_why_rounded_points_may_not_add_up_to_the_total(
    points: list[str], total: str, year: bool, said: str | None
) -> None:
    from bixue.scoring.model import ANNUAL, TOTAL
    from bixue.scoring.tables import _rounding_note

    indicators: list[Row] = [{"indicator": f"i{n}", "points": p} for n, p in enumerate(points)]
    rows = [*indicators, {"indicator": ANNUAL if year else TOTAL, "points": total}]
    note = _rounding_note(rows, indicators, year)
    if said is None:
        assert note == []
    else:
        assert len(note) == 1 and said in note[0] and "D12" in note[0]
