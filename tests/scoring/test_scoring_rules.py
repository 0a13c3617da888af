"""The rules file: 附件6/附件7 as configured for 2023, and every mistake named by file and key."""

from __future__ import annotations

import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from bixue.config import CONFIG_DIR, ConfigError, Settings
from bixue.scoring.rules import configured_targets, load_rules


def test_2023_rules_weigh_100_per_category_and_period_kind(settings: Settings) -> None:
    rules = load_rules(settings.config_dir, 2023)
    weights: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for leaf in rules.leaves():
        weights[(leaf.category, leaf.period_kind)] += leaf.weight
    assert dict(weights) == {
        ("county", "quarterly"): 100,
        ("county", "annual"): 100,
        ("group", "quarterly"): 100,
        ("group", "annual"): 100,
    }
    assert rules.version == "2023.1" and len(rules.sha256) == 64


@pytest.mark.parametrize(
    ("key", "weight", "method", "target"),
    [
        ("ca_big_projects.p5yi", "9", "target@1", "projects_5yi"),
        ("ca_big_projects.p10yi", "9", "target@1", "projects_10yi"),
        ("ga_big_projects.p5yi", "12.5", "target@1", "projects_5yi"),
        ("ga_big_projects.p10yi", "12.5", "target@1", "projects_10yi"),
        ("gq_funds_completion", "30", "target@1", "funds_yi"),
        ("cq_out_pref_growth", "20", "rank_share@1", None),
    ],
)
def test_each_leaf_carries_weight_method_and_target_field(
    settings: Settings, key: str, weight: str, method: str, target: str | None
) -> None:
    leaf = load_rules(settings.config_dir, 2023).leaf(key)
    assert (leaf.weight, leaf.method, leaf.target_field) == (Decimal(weight), method, target)


def test_configured_targets_come_from_the_years_targets_file(settings: Settings) -> None:
    rules = load_rules(settings.config_dir, 2023)
    targets = configured_targets(rules, settings.targets(2023))
    assert targets[("禄丰市", "ca_big_projects.p5yi")] == 8
    assert targets[("数字经济产业招商组", "ga_big_projects.p10yi")] == 0
    assert targets[("绿色硅光伏产业招商组", "gq_funds_completion")] == 80


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, copy)
    return copy


def _edit(config: Path, change: object) -> None:
    path = config / "rules" / "2023.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _set(index: int, field: str, value: object) -> object:
    return lambda d: d["indicators"][index].__setitem__(field, value)


