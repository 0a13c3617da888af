"""Drafts, then circulated versions, on real SQLite and PostgreSQL: a draft is redone freely,
circulating locks it as 第N版, recirculating needs force and keeps 第N版, and the year result
reads each quarter's newest circulated version, else its newest draft."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from bixue.config import Settings
from bixue.scoring import audit
from bixue.scoring.model import Measure, Period, ScoringError
from bixue.scoring.service import MeasureSource, circulate_version, score
from bixue.scoring.versions import basis_note, version_fields, version_label, version_note
from bixue.warehouse.db import connect
from bixue.warehouse.migrate import upgrade
from tests.scoring.scoring_sample import sample_measures


@pytest.fixture(params=["sqlite", "postgresql"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    if request.param == "sqlite":
        return connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    return connect(str(request.getfixturevalue("pg_url")))


def fixed(measures: Sequence[Measure]) -> MeasureSource:
    return lambda engine, settings, period: measures


def shifted(settings: Settings, period: str, by: int) -> MeasureSource:
    """The sample measures of a period, every value moved by `by` (a resubmission, say)."""
    base = sample_measures(None, settings, period)
    return fixed([Measure(m.unit, m.indicator, (m.value or 0) + by, m.target) for m in base])


def test_draft_redo_circulate_rescore_and_recirculate_keep_every_version(
    warehouse: Engine, settings: Settings
) -> None:
    q1 = Period(2023, 1)
    first = score(warehouse, settings, q1, shifted(settings, "2023Q1", 0), source_name="t")
    same = score(warehouse, settings, q1, shifted(settings, "2023Q1", 0), source_name="t")
    redone = score(warehouse, settings, q1, shifted(settings, "2023Q1", 1), source_name="t")
    assert [(s.version, s.created) for s in (first, same, redone)] == [
        (1, True),
        (1, False),
        (2, True),  # no --force: a draft is redone freely, the older draft kept beside it
    ]
    assert version_label(redone.run) == "草稿（第2次评分，未通报）"

    assert circulate_version(warehouse, settings, "2023Q1") == 1
    assert circulate_version(warehouse, settings, "2023Q1") == 1  # nothing new: the same 第1版
    circulated, scores_v1 = audit.load(warehouse, "2023Q1", circulated=1)
    assert (circulated.version, circulated.rules_version) == (2, "2023.1")
    assert circulated.inputs_hash == redone.scores.inputs_hash and circulated.circulated_at
    assert version_label(circulated) == "第1版（已通报）"

    again = score(warehouse, settings, q1, shifted(settings, "2023Q1", 1), source_name="t")
    assert (again.version, again.created, again.run.circulated) == (2, False, 1)
    rescored = score(warehouse, settings, q1, shifted(settings, "2023Q1", 2), source_name="t")
    assert (rescored.version, rescored.run.circulated) == (3, None)
    with pytest.raises(ScoringError, match=r"已通报第1版.*--force.*第2版，第1版保留不变"):
        circulate_version(warehouse, settings, "2023Q1")
    assert circulate_version(warehouse, settings, "2023Q1", force=True) == 2

    kept, kept_scores = audit.load(warehouse, "2023Q1", circulated=1)
    newest, newest_scores = audit.load(warehouse, "2023Q1", circulated=2)
    assert (kept.version, newest.version) == (2, 3)
    assert kept_scores == scores_v1 and kept_scores.lines == redone.scores.lines
    assert newest_scores.lines == rescored.scores.lines
    with warehouse.connect() as conn:
        assert [(r.version, r.circulated) for r in audit.runs(conn, "2023Q1")] == [
            (3, 2),
            (2, 1),
            (1, None),
        ]
    with pytest.raises(ScoringError, match="没有已通报的第3版"):
        audit.load(warehouse, "2023Q1", circulated=3)


def test_circulating_an_unscored_period_says_to_score_it_first(
    warehouse: Engine, settings: Settings
) -> None:
    with pytest.raises(ScoringError, match="2023Q2 尚未评分：请先运行 bixue score"):
        circulate_version(warehouse, settings, "2023Q2")


def test_the_year_uses_each_quarters_newest_circulated_version_else_its_newest_draft(
    warehouse: Engine, settings: Settings
) -> None:
    for q in (1, 2, 3):
        score(
            warehouse, settings, Period(2023, q), shifted(settings, f"2023Q{q}", 0), source_name="t"
        )
    assert circulate_version(warehouse, settings, "2023Q1") == 1
    # after 第1版 of Q1, a newer Q1 draft and a newer Q2 draft
    score(warehouse, settings, Period(2023, 1), shifted(settings, "2023Q1", 3), source_name="t")
    q2 = score(
        warehouse, settings, Period(2023, 2), shifted(settings, "2023Q2", 3), source_name="t"
    )
    year = score(warehouse, settings, Period(2023), sample_measures, source_name="t")

    assert year.run.basis == {"2023Q1": 1, "2023Q2": 2, "2023Q3": 1}
    assert year.run.basis_circulated == {"2023Q1": 1, "2023Q2": None, "2023Q3": None}
    _, q1_circulated = audit.load(warehouse, "2023Q1", circulated=1)
    used = {(t.unit, t.kind): t.points for t in year.scores.totals}
    for t in q1_circulated.totals:
        assert used[(t.unit, "Q1")] == t.points
    for t in q2.scores.totals:
        assert used[(t.unit, "Q2")] == t.points
    assert basis_note(year.run) == (
        "全年得分所用季度得分：一季度按第1版（已通报），二季度按草稿（第2次评分），"
        "三季度按草稿（第1次评分）"
    )
    # circulating Q2 changes what the year reads: scoring the year again is a new draft
    assert circulate_version(warehouse, settings, "2023Q2") == 1
    again = score(warehouse, settings, Period(2023), sample_measures, source_name="t")
    assert (again.version, again.run.basis_circulated["2023Q2"]) == (2, 1)


def test_version_fields_say_draft_or_circulated_and_list_gaps(
    warehouse: Engine, settings: Settings
) -> None:
    from bixue.scoring.gate import Gap

    gap = Gap("禄丰市", "a3", "2023-03", "missing")
    done = score(warehouse, settings, Period(2023, 1), sample_measures, source_name="t", gaps=[gap])
    assert version_fields(done.run) == {
        "version": "草稿（第1次评分，未通报）",
        "note": "数据不全：禄丰市：附件3：5亿元以上重点产业招商引资项目推进情况月报表"
        "（2023年1—3月）未报送",
    }
    assert version_note(done.run).splitlines()[1:] == [
        "数据不全，以下缺项未计入：",
        "  - 禄丰市：附件3：5亿元以上重点产业招商引资项目推进情况月报表（2023年1—3月）未报送",
    ]
    circulate_version(warehouse, settings, "2023Q1")
    run, _ = audit.load(warehouse, "2023Q1")
    assert version_fields(run)["version"] == "第1版（已通报）" and run.gaps == (gap,)


def test_runs_recorded_before_drafts_read_as_drafts(tmp_path: Path, settings: Settings) -> None:
    """Migration 0101: old runs (never mailed) become drafts with no gate and an int basis."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    upgrade(engine, "0100")
    with engine.begin() as conn:
        for period, basis in (("2023Q1", None), ("2023", '{"2023Q1": 1}')):
            conn.execute(
                sa.text(
                    "insert into score_run (period, version, rules_version, rules_hash,"
                    " inputs_hash, source, basis, scored_at) values"
                    " (:p, 1, '2023.1', 'r', 'i', 'warehouse', :b, '2026-11-30T00:00:00')"
                ),
                {"p": period, "b": basis},
            )
    upgrade(engine)
    with engine.connect() as conn:
        [q1] = audit.runs(conn, "2023Q1")
        [year] = audit.runs(conn, "2023")
    assert (q1.is_draft, q1.gaps, year.basis, year.basis_circulated) == (
        True,
        None,
        {"2023Q1": 1},
        {"2023Q1": None},
    )


def test_export_from_a_warehouse_not_yet_upgraded_says_to_upgrade(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from bixue.cli import main

    settings.home.mkdir(parents=True)
    upgrade(sa.create_engine(settings.warehouse_url), "0100")
    args = ["export", "scores", "--period", "2023Q1", "--home", str(settings.home)]
    assert main(args) == 2
    assert "请先运行 bixue db upgrade" in capsys.readouterr().err
