"""附件6/附件7 as configuration: config/rules/<year>.yaml, validated when loaded, hashed."""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from bixue.config import (
    ConfigError,
    CountyTarget,
    GroupTarget,
    TargetsFile,
    _problem_zh,
    safe_yaml,
)
from bixue.scoring.methods import method as find_method
from bixue.scoring.model import PeriodKind

Ineligible = Literal["negative", "not_positive"]
Category = Literal["county", "group"]
MeasureUnit = Literal["%", "亿元", "万美元", "次", "个"]
KEY = r"^[a-z][a-z0-9_]*$"
HUNDRED = Decimal(100)
TARGET_FIELDS: dict[str, set[str]] = {
    "county": set(CountyTarget.model_fields),
    "group": set(GroupTarget.model_fields),
}
CJK = re.compile(r"[\u4e00-\u9fff]")
CATEGORY_ZH = {"county": "县市", "group": "招商组"}
KIND_ZH = {"quarterly": "季度", "annual": "年度"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _method_name(value: str | None) -> str | None:
    """A rules file's method as its full versioned name; an unregistered one is refused."""
    if value is None:
        return None
    return find_method(value).key


MethodName = Annotated[str, AfterValidator(_method_name)]


def _checked_params(method: str, params: Mapping[str, Any]) -> dict[str, str]:
    """The method's parameters with their defaults, as exact strings; unknown ones refused."""
    try:
        model = find_method(method).params.model_validate(dict(params))
    except ValidationError as exc:
        problems = "；".join(
            f"params.{'.'.join(str(p) for p in err['loc'])}：{_problem_zh(err)}"
            if err["loc"]
            else _problem_zh(err)
            for err in exc.errors()
        )
        raise ValueError(f"计分方法 {method} 的参数有误：{problems}") from None
    return {k: str(v) for k, v in model.model_dump().items()}


class PartRule(_Strict):
    key: str = Field(pattern=KEY)
    name: str
    weight: Decimal = Field(gt=0)
    measure: str
    method: MethodName | None = None
    params: dict[str, Any] = {}
    ineligible_when: Ineligible | None = None


class IndicatorRule(_Strict):
    key: str = Field(pattern=KEY)
    name: str
    category: Category
    period_kind: PeriodKind
    weight: Decimal = Field(gt=0)
    measure: str | None = None
    method: MethodName
    params: dict[str, Any] = {}
    ineligible_when: Ineligible | None = None
    parts: tuple[PartRule, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> IndicatorRule:
        if not self.parts:
            if not self.measure:
                raise ValueError(f"指标 {self.key}：没有分项（parts），须填写 measure")
            _checked_params(self.method, self.params)
            self._check_target(self.method, self.params, self.key)
            return self
        if self.measure:
            raise ValueError(f"指标 {self.key}：有分项（parts）时由各分项填写 measure")
        keys = [p.key for p in self.parts]
        if len(set(keys)) != len(keys):
            raise ValueError(f"指标 {self.key}：分项 key 重复")
        total = sum((p.weight for p in self.parts), Decimal(0))
        if total != self.weight:
            raise ValueError(
                f"指标 {self.key}：各分项权重合计 {total}，与指标权重 {self.weight} 不符"
            )
        for part in self.parts:
            method = part.method or self.method
            params = {**self.params, **part.params}
            _checked_params(method, params)
            self._check_target(method, params, f"{self.key}.{part.key}")
        return self

    def _check_target(self, method: str, params: Mapping[str, Any], key: str) -> None:
        takes_target = "target" in find_method(method).params.model_fields
        if takes_target and params.get("target") not in TARGET_FIELDS[self.category]:
            fields = ", ".join(sorted(TARGET_FIELDS[self.category]))
            raise ValueError(
                f"指标 {key}：params.target {params.get('target')!r} 不是 config/targets 中"
                f"{CATEGORY_ZH[self.category]}目标的字段（可用：{fields}）"
            )


def _chinese(text: str) -> str:
    if not CJK.search(text):
        raise ValueError(f"{text!r} 须为办公室能读懂的中文句子")
    return text.strip()


ChineseText = Annotated[str, AfterValidator(_chinese)]


class MeasureInfo(_Strict):
    """A measure or figure as the office reads it: its Chinese label, its unit, what it is from."""

    zh: ChineseText
    unit: MeasureUnit
    figures: tuple[str, ...] = ()
    # The figure shown as the target of a ranked rate (e.g. the FDI target behind a completion).
    target_figure: str | None = None

    @model_validator(mode="after")
    def _target_is_a_figure(self) -> MeasureInfo:
        if self.target_figure is not None and self.target_figure not in self.figures:
            raise ValueError(f"target_figure {self.target_figure!r} 不在本项的 figures 中")
        return self


class Decision(_Strict):
    """A numbered decision on what the seed leaves open, in one Chinese sentence."""

    id: str = Field(pattern=r"^D[1-9][0-9]*$")
    zh: ChineseText
    applies_to: tuple[str, ...] = ()


class RulesFile(_Strict):
    version: str = Field(pattern=r"^\d{4}\.\d+$")
    year: int
    decisions: tuple[Decision, ...]
    measures: dict[str, MeasureInfo]
    indicators: tuple[IndicatorRule, ...]

    @model_validator(mode="after")
    def _whole(self) -> RulesFile:
        if not self.version.startswith(f"{self.year}."):
            raise ValueError(
                f"键 version：{self.version} 不属于 {self.year} 年（应以“{self.year}.”开头）"
            )
        keys = [i.key for i in self.indicators]
        if len(set(keys)) != len(keys):
            dupes = sorted({k for k in keys if keys.count(k) > 1})
            raise ValueError(f"键 indicators：指标 key 重复：{'、'.join(dupes)}")
        for category in ("county", "group"):
            for kind in ("quarterly", "annual"):
                weight = sum(
                    (
                        i.weight
                        for i in self.indicators
                        if i.category == category and i.period_kind == kind
                    ),
                    Decimal(0),
                )
                if weight != HUNDRED:
                    raise ValueError(
                        f"键 indicators：{CATEGORY_ZH[category]}{KIND_ZH[kind]}指标权重合计 "
                        f"{weight}，应为 100"
                    )
        self._check_measures()
        self._check_decisions()
        return self

    def _check_measures(self) -> None:
        """Every measure a leaf ranks and every figure behind one has a label and a unit."""
        for ind in self.indicators:
            named = [(ind.key, ind.measure)] if ind.measure else []
            named += [(f"{ind.key}.{p.key}", p.measure) for p in ind.parts]
            for key, measure in named:
                if measure not in self.measures:
                    raise ValueError(
                        f"键 indicators.{key}.measure：{measure!r} 在 measures 中没有定义"
                    )
        for name, info in self.measures.items():
            for figure in info.figures:
                if figure not in self.measures:
                    raise ValueError(
                        f"键 measures.{name}.figures：{figure!r} 在 measures 中没有定义"
                    )

    def _check_decisions(self) -> None:
        """Decision numbers are unique and name only indicators (or parts) of this file."""
        ids = [d.id for d in self.decisions]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"键 decisions：决定编号重复：{'、'.join(dupes)}")
        keys = {i.key for i in self.indicators}
        keys |= {f"{i.key}.{p.key}" for i in self.indicators for p in i.parts}
        for d in self.decisions:
            unknown = [k for k in d.applies_to if k not in keys]
            if unknown:
                raise ValueError(
                    f"键 decisions.{d.id}.applies_to：没有这个指标：{'、'.join(unknown)}"
                )


@dataclass(frozen=True)
class Leaf:
    """What is actually scored: an indicator without parts, or one part (key.part)."""

    key: str
    name: str
    category: str
    period_kind: PeriodKind
    weight: Decimal
    measure: str
    method: str
    params: tuple[tuple[str, str], ...]
    ineligible_when: str | None
    seq: int

    @property
    def target_field(self) -> str | None:
        return dict(self.params).get("target")


@dataclass(frozen=True)
class Rules:
    """One year's validated rules, their version and the hash of the file they came from."""

    file: RulesFile
    path: Path
    sha256: str

    @property
    def version(self) -> str:
        return self.file.version

    @property
    def year(self) -> int:
        return self.file.year

    def leaves(self, kind: PeriodKind | None = None) -> tuple[Leaf, ...]:
        """Every scored indicator or part, in file order (the order of exports)."""
        out: list[Leaf] = []
        for ind in self.file.indicators:
            if kind is None or ind.period_kind == kind:
                out += [
                    _leaf(ind, part, seq)
                    for seq, part in enumerate(ind.parts or (None,), start=len(out))
                ]
        return tuple(out)

    def measure(self, name: str) -> MeasureInfo:
        """A measure's or figure's label and unit (every leaf's measure has one: validated)."""
        return self.file.measures[name]

    def decisions(self, key: str | None = None) -> tuple[Decision, ...]:
        """All decisions, or those naming an indicator key (a part's key names its own too)."""
        if key is None:
            return self.file.decisions
        owner = key.split(".", 1)[0]
        return tuple(d for d in self.file.decisions if key in d.applies_to or owner in d.applies_to)

    def leaf(self, key: str) -> Leaf:
        for leaf in self.leaves():
            if leaf.key == key:
                return leaf
        raise KeyError(key)


def _leaf(ind: IndicatorRule, part: PartRule | None, seq: int) -> Leaf:
    """An indicator, or one of its parts with what it inherits from the indicator."""
    if part is None:
        key, name, weight, measure = ind.key, ind.name, ind.weight, ind.measure or ""
        method, params, ineligible = ind.method, ind.params, ind.ineligible_when
    else:
        key, name, weight, measure = f"{ind.key}.{part.key}", part.name, part.weight, part.measure
        method = part.method or ind.method
        params = {**ind.params, **part.params}
        given = "ineligible_when" in part.model_fields_set
        ineligible = part.ineligible_when if given else ind.ineligible_when
    return Leaf(
        key=key,
        name=name,
        category=ind.category,
        period_kind=ind.period_kind,
        weight=weight,
        measure=measure,
        method=method,
        params=tuple(sorted(_checked_params(method, params).items())),
        ineligible_when=ineligible,
        seq=seq,
    )


def _located(exc: ValidationError, data: Any) -> str:
    """Pydantic's locations with indicator indices replaced by their keys, for the office."""
    problems = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        if len(loc) >= 2 and loc[0] == "indicators" and loc[1].isdigit():
            with contextlib.suppress(KeyError, IndexError, TypeError):
                loc[1] = str(data["indicators"][int(loc[1])]["key"])
        msg = _problem_zh(err)
        # Whole-file checks name their key themselves.
        problems.append(f"键 {'.'.join(loc)}：{msg}" if loc else msg)
    return "；".join(problems)


def _where(exc: yaml.YAMLError) -> str:
    """Where PyYAML found the problem, as a clerk counts lines (from 1)."""
    mark = getattr(exc, "problem_mark", None)
    return f"（第 {mark.line + 1} 行第 {mark.column + 1} 列附近）" if mark else ""


def rules_path(config_dir: Path, year: int) -> Path:
    return config_dir / "rules" / f"{year}.yaml"


def load_rules(config_dir: Path, year: int) -> Rules:
    """The rules of one year: config/rules/<year>.yaml, refused loudly when absent or wrong."""
    path = rules_path(config_dir, year)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError(f"没有 {year} 年的评分规则：{path} 不存在") from exc
    try:
        data = safe_yaml(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}：不是 UTF-8 编码的文本，请以 UTF-8 保存") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}：YAML 格式错误{_where(exc)}：{exc}") from exc
    try:
        rules_file = RulesFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}：{_located(exc, data)}") from exc
    if rules_file.year != year:
        raise ConfigError(
            f"{path}：键 year：文件中为 {rules_file.year}，文件名却是 {year}.yaml，两者须一致"
        )
    return Rules(file=rules_file, path=path, sha256=hashlib.sha256(raw).hexdigest())


def configured_targets(rules: Rules, targets: TargetsFile) -> dict[tuple[str, str], Decimal]:
    """(unit, leaf key) -> the unit's target in config/targets, for every target-managed leaf."""
    out: dict[tuple[str, str], Decimal] = {}
    for leaf in rules.leaves():
        field = leaf.target_field
        if field is None:
            continue
        section: Mapping[str, BaseModel] = (
            targets.counties if leaf.category == "county" else targets.groups
        )
        for unit, values in section.items():
            out[(unit, leaf.key)] = Decimal(str(getattr(values, field)))
    return out
