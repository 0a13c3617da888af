"""Who gets the circulated results: leaders, every unit, the office in copy.

Read from config/circulation.yaml and validated at load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, field_validator

from bixue.config import ConfigError, Settings, _validated

_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")


def _checked(address: str) -> str:
    address = address.strip().lower()
    if not _ADDRESS.fullmatch(address):
        raise ValueError(f"不是有效的邮箱地址：{address}")
    return address


class Leader(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    address: str

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        return _checked(value)


class CirculationFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    leaders: tuple[Leader, ...] = ()
    office_copy: tuple[str, ...] = ()
    units: dict[str, tuple[str, ...]] = {}

    @field_validator("office_copy")
    @classmethod
    def _office(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_checked(a) for a in value)

    @field_validator("units")
    @classmethod
    def _units(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        out = {}
        for name, addresses in value.items():
            if not addresses:
                raise ValueError(f"{name} 没有列出邮箱地址")
            out[name] = tuple(_checked(a) for a in addresses)
        return out


@dataclass(frozen=True)
class Distribution:
    """Resolved recipients: leaders' and office's addresses, each unit's addresses."""

    leaders: tuple[str, ...]
    office: tuple[str, ...]
    units: dict[str, tuple[str, ...]]


def load_distribution(settings: Settings) -> Distribution:
    """The distribution list, checked: every unit named is registered, every address valid."""
    path = settings.config_dir / "circulation.yaml"
    data = _validated(CirculationFile, path)
    registered = {u.name: u for u in settings.units}
    for name in data.units:
        if name not in registered:
            raise ConfigError(f"{path}：键 units.{name}：不是登记的单位")
    units = {u.name: data.units.get(u.name, u.senders) for u in settings.units}
    office = data.office_copy or (settings.office_address.lower(),)
    return Distribution(tuple(x.address for x in data.leaders), tuple(office), units)
