"""The inputs gate on real SQLite and PostgreSQL: a period is scored only from complete inputs,
or, when allowed, as a draft whose every output lists its gaps; a missing home stays missing."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from bixue.cli import main
from bixue.config import Settings
from bixue.scoring import audit
from bixue.scoring.gate import Gap, IncompleteInputsError, check_inputs
from bixue.scoring.model import Period, ScoringError
from bixue.scoring.service import circulate_version, score_warehouse
from bixue.warehouse.db import connect
from bixue.warehouse.schema import facts, submission
from bixue.warehouse.status import required_workbooks

MONTH = "2023-06"  # closes 2023Q2
PROVIDER = "州招商委办公室统计组"


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse(request: pytest.FixtureRequest, settings: Settings) -> sa.Engine:
    if request.param == "sqlite":
        return connect(settings.warehouse_url)
    return connect(str(request.getfixturevalue("pg_url")))


class Month:
    """A report month put straight into the warehouse: submissions and the statistics' facts."""

    def __init__(self, engine: sa.Engine, settings: Settings) -> None:
        self.engine, self.settings, self.n = engine, settings, 0
        self.counties = [u.name for u in settings.units if u.category == "county"]

    def send(self, unit: str, workbook: str, status: str = "accepted", version: int = 1) -> str:
        self.n += 1
        sid = f"s{self.n}"
        row = {
            "id": sid,
            "message_sha256": f"m{self.n}",
            "attachment_sha256": f"a{self.n}",
            "filename": f"{workbook}.xlsx",
            "unit": unit,
            "workbook": workbook,
            "period": MONTH,
            "version": version,
            "status": status,
            "late": False,
            "received_at": "2023-06-18T09:00:00+08:00",
            "rows_loaded": 0,
            "loaded_at": f"2023-06-18T09:00:{self.n:02d}+08:00",
        }
        with self.engine.begin() as conn:
            conn.execute(sa.insert(submission), row)
        return sid

    def statistics(self, workbook: str, counties: list[str], version: int = 1) -> None:
        sid = self.send(PROVIDER, workbook, version=version)
        figures = (
            {"out_pref_yi": 2, "out_pref_prior_yi": 1, "out_prov_yi": 1, "out_prov_prior_yi": 1}
            if workbook == "stats_funds"
            else {"fdi_wan_usd": 100, "fdi_prior_wan_usd": 90}
        )
        rows = [
            {
                "submission_id": sid,
                "sheet": "Sheet1",
                "excel_row": 5 + i,
                "unit": PROVIDER,
                "period": MONTH,
                "county": county,
                **({"industry": "绿色铝"} if workbook == "stats_funds" else {}),
                **figures,
            }
            for i, county in enumerate(counties)
        ]
        with self.engine.begin() as conn:
            conn.execute(sa.insert(facts[workbook]), rows)

    def complete(self, *, skip: tuple[str, str] | None = None, fdi_without: str = "") -> None:
        """Everything in, but the (unit, workbook) skipped and the county left out of 外资."""
        if skip != (PROVIDER, "stats_funds"):
            self.statistics("stats_funds", self.counties)
        self.statistics("stats_fdi", [c for c in self.counties if c != fdi_without])
        for unit in self.settings.units:
            for workbook in required_workbooks(self.settings, unit.name):
                if (unit.name, workbook) != skip:
                    self.send(unit.name, workbook)


Case = Callable[[Month], None]
CASES: list[tuple[str, Case, list[Gap]]] = [
    ("nothing missing", lambda m: m.complete(), []),
    (
        "a statistics month missing",
        lambda m: m.complete(skip=(PROVIDER, "stats_funds")),
        [Gap(PROVIDER, "stats_funds", MONTH, "missing")],
    ),
    (
        "a county missing from the statistics",
        lambda m: m.complete(fdi_without="永仁县"),
        [Gap(PROVIDER, "stats_fdi", MONTH, "incomplete", "永仁县")],
    ),
    (
        "a unit missing",
        lambda m: m.complete(skip=("禄丰市", "ledger")),
        [Gap("禄丰市", "ledger", MONTH, "missing")],
    ),
    (
        "a workbook rejected",
        lambda m: (
            m.complete(skip=("飞地经济招商组", "a4")),
            m.send("飞地经济招商组", "a4", "rejected", version=1),
            m.send("飞地经济招商组", "a4", "rejected", version=2),
        ),
        [Gap("飞地经济招商组", "a4", MONTH, "rejected", "2")],
    ),
    (
        "a correction refused: the accepted version still counts",
        lambda m: (m.complete(), m.send("飞地经济招商组", "a4", "rejected", version=2)),
        [],
    ),
    (
        "a rejected workbook corrected",
        lambda m: (
            m.complete(),
            m.send("飞地经济招商组", "a4", "rejected", version=2),
            m.send("飞地经济招商组", "a4", version=3),
        ),
        [],
    ),
]


