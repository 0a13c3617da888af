"""The rules file: 附件6/附件7 as configured for 2023, and every mistake named by file and key."""

from __future__ import annotations

import re
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
        (_set(0, "weight", 21), "县市季度指标权重合计 101，应为 100"),
        (lambda d: d["indicators"][12]["parts"][0].__setitem__("weight", 10), "各分项权重合计 19"),
        (_set(0, "colour", "red"), "键 indicators.cq_out_pref_growth.colour：不认识的键"),
        (
            _set(9, "params", {"target": "nonsense"}),
            "params.target 'nonsense' 不是 config/targets 中县市目标的字段",
        ),
        (
            _set(0, "params", {"step": 2}),
            "计分方法 rank_share@1 的参数有误：params.step：不认识的键",
        ),
        (_set(0, "method", "rank_step"), "step"),
        (_set(9, "params", {"target": "leader_trips", "cap": 1.5}), "cap"),
        (_set(1, "key", "cq_out_pref_growth"), "指标 key 重复"),
        (_set(0, "ineligible_when", "sometimes"), "ineligible_when"),
        (lambda d: d.__setitem__("version", "2024.1"), "键 version：2024.1 不属于 2023 年"),
        # methods by name and version
        (_set(0, "method", "rank_share@9"), "没有计分方法 rank_share@9"),
        (_set(0, "method", "Rank Share"), "的写法不对"),
        # every measure and figure has a label and a unit
        (
            lambda d: d["measures"].pop("signed"),
            "键 indicators.cq_signed.measure：'signed' 在 measures 中没有定义",
        ),
        (
            lambda d: d["measures"].pop("fdi_target_wan_usd"),
            "键 measures.fdi_completion_pct.figures：'fdi_target_wan_usd' 在 measures 中没有定义",
        ),
        (
            lambda d: d["indicators"][12]["parts"][1].__setitem__("measure", "signed_20yi"),
            "键 indicators.ca_big_projects.p10yi.measure：'signed_20yi'",
        ),
        (
            lambda d: d["measures"]["signed"].__setitem__("unit", "件"),
            "键 measures.signed.unit：应为以下之一",
        ),
        (
            lambda d: d["measures"]["signed"].__setitem__("zh", "signed"),
            "须为办公室能读懂的中文句子",
        ),
        (lambda d: d["measures"]["signed"].pop("zh"), "键 measures.signed.zh：缺少此项"),
        (
            lambda d: d["measures"]["fdi_completion_pct"].__setitem__("target_figure", "signed"),
            "target_figure 'signed' 不在本项的 figures 中",
        ),
        # decisions as data
        (lambda d: d.pop("decisions"), "键 decisions：缺少此项"),
        (lambda d: d["decisions"][1].__setitem__("id", "D1"), "键 decisions：决定编号重复：D1"),
        (lambda d: d["decisions"][0].__setitem__("id", "d1"), "键 decisions.0.id：格式不对"),
        (
            lambda d: d["decisions"][0].__setitem__("applies_to", ["cq_nothing"]),
            "键 decisions.D1.applies_to：没有这个指标：cq_nothing",
        ),
        (
            lambda d: d["decisions"][2].__setitem__("zh", "no data scores 0"),
            "须为办公室能读懂的中文句子",
        ),
        (lambda d: d["decisions"][2].__setitem__("why", "x"), "键 decisions.2.why：不认识的键"),
    ],
)
def test_a_wrong_rules_file_is_refused_naming_file_and_key(
    config_copy: Path, change: object, message: str
) -> None:
    _edit(config_copy, change)
    with pytest.raises(ConfigError) as caught:
        load_rules(config_copy, 2023)
    assert "2023.yaml" in str(caught.value) and message in str(caught.value)
    # Chinese throughout: no pydantic wording leaks through
    assert not re.search(r"Field required|Value error|Input should|Extra inputs", str(caught.value))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"version: 2023.1\nyear: [2023\n", "YAML 格式错误（第 3 行第 1 列附近）"),
        ("version: 2023.1\nyear: 2023\n# 中文注释\n".encode("gbk"), "不是 UTF-8 编码的文本"),
    ],
)
def test_an_unreadable_rules_file_is_refused_in_chinese_naming_the_place(
    config_copy: Path, content: bytes, message: str
) -> None:
    (config_copy / "rules" / "2023.yaml").write_bytes(content)
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
    with pytest.raises(ConfigError, match="键 year：文件中为"):
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