def _decide(index: int, field: str, value: object) -> object:
    return lambda d: d["decisions"][index].__setitem__(field, value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set(0, "weight", 21), "county quarterly indicators weigh 101"),
        (lambda d: d["indicators"][12]["parts"][0].__setitem__("weight", 10), "parts weigh 19"),
        (_set(0, "colour", "red"), "key indicators.cq_out_pref_growth.colour"),
        (_set(9, "params", {"target": "nonsense"}), "params.target 'nonsense'"),
        (_set(0, "params", {"step": 2}), "params of method rank_share"),
        (_set(0, "method", "rank_step"), "step"),
        (_set(9, "params", {"target": "leader_trips", "cap": 1.5}), "cap"),
        (_set(1, "key", "cq_out_pref_growth"), "duplicate indicator key"),
        (_set(0, "ineligible_when", "sometimes"), "ineligible_when"),
        (lambda d: d.__setitem__("version", "2024.1"), "does not belong to year"),
        # methods by name and version
        (_set(0, "method", "rank_share@9"), "unknown method rank_share@9"),
        (_set(0, "method", "Rank Share"), "is not name or name@version"),
        # every measure and figure has a label and a unit
        (
            lambda d: d["measures"].pop("signed"),
            "key indicators.cq_signed.measure: 'signed' has no entry in measures",
        ),
        (
            lambda d: d["measures"].pop("fdi_target_wan_usd"),
            "key measures.fdi_completion_pct.figures: 'fdi_target_wan_usd' has no entry",
        ),
        (
            lambda d: d["indicators"][12]["parts"][1].__setitem__("measure", "signed_20yi"),
            "key indicators.ca_big_projects.p10yi.measure: 'signed_20yi'",
        ),
        (lambda d: d["measures"]["signed"].__setitem__("unit", "件"), "key measures.signed.unit"),
        (lambda d: d["measures"]["signed"].__setitem__("zh", "signed"), "must be a Chinese"),
        (lambda d: d["measures"]["signed"].pop("zh"), "key measures.signed.zh"),
        (
            lambda d: d["measures"]["fdi_completion_pct"].__setitem__("target_figure", "signed"),
            "target_figure 'signed' is not one of its figures",
        ),
        # decisions as data
        (lambda d: d.pop("decisions"), "key decisions: Field required"),
        (lambda d: d["decisions"][1].__setitem__("id", "D1"), "key decisions: duplicate id D1"),
        (lambda d: d["decisions"][0].__setitem__("id", "d1"), "key decisions.0.id"),
        (
            lambda d: d["decisions"][0].__setitem__("applies_to", ["cq_nothing"]),
            "key decisions.D1.applies_to: unknown indicator cq_nothing",
        ),
        (lambda d: d["decisions"][2].__setitem__("zh", "no data scores 0"), "must be a Chinese"),
        (lambda d: d["decisions"][2].__setitem__("why", "x"), "key decisions.2.why"),
    ],
)
def test_a_wrong_rules_file_is_refused_naming_file_and_key(
    config_copy: Path, change: object, message: str
) -> None:
    _edit(config_copy, change)
    with pytest.raises(ConfigError) as caught:
        load_rules(config_copy, 2023)
    assert "2023.yaml" in str(caught.value) and message in str(caught.value)


def test_decisions_and_measures_are_read_as_data(settings: Settings) -> None:
    rules = load_rules(settings.config_dir, 2023)
    assert [d.id for d in rules.decisions()] == [f"D{i}" for i in range(1, 23)]
    assert [d.id for d in rules.decisions("ga_big_projects.p10yi")] == [
        "D6",
        "D7",
        "D8",
        "D15",
        "D16",
    ]
    assert rules.measure("out_pref_growth_pct").figures == (
        "out_pref_funds_yi",
        "out_pref_prior_funds_yi",
    )
    assert (rules.measure("fdi_wan_usd").zh, rules.measure("fdi_wan_usd").unit) == (
        "实际利用外资本年累计",
        "万美元",
    )


def test_a_method_without_version_is_version_1(config_copy: Path) -> None:
    _edit(config_copy, _set(0, "method", "rank_share@1"))
    explicit = load_rules(config_copy, 2023).leaf("cq_out_pref_growth").method
    _edit(config_copy, _set(0, "method", "rank_share"))
    assert load_rules(config_copy, 2023).leaf("cq_out_pref_growth").method == explicit


def test_rules_are_chosen_by_year_and_a_missing_year_is_a_clear_error(config_copy: Path) -> None:
    with pytest.raises(ConfigError, match="没有 2024 年的评分规则"):
        load_rules(config_copy, 2024)
    shutil.copy(config_copy / "rules" / "2023.yaml", config_copy / "rules" / "2024.yaml")
    with pytest.raises(ConfigError, match="key year"):
        load_rules(config_copy, 2024)


def test_the_hash_follows_the_files_content(config_copy: Path) -> None:
    before = load_rules(config_copy, 2023).sha256
    path = config_copy / "rules" / "2023.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# note\n", encoding="utf-8")
    assert load_rules(config_copy, 2023).sha256 != before


def test_every_indicator_has_a_recorded_reading_in_chinese(settings: Settings) -> None:
    rules = load_rules(settings.config_dir, 2023)
    decided = {key for d in rules.file.decisions for key in d.applies_to}
    assert decided == {i.key for i in rules.file.indicators}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in d.zh) for d in rules.file.decisions)
    assert {"D13", "D14", "D15", "D16"} <= {d.id for d in rules.file.decisions}