@pytest.mark.parametrize(("case", "given", "gaps"), CASES, ids=[c[0] for c in CASES])
def test_the_gate_lists_what_is_missing_and_who_must_send_it(
    warehouse: sa.Engine, settings: Settings, case: str, given: Case, gaps: list[Gap]
) -> None:
    given(Month(warehouse, settings))
    assert check_inputs(warehouse, settings, Period(2023, 2)) == gaps
    if not gaps:
        done = score_warehouse(warehouse, settings, Period(2023, 2))
        assert done.run.gaps == () and done.run.is_draft
        return
    with pytest.raises(IncompleteInputsError) as refused:
        score_warehouse(warehouse, settings, Period(2023, 2))
    assert refused.value.gaps == tuple(gaps)
    with warehouse.connect() as conn:
        assert audit.runs(conn, "2023Q2") == []  # nothing was scored
    done = score_warehouse(warehouse, settings, Period(2023, 2), allow_incomplete=True)
    assert done.run.gaps == tuple(gaps)


@pytest.mark.parametrize(
    ("gap", "text"),
    [
        (
            Gap(PROVIDER, "stats_funds", MONTH, "missing"),
            f"{PROVIDER}：统计：国内合作产业到位资金统计表（2023年1—6月）未报送",
        ),
        (
            Gap("禄丰市", "ledger", MONTH, "missing"),
            "禄丰市：附表：县市、楚雄高新区外出招商及新签约项目月报表（2023年1—6月）未报送",
        ),
        (
            Gap("飞地经济招商组", "a4", MONTH, "rejected", "2"),
            "飞地经济招商组：附件4：飞地经济招商组和市场化招商平台引进州外资金月报表"
            "（2023年1—6月）最新的第2版未通过审核，须改正后重新报送",
        ),
        (
            Gap(PROVIDER, "stats_fdi", MONTH, "incomplete", "永仁县"),
            f"{PROVIDER}：统计：实际利用外资统计表（2023年1—6月）"
            "缺少 永仁县 的本年累计或上年同期数据",
        ),
    ],
)
def test_each_gap_reads_as_a_chinese_sentence_naming_unit_form_and_month(
    gap: Gap, text: str
) -> None:
    assert gap.text() == text


def bixue(settings: Settings, *args: str) -> int:
    return main([*args, "--home", str(settings.home)])


def test_score_stops_with_status_2_and_the_list_then_allow_incomplete_marks_every_output(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Month(connect(settings.warehouse_url), settings).complete(skip=("禄丰市", "ledger"))
    assert bixue(settings, "score", "--period", "2023Q2") == 2
    err = capsys.readouterr().err
    assert "2023Q2 的评分数据不全，未评分" in err
    assert (
        "  - 禄丰市：附表：县市、楚雄高新区外出招商及新签约项目月报表（2023年1—6月）未报送" in err
    )
    assert "--allow-incomplete" in err and "Traceback" not in err

    assert bixue(settings, "score", "--period", "2023Q2", "--allow-incomplete") == 0
    out = capsys.readouterr().out
    assert "2023Q2 评分草稿（第1次评分，未通报），评分规则 2023.1" in out
    assert "数据不全，以下缺项未计入：" in out and "禄丰市：附表" in out

    assert bixue(settings, "export", "scores", "--period", "2023Q2") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["version"] for r in rows} == {"草稿（第1次评分，未通报）"}
    [note] = {r["note"] for r in rows}
    assert note.startswith("数据不全：禄丰市：附表") and "（2023年1—6月）未报送" in note


def test_a_complete_scoring_says_nothing_of_gaps(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    Month(connect(settings.warehouse_url), settings).complete()
    assert bixue(settings, "score", "--period", "2023Q2") == 0
    assert "数据不全" not in capsys.readouterr().out
    assert bixue(settings, "export", "scores", "--period", "2023Q2", "--format", "json") == 0
    out = capsys.readouterr().out
    assert '"note": ""' in out and "数据不全" not in out


@pytest.mark.parametrize(
    "args",
    [
        ("score", "--period", "2023Q2"),
        ("score", "--period", "2023Q2", "--allow-incomplete"),
        ("score", "--period", "2023", "--allow-incomplete"),
    ],
)
def test_scoring_a_home_without_a_warehouse_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    home = tmp_path / "nowhere"
    assert main([*args, "--home", str(home)]) == 2
    err = capsys.readouterr().err
    assert "数据仓库不存在" in err and "bixue ingest" in err
    assert not home.exists() and list(tmp_path.iterdir()) == []


def test_scoring_an_empty_postgresql_warehouse_creates_no_table(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BIXUE_WAREHOUSE_URL", pg_url)
    assert main(["score", "--period", "2023Q2", "--home", str(tmp_path / "h")]) == 2
    assert "数据仓库尚未初始化" in capsys.readouterr().err
    assert sa.inspect(sa.create_engine(pg_url)).get_table_names() == []
    assert list(tmp_path.iterdir()) == []


def test_a_draft_whose_warehouse_changed_since_is_not_circulated(
    warehouse: sa.Engine, settings: Settings
) -> None:
    month = Month(warehouse, settings)
    month.complete(skip=("飞地经济招商组", "a4"))
    score_warehouse(warehouse, settings, Period(2023, 2), allow_incomplete=True)
    month.send("飞地经济招商组", "a4")  # the missing workbook arrives after the draft
    with pytest.raises(ScoringError, match="请先重新运行 bixue score --period 2023Q2"):
        circulate_version(warehouse, settings, "2023Q2")
    redone = score_warehouse(warehouse, settings, Period(2023, 2))
    assert redone.version == 2
    assert circulate_version(warehouse, settings, "2023Q2") == 1
    run, _ = audit.load(warehouse, "2023Q2", circulated=1)
    assert (run.version, run.gaps) == (2, ())
