"""Methods are versioned: a 2024 formula never changes how a 2023 score recomputes."""

from __future__ import annotations

import dataclasses
import shutil
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from bixue.config import CONFIG_DIR, Settings
from bixue.scoring import audit
from bixue.scoring.engine import recompute
from bixue.scoring.methods import (
    CONTEXT,
    RANK_SHARE,
    Inputs,
    Method,
    NoParams,
    ScoringMethodError,
    describe,
    method,
    register,
    registered,
)
from bixue.scoring.model import Period
from bixue.scoring.service import score, score_year
from bixue.warehouse.db import connect
from tests.scoring.scoring_sample import sample_measures


def _squared_share(i: Inputs) -> Decimal:
    """A 2024 formula: the rank share squared, so lower places fall off faster."""
    assert i.place is not None
    with localcontext(CONTEXT):
        share = Decimal(i.n - i.place + 1) / Decimal(i.n)
        return i.weight * share * share


RANK_SHARE_2 = Method(
    "rank_share",
    2,
    ranked=True,
    params=NoParams,
    points=_squared_share,
    zh="竞争性排名：得分 = 分值 ×（(N − 名次 + 1) ÷ N）²",
    working=lambda i: f"{i.weight}×({i.n - (i.place or 0) + 1}/{i.n})²",
)


@pytest.fixture
def config_2024(tmp_path: Path) -> Path:
    """The project's config plus a 2024 whose first county indicator uses rank_share@2."""
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    rules = yaml.safe_load((config / "rules" / "2023.yaml").read_text(encoding="utf-8"))
    rules.update({"year": 2024, "version": "2024.1"})
    assert rules["indicators"][0]["key"] == "cq_out_pref_growth"
    rules["indicators"][0]["method"] = "rank_share@2"
    (config / "rules" / "2024.yaml").write_text(
        yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8"
    )
    targets = (config / "targets" / "2023.yaml").read_text(encoding="utf-8")
    (config / "targets" / "2024.yaml").write_text(
        targets.replace("year: 2023", "year: 2024"), encoding="utf-8"
    )
    return config


def test_a_2024_method_leaves_the_2023_audit_trail_recomputing_unchanged(
    home: Path, config_2024: Path, tmp_path: Path
) -> None:
    settings = Settings(home=home, config_dir=config_2024)
    engine = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    score_year(engine, settings, 2023, sample_measures)
    periods = ("2023Q1", "2023Q2", "2023Q3", "2023")
    before = {p: audit.load(engine, p)[1] for p in periods}

    with registered(RANK_SHARE_2):
        # 2024 scores its first indicator with the new formula …
        done = score(engine, settings, Period(2024, 2), sample_measures, source_name="t")
        lines = [ln for ln in done.scores.lines if ln.indicator == "cq_out_pref_growth"]
        assert {ln.method for ln in lines} == {"rank_share@2"}
        eligible = [ln for ln in lines if ln.place is not None]
        assert eligible
        for ln in eligible:
            assert ln.place is not None
            exact = Fraction(ln.weight) * Fraction(len(lines) - ln.place + 1, len(lines)) ** 2
            assert abs(Fraction(ln.points) - exact) < Fraction(1, 10**40)
        others = {ln.method for ln in done.scores.lines if ln.indicator != "cq_out_pref_growth"}
        assert others == {"rank_share@1", "target@1"}
        # … and every 2023 line recomputes from its stored method to the stored points.
        for p in periods:
            _, stored = audit.load(engine, p)
            assert stored.lines == before[p].lines
            assert recompute(stored.lines) == {
                (ln.unit, ln.indicator): (ln.eligibility, ln.place, ln.points)
                for ln in stored.lines
            }
            assert {ln.method for ln in stored.lines} <= {"rank_share@1", "target@1"}
        # Rescoring 2023 on the same inputs is the same scoring: nothing new is written.
        again = score(engine, settings, Period(2023, 2), sample_measures, source_name="t")
        assert (again.version, again.created) == (1, False)


def test_an_audit_line_from_before_versions_recomputes_as_version_1(
    settings: Settings, tmp_path: Path
) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'w.sqlite'}")
    done = score(engine, settings, Period(2023, 1), sample_measures, source_name="t")
    unversioned = [
        dataclasses.replace(ln, method=ln.method.split("@")[0]) for ln in done.scores.lines
    ]
    with registered(RANK_SHARE_2):
        assert recompute(unversioned) == recompute(done.scores.lines)


def test_a_registered_version_cannot_be_redefined_and_unknown_ones_are_named() -> None:
    changed = dataclasses.replace(RANK_SHARE, points=_squared_share)
    with pytest.raises(ScoringMethodError, match="rank_share@1 is already registered"):
        register(changed)
    assert method("rank_share") is RANK_SHARE
    with pytest.raises(ScoringMethodError, match="没有计分方法 rank_share@2"):
        method("rank_share@2")
    with registered(RANK_SHARE_2):
        assert describe("rank_share@2", {}) == RANK_SHARE_2.zh
    with pytest.raises(ScoringMethodError):
        method("rank_share@2")  # gone again once its registration ends
