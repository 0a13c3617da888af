"""述评 from the recorded scores alone: every number it says is found in the audit trail, and a
period whose ranking did not change says so."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bixue.config import Settings
from bixue.render.commentary import Cited, commentary, elapsed_share
from bixue.scoring import audit
from bixue.scoring.model import Measure, Period
from bixue.scoring.rules import load_rules
from bixue.scoring.service import score
from bixue.warehouse.db import connect
from bixue.warehouse.migrate import upgrade
from tests.scoring.scoring_sample import sample_measures


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    if request.param == "sqlite":
        e = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    else:
        e = connect(str(request.getfixturevalue("pg_url")))
    upgrade(e)
    return e


def _audited(engine: Engine, c: Cited) -> Decimal:
    """The cited number as the audit trail has it (the period's newest run)."""
    if c.field == "elapsed":
        return elapsed_share(c.period)
    _, scores = audit.load(engine, c.period)
    if c.field == "measure":
        (line,) = [ln for ln in scores.lines if ln.unit == c.unit and ln.indicator == c.key]
        assert line.measure is not None
        return line.measure
    if c.key in {ln.indicator for ln in scores.lines}:
        assert c.field == "points"
        (line,) = [ln for ln in scores.lines if ln.unit == c.unit and ln.indicator == c.key]
        return line.points
    (total,) = [t for t in scores.totals if t.unit == c.unit and t.kind == c.key]
    return total.points if c.field == "points" else Decimal(total.rank or 0)


@pytest.mark.parametrize("period", ["2023Q1", "2023Q2", "2023Q3", "2023"])
def test_every_number_of_the_commentary_is_in_the_audit_trail(
    engine: Engine, settings: Settings, period: str
) -> None:
    last = int(period[-1]) if "Q" in period else 3
    for q in range(1, last + 1):
        score(engine, settings, Period(2023, q), sample_measures, source_name="sample")
    if "Q" not in period:
        score(engine, settings, Period(2023), sample_measures, source_name="sample")
    rules = load_rules(settings.config_dir, 2023)
    _, scores = audit.load(engine, period)
    before = f"2023Q{last - 1}" if "Q" in period else "2023Q3"
    previous = audit.load(engine, before)[1] if period != "2023Q1" else None
    comment = commentary(scores, rules, previous)
    names = sorted((leaf.name for leaf in rules.leaves()), key=len, reverse=True)
    checked = 0
    for sentences in comment.categories.values():
        for s in sentences:
            for c in s.cited:
                exact = _audited(engine, c)
                assert c.value == exact, c
                shown_value = Decimal(re.sub(r"[^\d.\-]", "", c.text))
                places = -shown_value.as_tuple().exponent  # type: ignore[operator]
                assert shown_value == round(exact, places) or abs(shown_value - exact) < Decimal(
                    "0.005"
                ), c
                checked += 1
            rest = s.text
            for c in sorted(s.cited, key=lambda c: len(c.text), reverse=True):
                rest = rest.replace(c.text, "")
            for name in names:
                rest = rest.replace(name, "")
            assert not re.search(r"\d", rest), rest  # no number said that is not cited
    assert checked > 10


def test_a_quarter_whose_ranking_did_not_change_says_so(engine: Engine, settings: Settings) -> None:
    q1 = list(sample_measures(None, settings, "2023Q1"))
    same = [Measure(m.unit, m.indicator, m.value) for m in q1]
    for q in (1, 2):
        score(engine, settings, Period(2023, q), lambda e, s, p: same, source_name="same")
    rules = load_rules(settings.config_dir, 2023)
    comment = commentary(audit.load(engine, "2023Q2")[1], rules, audit.load(engine, "2023Q1")[1])
    for category in ("县市、高新区", "招商组、平台"):
        assert "各单位名次与一季度相同，没有变化。" in comment.text(category)
        assert "上升" not in comment.text(category) and "下降" not in comment.text(category)


def test_the_first_quarter_has_nothing_to_compare_and_submissions_are_said_by_month(
    engine: Engine, settings: Settings
) -> None:
    score(engine, settings, Period(2023, 1), sample_measures, source_name="sample")
    _, scores = audit.load(engine, "2023Q1")
    months = {
        "2023-02": [{"unit": "楚雄市", "state": "late"}, {"unit": "双柏县", "state": "accepted"}],
        "2023-03": [
            {"unit": "楚雄市", "state": "accepted"},
            {"unit": "双柏县", "state": "rejected"},
        ],
    }
    text = commentary(scores, None, None, months).text("县市、高新区")
    assert "一季度为本年首次评分，无上季度名次可比。" in text
    assert "迟报：楚雄市（2月）" in text and "未报送或未通过审核且未更正：双柏县（3月）" in text
    quiet = {"2023-03": [{"unit": "楚雄市", "state": "accepted"}]}
    assert "各单位均按时报送。" in commentary(scores, None, None, quiet).text("县市、高新区")


@pytest.mark.parametrize(
    ("months", "text"),
    [([4], "4月"), ([4, 5, 6], "4—6月"), ([1, 2, 3, 5, 7, 8], "1—3月、5月、7—8月")],
)
def test_months_are_said_as_spans(months: list[int], text: str) -> None:
    from bixue.render.commentary import month_ranges

    assert month_ranges(months) == text
