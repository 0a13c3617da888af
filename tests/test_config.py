"""Configuration is checked when loaded, and an error names the file and the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bixue.config import CONFIG_DIR, ConfigError, Settings, load_settings


def test_the_registry_holds_the_twenty_units_of_the_plan(settings: Settings) -> None:
    categories = [u.category for u in settings.units]
    assert (categories.count("county"), categories.count("group")) == (11, 9)
    targets = settings.targets(2023)
    assert targets.counties["禄丰市"].projects_5yi == 8
    assert targets.groups["现代物流产业招商组"].funds_yi == 40


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, target)
    return target


def test_a_wrong_value_names_file_and_key(tmp_path: Path) -> None:
    config = _copy(tmp_path)
    path = config / "targets" / "2023.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("fdi_wan_usd: 400", "fdi_wan_usd: 四百", 1),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"2023\.yaml：键 counties\.禄丰市\.fdi_wan_usd"):
        Settings(home=tmp_path, config_dir=config).validate()


def test_a_sender_registered_twice_is_refused(tmp_path: Path) -> None:
    config = _copy(tmp_path)
    path = config / "units.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("sbx@", "lfs@"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"发件邮箱 lfs@zs\.chuxiong\.example 同时登记给了"):
        Settings(home=tmp_path, config_dir=config).validate()


def test_environment_overrides_the_warehouse(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BIXUE_WAREHOUSE_URL", "postgresql+psycopg://u@h/db")
    assert load_settings(tmp_path).warehouse_url == "postgresql+psycopg://u@h/db"
    monkeypatch.delenv("BIXUE_WAREHOUSE_URL")
    assert (
        load_settings(tmp_path).warehouse_url
        == f"sqlite:///{tmp_path.resolve() / 'warehouse.sqlite'}"
    )


def test_a_missing_secret_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    from bixue.config import secret

    monkeypatch.delenv("BIXUE_SMTP_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="环境变量 BIXUE_SMTP_PASSWORD 未设置"):
        secret("BIXUE_SMTP_PASSWORD")


@pytest.mark.parametrize(
    ("file", "old", "new", "said"),
    [
        ("targets/2023.yaml", "fdi_wan_usd: 400", "fdi_wan_usd: 四百", "fdi_wan_usd：应为数字"),
        ("settings.yaml", "deadline_day: 20", "deadline_day: 31", "deadline_day：应不大于 28"),
        ("settings.yaml", "deadline_day: 20", "deadline_days: 20", "deadline_days：不认识的键"),
        ("units.yaml", "lfs@zs.chuxiong.example", "lfs.example", "不是电子邮件地址：“lfs.example”"),
    ],
)
def test_a_configuration_error_is_said_in_chinese(
    tmp_path: Path, file: str, old: str, new: str, said: str
) -> None:
    config = _copy(tmp_path)
    path = config / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        Settings(home=tmp_path, config_dir=config).validate()
    assert said in str(raised.value)
    assert not [w for w in ("key", "Input should", "Value error") if w in str(raised.value)]


@pytest.mark.parametrize("path", sorted(CONFIG_DIR.glob("**/*.yaml")), ids=lambda p: p.name)
def test_the_fast_yaml_loader_reads_every_config_file_as_safe_load_does(path: Path) -> None:
    from bixue.config import safe_yaml

    text = path.read_text(encoding="utf-8")
    assert safe_yaml(text) == yaml.safe_load(text)


@pytest.mark.parametrize(
    "text", ["!!python/object/apply:os.system ['true']", "a: !!python/name:os.system"]
)
def test_the_fast_yaml_loader_refuses_python_tags(text: str) -> None:
    from bixue.config import safe_yaml

    with pytest.raises(yaml.YAMLError):
        safe_yaml(text)
