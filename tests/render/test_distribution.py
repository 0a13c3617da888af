"""config/circulation.yaml is validated at load: every address, every unit named, no stray key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bixue.config import CONFIG_DIR, ConfigError, Settings
from bixue.render.distribution import load_distribution


def _with(tmp_path: Path, text: str) -> Settings:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    (config / "circulation.yaml").write_text(text, encoding="utf-8")
    return Settings(home=tmp_path / "home", config_dir=config)


def test_the_shipped_list_reaches_leaders_the_office_and_every_unit(settings: Settings) -> None:
    d = load_distribution(settings)
    assert d.leaders and d.office == (settings.office_address,)
    assert set(d.units) == {u.name for u in settings.units}
    assert d.units["楚雄市"] == settings.unit("楚雄市").senders


def test_a_unit_listed_is_reached_at_the_listed_addresses_only(tmp_path: Path) -> None:
    s = _with(
        tmp_path, "leaders: []\noffice_copy: [Office@X.example]\nunits: {楚雄市: [a@b.example]}\n"
    )
    d = load_distribution(s)
    assert d.units["楚雄市"] == ("a@b.example",) and d.office == ("office@x.example",)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("leaders: [{name: 领导, address: not-an-address}]\n", "不是有效的邮箱地址"),
        ("units: {不存在的县: [a@b.example]}\n", "不是登记的单位"),
        ("units: {楚雄市: []}\n", "没有列出邮箱地址"),
        ("leader: []\n", "不认识的键"),
    ],
)
def test_a_bad_list_is_refused_naming_the_file_and_key(
    tmp_path: Path, text: str, says: str
) -> None:
    with pytest.raises(ConfigError, match=says) as caught:
        load_distribution(_with(tmp_path, text))
    assert "circulation.yaml" in str(caught.value)
