"""附件6/附件7 as configuration: config/rules/<year>.yaml, validated when loaded, hashed."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bixue.config import ConfigError, CountyTarget, GroupTarget, TargetsFile
from bixue.scoring.model import PeriodKind

Method = Literal["rank_share", "rank_step", "ratio_to_best", "target"]
Ineligible = Literal["negative", "not_positive"]
Category = Literal["county", "group"]
KEY = r"^[a-z][a-z0-9_]*$"
HUNDRED = Decimal(100)
TARGET_FIELDS: dict[str, set[str]] = {
    "county": set(CountyTarget.model_fields),
    "group": set(GroupTarget.model_fields),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RankShareParams(_Strict):
    pass


class RankStepParams(_Strict):
    step: Decimal = Field(gt=0)


class RatioToBestParams(_Strict):
    pass


class TargetParams(_Strict):
    target: str
    # Above 1 a unit could pass its weight and a table its 100 points.
    cap: Decimal = Field(default=Decimal(1), gt=0, le=1)
    zero_target: Literal["full", "zero"] = "full"


PARAMS: dict[str, type[_Strict]] = {
    "rank_share": RankShareParams,
    "rank_step": RankStepParams,
    "ratio_to_best": RatioToBestParams,
    "target": TargetParams,
}


def _checked_params(method: str, params: Mapping[str, Any]) -> dict[str, str]:
    """The method's parameters with their defaults, as exact strings; unknown ones refused."""
    try:
        model = PARAMS[method].model_validate(dict(params))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'params'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ValueError(f"params of method {method}: {problems}") from None
    return {k: str(v) for k, v in model.model_dump().items()}


class PartRule(_Strict):
    key: str = Field(pattern=KEY)
    name: str
    weight: Decimal = Field(gt=0)
    measure: str
    method: Method | None = None
    params: dict[str, Any] = {}
    ineligible_when: Ineligible | None = None


class IndicatorRule(_Strict):
    key: str = Field(pattern=KEY)
    name: str
    category: Category
    period_kind: PeriodKind
    weight: Decimal = Field(gt=0)
    measure: str | None = None
    method: Method
    params: dict[str, Any] = {}
    ineligible_when: Ineligible | None = None
    parts: tuple[PartRule, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> IndicatorRule:
        if not self.parts:
            if not self.measure:
                raise ValueError(f"indicator {self.key}: measure is required (it has no parts)")
            _checked_params(self.method, self.params)
            self._check_target(self.method, self.params, self.key)
            return self
        if self.measure:
            raise ValueError(f"indicator {self.key}: has parts, so the parts carry the measures")
        keys = [p.key for p in self.parts]
        if len(set(keys)) != len(keys):
            raise ValueError(f"indicator {self.key}: duplicate part key")
        total = sum((p.weight for p in self.parts), Decimal(0))
        if total != self.weight:
            raise ValueError(
                f"indicator {self.key}: parts weigh {total}, the indicator {self.weight}"
            )
        for part in self.parts:
            method = part.method or self.method
            params = {**self.params, **part.params}
            _checked_params(method, params)
            self._check_target(method, params, f"{self.key}.{part.key}")
        return self

    def _check_target(self, method: str, params: Mapping[str, Any], key: str) -> None:
        if method == "target" and params.get("target") not in TARGET_FIELDS[self.category]:
            fields = ", ".join(sorted(TARGET_FIELDS[self.category]))
            raise ValueError(
                f"indicator {key}: params.target {params.get('target')!r} is not a "
                f"{self.category} field of config/targets ({fields})"
            )


class Decision(_Strict):
    """A reading the seed leaves open, in a sentence the office can read out (D1, D2, …)."""

    id: str = Field(pattern=r"^D\d+$")
    zh: str = Field(min_length=1)
    applies_to: tuple[str, ...] = ()


class RulesFile(_Strict):
    version: str = Field(pattern=r"^\d{4}\.\d+$")
    year: int
    indicators: tuple[IndicatorRule, ...]
    decisions: tuple[Decision, ...] = ()

    @model_validator(mode="after")
    def _whole(self) -> RulesFile:
        if not self.version.startswith(f"{self.year}."):
            raise ValueError(f"version {self.version} does not belong to year {self.year}")
        keys = [i.key for i in self.indicators]
        if len(set(keys)) != len(keys):
            dupes = sorted({k for k in keys if keys.count(k) > 1})
            raise ValueError(f"duplicate indicator key {', '.join(dupes)}")
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
                        f"{category} {kind} indicators weigh {weight}, they must total 100"
                    )
        ids = [d.id for d in self.decisions]
        if len(set(ids)) != len(ids):
            raise ValueError(
                f"duplicate decision id {', '.join(sorted({i for i in ids if ids.count(i) > 1}))}"
            )
        for decision in self.decisions:
            unknown = sorted(set(decision.applies_to) - set(keys))
            if unknown:
                raise ValueError(
                    f"decision {decision.id}: applies_to names no indicator: {', '.join(unknown)}"
                )
        return self


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
        msg = str(err["msg"]).removeprefix("Value error, ")
        problems.append(f"key {'.'.join(loc) or '(top)'}: {msg}")
    return "; ".join(problems)


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
        data = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: YAML syntax error: {exc}") from exc
    try:
        rules_file = RulesFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_located(exc, data)}") from exc
    if rules_file.year != year:
        raise ConfigError(f"{path}: key year: {rules_file.year}, the file name says {year}")
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
