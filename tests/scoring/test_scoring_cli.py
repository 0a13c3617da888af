"""The scoring commands as the office uses them: score, export scores, rules show, what-if."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bixue.cli import main
from bixue.config import Settings
from bixue.scoring import audit
from bixue.scoring.commands import demo_year
from bixue.warehouse.db import connect
from tests.scoring.scoring_sample import sample_measures, write_measures

PERIODS = ("2023Q1", "2023Q2", "2023Q3", "2023")
FIELDS = ["unit", "category", "indicator", "measure", "target", "rank", "points"]
VERSION_FIELDS = ["version", "note"]  # appended by export: which version, and its gaps


def bixue(home: Path, *args: str) -> int:
    return main([*args, "--home", str(home)])


@pytest.fixture
def scored_year(home: Path, settings: Settings, tmp_path: Path) -> dict[str, Path]:
    """The sample year scored through `bixue score --measures`, quarter by quarter, then 2023."""
    connect(f"sqlite:///{home / 'warehouse.sqlite'}")  # an ingested home has its warehouse
    files = {}
    for period in PERIODS:
        files[period] = write_measures(
            tmp_path / f"m{period}.csv", sample_measures(None, settings, period)
        )
        assert bixue(home, "score", "--period", period, "--measures", str(files[period])) == 0
    return files


def test_rules_show_json_has_one_object_per_indicator_with_parts_nested(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bixue(home, "rules", "show", "--year", "2023", "--format", "json") == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["year"], document["version"]) == (2023, "2023.1")
    rules = document["indicators"]
    assert len(rules) == 22
    fields = [
        "key", "name", "category", "period_kind", "weight", "method", "params",
        "ineligible_when", "measure",
    ]  # fmt: skip
    assert all(list(r)[:9] == fields for r in rules)
    big = next(r for r in rules if r["key"] == "ga_big_projects")
    assert [(p["key"], p["weight"], p["params"]["target"]) for p in big["parts"]] == [
        ("ga_big_projects.p5yi", 12.5, "projects_5yi"),
        ("ga_big_projects.p10yi", 12.5, "projects_10yi"),
    ]
    assert all(list(p)[:9] == fields for p in big["parts"])
    assert rules[0]["ineligible_when"] == "negative" and rules[0]["weight"] == 20


def test_rules_show_table_is_in_chinese_and_names_the_version(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bixue(home, "rules", "show", "--year", "2023") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("2023 年评分规则 2023.1")
    assert out[1].split()[:3] == ["指标", "名称", "类别"]
    assert bixue(home, "rules", "show", "--year", "2030") == 2


def test_score_prints_the_ranking_and_redoes_a_draft_without_force(
    home: Path, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    measures = write_measures(tmp_path / "q1.csv", sample_measures(None, settings, "2023Q1"))
    connect(f"sqlite:///{home / 'warehouse.sqlite'}")  # an ingested home has its warehouse
    assert bixue(home, "score", "--period", "2023Q1", "--measures", str(measures)) == 0
    out = capsys.readouterr().out
    assert "2023Q1 评分已保存为新草稿（第1次评分）" in out and "招商组、平台" in out
    assert "2023Q1 评分草稿（第1次评分，未通报），评分规则 2023.1" in out
    assert bixue(home, "score", "--period", "2023Q1", "--measures", str(measures)) == 0
    assert "输入与规则未变，沿用第1次评分" in capsys.readouterr().out
    changed = write_measures(tmp_path / "q1b.csv", [], [["禄丰市", "cq_signed", "9", ""]])
    assert bixue(home, "score", "--period", "2023Q1", "--measures", str(changed)) == 0
    assert "新草稿（第2次评分）" in capsys.readouterr().out
    assert bixue(home, "export", "scores", "--period", "2023Q1", "--version", "1") == 2
    assert "没有已通报的第1版" in capsys.readouterr().err


def test_export_gives_a_row_per_unit_and_indicator_then_the_totals(
    home: Path, scored_year: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert bixue(home, "export", "scores", "--period", "2023Q2") == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeff")  # the byte-order mark, on standard output too
    rows = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff"))))
    assert list(rows[0])[:7] == FIELDS
    assert list(rows[0])[-2:] == VERSION_FIELDS
    assert {(r["version"], r["note"]) for r in rows} == {("草稿（第1次评分，未通报）", "")}
    county = [r for r in rows if r["unit"] == "楚雄市"]
    assert [r["indicator"] for r in county] == [
        "cq_out_pref_growth", "cq_out_prov_growth", "cq_fdi_completion", "cq_top_leader_trips",
        "cq_signed", "total",
    ]  # fmt: skip
    assert len(rows) == 11 * 6 + 9 * 5
    assert bixue(home, "export", "scores", "--period", "2023", "--format", "json") == 0
    year = json.loads(capsys.readouterr().out)
    group = [r["indicator"] for r in year if r["unit"] == "飞地经济招商组"]
    assert group[-5:] == [
        "ga_big_projects.p5yi",
        "ga_big_projects.p10yi",
        "total",
        "annual",
        "year",
    ]
    assert all(list(r)[:7] == FIELDS and list(r)[-2:] == VERSION_FIELDS for r in year)


def test_export_of_an_unscored_period_says_so(
    home: Path, scored_year: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert bixue(home, "export", "scores", "--period", "2024Q1") == 2
    assert "2024Q1 尚未评分" in capsys.readouterr().err


def test_score_measures_on_the_years_measures_gives_exactly_the_export(
    home: Path, scored_year: dict[str, Path], tmp_path: Path
) -> None:
    for period in PERIODS:
        exported = tmp_path / f"export-{period}.csv"
        args = ("export", "scores", "--period", period, "--output", str(exported))
        assert bixue(home, *args) == 0
        source = scored_year[period]
        if period == "2023":  # the what-if takes the quarter totals as rows unit,Q1|Q2|Q3,value
            source = tmp_path / "year-input.csv"
            source.write_text(
                scored_year[period].read_text(encoding="utf-8") + _quarter_rows(home, tmp_path),
                encoding="utf-8",
            )
        what_if = tmp_path / f"what-if-{period}.csv"
        args = ("score-measures", "--year", "2023", "--period", period)
        assert bixue(home, *args, "--input", str(source), "--output", str(what_if)) == 0
        assert same_scores(what_if, exported)


def same_scores(what_if: Path, exported: Path) -> bool:
    """The two CSV files hold the same rows in the same layout, BOM included, but for what
    says which version they are: a what-if says it is one, and lists no gaps."""
    ours, theirs = what_if.read_text("utf-8"), exported.read_text("utf-8")
    assert ours.startswith("\ufeff") and theirs.startswith("\ufeff")

    def rows(text: str) -> list[dict[str, str]]:
        out = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
        return [r for r in out if r.pop("version") and r.pop("note") is not None]

    assert {r["version"] for r in csv.DictReader(io.StringIO(ours[1:]))} == {
        "试算（未保存，不是正式评分）"
    }
    assert {r["note"] for r in csv.DictReader(io.StringIO(ours[1:]))} == {""}
    return rows(ours) == rows(theirs) and ours.splitlines()[0] == theirs.splitlines()[0]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_score_measures_reads_the_export_as_saved_by_excel_in_any_of_its_encodings(
    home: Path, scored_year: dict[str, Path], tmp_path: Path, encoding: str
) -> None:
    for period in PERIODS:
        exported = tmp_path / f"export-{period}.csv"
        args = ("export", "scores", "--period", period, "--output", str(exported))
        assert bixue(home, *args) == 0
        text = exported.read_text("utf-8-sig")
        if period == "2023":  # the year also needs the quarter totals, in the export's columns
            text += "".join(
                f"{unit},,{q},{points}\n"
                for unit, q, points in (
                    line.split(",")[:3] for line in _quarter_rows(home, tmp_path).splitlines()
                )
            )
        source = tmp_path / f"saved-{period}.csv"
        source.write_bytes(text.encode(encoding))
        what_if = tmp_path / f"what-if-{period}.csv"
        args = ("score-measures", "--year", "2023", "--period", period)
        assert bixue(home, *args, "--input", str(source), "--output", str(what_if)) == 0
        assert same_scores(what_if, exported)


def _quarter_rows(home: Path, tmp_path: Path) -> str:
    """unit,Qn,value rows with the unrounded quarter totals, read from the audit (JSON export
    shows them rounded, so the rows come from the recorded runs)."""
    engine = connect(f"sqlite:///{home / 'warehouse.sqlite'}")
    lines = []
    for q in ("Q1", "Q2", "Q3"):
        _, scores = audit.load(engine, f"2023{q}")
        lines += [f"{t.unit},{q},{t.points},\n" for t in scores.totals if t.kind == "total"]
    return "".join(lines)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("昆明市,cq_signed,1,", "m.csv 第3行：未知单位 '昆明市'"),
        ("禄丰市,ca_signed_1yi,1,", "m.csv 第3行：2023Q1 没有适用于 禄丰市 的指标 'ca_signed_1yi'"),
        ("禄丰市,gq_activities,1,", "m.csv 第3行：2023Q1 没有适用于 禄丰市 的指标"),
        ("禄丰市,cq_signed,many,", "m.csv 第3行：'many' 不是数字"),
        ("双柏县,cq_signed,1,", "m.csv 第3行：双柏县 的 cq_signed 重复"),
        ("双柏县,cq_out_pref_growth,1," + "9" * 200_000, "m.csv 第3行：不是有效的 CSV"),
        ('禄丰市,cq_signed,"1\n0",', "m.csv 第4行：'1\\n0' 不是数字"),  # a cell over two lines
    ],
)
def test_score_measures_names_the_line_of_a_bad_input(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], row: str, message: str
) -> None:
    path = tmp_path / "m.csv"
    path.write_text(f"unit,indicator,value,target\n双柏县,cq_signed,1,\n{row}\n", encoding="utf-8")
    args = ("score-measures", "--year", "2023", "--period", "2023Q1", "--input", str(path))
    assert bixue(home, *args, "--output", str(tmp_path / "out.csv")) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("unit,indicator,value\n双柏县,cq_signed,1\n".encode("utf-16"), "无法识别文件编码"),
        ("单位,指标,值\n双柏县,cq_signed,1\n".encode("gbk"), "m.csv 第1行：缺少列"),
        (b"", "m.csv 第1行：缺少列"),
    ],
)
def test_score_measures_says_in_chinese_what_is_wrong_with_the_file(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes(content)
    args = ("score-measures", "--year", "2023", "--period", "2023Q1", "--input", str(path))
    assert bixue(home, *args, "--output", str(tmp_path / "out.csv")) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_score_measures_takes_a_given_target_over_the_configured_one(
    home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        "unit,indicator,value,target\n"
        "绿色钛产业招商组,gq_funds_completion,20,\n"
        "飞地经济招商组,gq_funds_completion,20,80\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    args = ("score-measures", "--year", "2023", "--period", "2023Q3", "--input", str(path))
    assert bixue(home, *args, "--output", str(out)) == 0
    rows = {
        (r["unit"], r["indicator"]): r
        for r in csv.DictReader(io.StringIO(out.read_text("utf-8-sig")))
    }
    assert rows[("绿色钛产业招商组", "gq_funds_completion")]["points"] == "15.00"  # 20 of 40
    assert rows[("飞地经济招商组", "gq_funds_completion")]["target"] == "80"
    assert rows[("飞地经济招商组", "gq_funds_completion")]["points"] == "7.50"
    assert rows[("生物医药产业招商组", "total")]["points"] == "0.00"  # no data at all


@pytest.mark.parametrize(
    "command",
    [
        ["rules", "show", "--year", "2023", "--format", "json"],
        ["export", "scores", "--period", "2023Q1", "--format", "json"],
    ],
)
def test_read_only_scoring_commands_import_neither_prefect_nor_great_expectations(
    home: Path, scored_year: dict[str, Path], command: list[str]
) -> None:
    probe = (
        "import sys; from bixue.cli import main; "
        f"code = main({[*command, '--home', str(home)]!r}); "
        "print(code, sorted(m for m in ('prefect', 'great_expectations') if m in sys.modules), "
        "file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "0 []"


def test_the_demo_scores_the_year_and_prints_its_ranking_per_category(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    demo_year(engine, settings, 2023, sample_measures)
    out = capsys.readouterr().out
    assert "2023年比学赶超全年得分（评分规则 2023.1）" in out
    header = next(line for line in out.splitlines() if line.startswith("名次"))
    assert header.split() == ["名次", "单位", "一季度", "二季度", "三季度", "年度", "全年得分"]
    assert out.index("县市、高新区") < out.index("招商组、平台")
    assert [audit.load(engine, p)[0].version for p in PERIODS] == [1, 1, 1, 1]
