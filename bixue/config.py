"""Configuration from `config/` and the environment, validated once, in one place."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

M = TypeVar("M", bound="BaseModel")

CONFIG_DIR = Path(
    os.environ.get("BIXUE_CONFIG_DIR", Path(__file__).resolve().parents[1] / "config")
)
UNIT_CATEGORIES = ("county", "group")


class ConfigError(Exception):
    """A configuration file or variable is wrong; the message names the file and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Unit(_Strict):
    name: str
    category: Literal["county", "group"]
    senders: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    admin_code: str | None = None

    @field_validator("senders")
    @classmethod
    def _lower_addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for addr in value:
            if addr.count("@") != 1 or addr != addr.strip():
                raise ValueError(f"不是电子邮件地址：“{addr}”")
        return tuple(a.lower() for a in value)


class Provider(_Strict):
    name: str
    forms: tuple[str, ...]
    senders: tuple[str, ...]

    @field_validator("senders")
    @classmethod
    def _lower_addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(a.lower() for a in value)


class UnitsFile(_Strict):
    units: tuple[Unit, ...]
    providers: tuple[Provider, ...] = ()


class CountyTarget(_Strict):
    fund_growth_pct: float
    out_of_province_growth_pct: float
    fdi_wan_usd: float
    projects_5yi: int
    projects_10yi: int
    trips_out_of_prefecture: int
    trips_out_of_province: int
    leader_trips: int
    top_leader_trips: int


class GroupTarget(_Strict):
    funds_yi: float
    source: Literal["statistics", "self_reported"]
    scope: tuple[str, ...]
    projects_5yi: int
    projects_10yi: int
    activities: int
    top_leader_trips: int


class TargetsFile(_Strict):
    year: int
    counties: dict[str, CountyTarget]
    groups: dict[str, GroupTarget]


class Calendar(_Strict):
    timezone: str = "Asia/Shanghai"
    deadline_day: int = Field(default=20, ge=1, le=28)


class Office(_Strict):
    name: str
    address: str


class MailboxSettings(_Strict):
    kind: Literal["maildir", "imap"] = "maildir"
    path: str = "mailbox"
    # Our receiving server's authserv-id: a submission counts only when that server's own
    # Authentication-Results header says the sender passed.
    authserv_id: str = ""
    # required: reading an IMAP mailbox with no authserv_id is refused; off: the office turned
    # the check off on purpose, and every status says so.
    sender_check: Literal["required", "off"] = "required"
    # Also count a message whose DKIM signature by the sender's own domain verifies.
    dkim: bool = False
    # The Prefect Secret block holding the IMAP password, read when BIXUE_IMAP_PASSWORD is unset.
    password_block: str = ""


class MailOutSettings(_Strict):
    kind: Literal["outbox", "smtp"] = "outbox"
    path: str = "outbox"
    # The Prefect Secret block holding the SMTP password, read when BIXUE_SMTP_PASSWORD is unset.
    password_block: str = ""


class WarehouseSettings(_Strict):
    url: str = ""


class RunSettings(_Strict):
    # Messages are read, checked and loaded in batches of at most this many megabytes of
    # attachments (a message is never split), so a month's memory is one batch's rows.
    batch_megabytes: float = Field(default=8.0, gt=0)
    # Where a month's batches run when it has more than one (a month of one batch always runs
    # in the run's own process): inline (there too, one after another), process (Prefect's
    # ProcessPoolTaskRunner, `workers` processes on this machine) or dask (the Dask scheduler
    # at `dask_address`). BIXUE_TASK_RUNNER, BIXUE_WORKERS and BIXUE_DASK_ADDRESS override.
    task_runner: Literal["inline", "process", "dask"] = "process"
    workers: int = Field(default=0, ge=0)
    dask_address: str = ""
    # One run at a time per home: a second run waits this many seconds for the first, then
    # ends saying who holds the home.
    lock_wait_seconds: float = Field(default=300.0, ge=0)
    # Address space one workbook's parse may add (its child process is capped at this): a file
    # that needs more is refused with a reason, the run goes on.
    parse_memory_megabytes: int = Field(default=1024, ge=64)


class WorkbookSettings(_Strict):
    """Bounds every submitted workbook is checked against before it is read (bixue/forms/guard)."""

    max_rows: int = Field(default=20_000, ge=100)
    max_columns: int = Field(default=256, ge=16, le=16384)
    max_members: int = Field(default=1_000, ge=10)
    max_member_megabytes: float = Field(default=100, gt=0)
    max_total_megabytes: float = Field(default=200, gt=0)
    max_ratio: int = Field(default=200, ge=10)
    max_xls_megabytes: float = Field(default=20, gt=0)


class AdminCode(_Strict):
    """One GB/T 2260 code and the years it was in force (config/admin_codes.yaml)."""

    code: str = Field(pattern=r"^\d{6}$")
    name: str
    level: Literal["prefecture", "county"]
    unit: str | None = None
    valid_from: int = Field(ge=1980, le=2100)
    valid_to: int | None = Field(default=None, ge=1980, le=2100)

    def in_force(self, year: int) -> bool:
        """Whether a project registered in `year` could carry this code."""
        return self.valid_from <= year and (self.valid_to is None or year <= self.valid_to)


class AdminCodesFile(_Strict):
    codes: tuple[AdminCode, ...]


def load_admin_codes(config_dir: Path = CONFIG_DIR, units: tuple[Unit, ...] = ()) -> AdminCodesFile:
    """The prefecture's codes with their years, checked: unique, ordered years, known units."""
    path = config_dir / "admin_codes.yaml"
    table = _validated(AdminCodesFile, path)
    names = {u.name for u in units}
    seen: set[str] = set()
    for i, entry in enumerate(table.codes):
        where = f"{path}: key codes.{i}"
        if entry.code in seen:
            raise ConfigError(f"{where}.code: {entry.code} listed twice")
        seen.add(entry.code)
        if entry.valid_to is not None and entry.valid_to < entry.valid_from:
            raise ConfigError(f"{where}.valid_to: before valid_from")
        if (entry.level == "county") != (entry.unit is not None):
            raise ConfigError(f"{where}.unit: a county code names its unit, the prefecture's none")
        if names and entry.unit is not None and entry.unit not in names:
            raise ConfigError(f"{where}.unit: {entry.unit} is not a registered unit")
    return table


class SettingsFile(_Strict):
    office: Office
    calendar: Calendar = Calendar()
    mailbox: MailboxSettings = MailboxSettings()
    mail_out: MailOutSettings = MailOutSettings()
    warehouse: WarehouseSettings = WarehouseSettings()
    run: RunSettings = RunSettings()
    workbook: WorkbookSettings = WorkbookSettings()


# libyaml's loader where PyYAML was built with it: the same documents, ~6 times faster.
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_yaml(text: Any) -> Any:
    """YAML as yaml.safe_load reads it (plain data, no tags), with the fastest loader there is."""
    return yaml.load(text, Loader=_SAFE_LOADER)


def _load_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return safe_yaml(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"配置文件不存在: {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}：YAML 格式错误：{exc}") from exc


def _validated(model: type[M], path: Path) -> M:
    try:
        return model.model_validate(_load_yaml(path))
    except ValidationError as exc:
        problems = "；".join(
            f"键 {'.'.join(str(p) for p in err['loc'])}：{_problem_zh(err)}" for err in exc.errors()
        )
        raise ConfigError(f"{path}：{problems}") from exc


# pydantic's error types as the office reads them; anything else keeps pydantic's own text.
PROBLEM_ZH = {
    "missing": "缺少此项",
    "extra_forbidden": "不认识的键（是否拼写有误？）",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "decimal_parsing": "应为数字",
    "string_type": "应为文字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "dict_type": "应为键值表",
    "model_type": "应为键值表",
    "model_attributes_type": "应为键值表",
}


def _problem_zh(err: Any) -> str:
    """One pydantic error in Chinese: our validators' own message, or the type's wording."""
    ctx = err.get("ctx") or {}
    kind = err["type"]
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "greater_than_equal":
        return f"应不小于 {ctx['ge']}"
    if kind == "less_than_equal":
        return f"应不大于 {ctx['le']}"
    if kind == "greater_than":
        return f"应大于 {ctx['gt']}"
    if kind == "string_pattern_mismatch":
        return f"格式不对（应符合 {ctx['pattern']}）"
    if kind == "literal_error":
        return f"应为以下之一：{ctx['expected']}"
    return PROBLEM_ZH.get(kind, str(err["msg"]))


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    user: str
    folder: str
    ssl: bool
    processed_folder: str
    password_block: str = ""  # a Prefect Secret block, the other source of the password


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str
    ssl: bool
    starttls: bool
    password_block: str = ""  # a Prefect Secret block, the other source of the password


@dataclass(frozen=True)
class RunnerChoice:
    """The task runner a month's batches go to: its kind, processes and Dask scheduler."""

    kind: Literal["inline", "process", "dask"]
    workers: int
    address: str = ""


# A Dask scheduler's address: tcp://host:port (the scheme may be left out), or tls://.
DASK_ADDRESS = re.compile(r"^((tcp|tls)://)?[A-Za-z0-9.\-_\[\]:]+:\d{1,5}$")


def runner_choice(run: RunSettings, env: Mapping[str, str]) -> RunnerChoice:
    """The run section and the environment as one validated choice.

    BIXUE_DASK_ADDRESS alone chooses dask; BIXUE_TASK_RUNNER names the kind outright.
    """
    address = env.get("BIXUE_DASK_ADDRESS", "").strip() or run.dask_address.strip()
    kind = env.get("BIXUE_TASK_RUNNER", "").strip()
    if not kind:
        kind = "dask" if env.get("BIXUE_DASK_ADDRESS", "").strip() else run.task_runner
    if kind not in ("inline", "process", "dask"):
        raise ConfigError(f"BIXUE_TASK_RUNNER：应为 inline、process 或 dask，而不是“{kind}”")
    raw = env.get("BIXUE_WORKERS", "").strip()
    try:
        workers = int(raw) if raw else run.workers
    except ValueError:
        raise ConfigError(f"BIXUE_WORKERS：应为进程数（整数），实为 {raw!r}") from None
    if workers < 0:
        raise ConfigError(f"BIXUE_WORKERS：不能为负数（{workers}）")
    if kind == "dask":
        if not address:
            raise ConfigError(
                "run.task_runner 为 dask 时须给出 Dask 调度器地址"
                "（settings.yaml 的 run.dask_address 或环境变量 BIXUE_DASK_ADDRESS）"
            )
        if not DASK_ADDRESS.match(address):
            raise ConfigError(f"Dask 调度器地址应形如 tcp://主机:端口，而不是“{address}”")
    return RunnerChoice(kind=kind, workers=workers or os.cpu_count() or 1, address=address)  # type: ignore[arg-type]


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def secret(name: str, block: str = "") -> str:
    """A password read at the moment of use: the environment variable `name`, else the Prefect
    Secret block `block` (when settings name one); neither is a loud error naming both."""
    value = os.environ.get(name)
    if value:
        return value
    if block:
        from bixue.secrets import SecretBlockUnavailableError, block_secret

        try:
            return block_secret(block)
        except SecretBlockUnavailableError as exc:
            raise ConfigError(
                f"环境变量 {name} 未设置，Prefect 密钥块（Secret）“{block}”也无法读取（{exc}）："
                f"请设置其一（密码不写在任何文件里）"
            ) from None
    raise ConfigError(
        f"环境变量 {name} 未设置，且 settings.yaml 未指定 Prefect 密钥块（password_block）："
        "请设置其一（密码不写在任何文件里）"
    )


@dataclass(frozen=True)
class Settings:
    """Everything one installation needs: its home folder, the config files and the overrides."""

    home: Path
    config_dir: Path = CONFIG_DIR

    @cached_property
    def file(self) -> SettingsFile:
        return _validated(SettingsFile, self.config_dir / "settings.yaml")

    @cached_property
    def registry(self) -> UnitsFile:
        reg = _validated(UnitsFile, self.config_dir / "units.yaml")
        names = [u.name for u in reg.units]
        if len(set(names)) != len(names):
            raise ConfigError(f"{self.config_dir / 'units.yaml'}：键 units：单位名称重复")
        owners: dict[str, str] = {}
        everyone: list[Unit | Provider] = [*reg.units, *reg.providers]
        for who in everyone:
            for addr in who.senders:
                if addr in owners:
                    raise ConfigError(
                        f"{self.config_dir / 'units.yaml'}：发件邮箱 {addr} 同时登记给了"
                        f"{owners[addr]}和{who.name}"
                    )
                owners[addr] = who.name
        return reg

    @property
    def units(self) -> tuple[Unit, ...]:
        return self.registry.units

    def unit(self, name: str) -> Unit:
        for u in self.units:
            if u.name == name:
                return u
        raise KeyError(name)

    @cached_property
    def industries(self) -> tuple[str, ...]:
        data = _load_yaml(self.config_dir / "industries.yaml") or {}
        items = data.get("industries")
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ConfigError(
                f"{self.config_dir / 'industries.yaml'}：键 industries：应为行业名称的列表"
            )
        return tuple(items)

    @cached_property
    def severities(self) -> dict[str, str]:
        """Rule id -> error | warning, overriding the suites (config/checks.yaml)."""
        path = self.config_dir / "checks.yaml"
        data = _load_yaml(path) or {}
        table = data.get("severity") or {}
        from bixue.rules.catalog import known_rules

        known = known_rules()
        for rule, level in table.items():
            if level not in ("error", "warning"):
                raise ConfigError(f"{path}：键 severity.{rule}：应为 error 或 warning")
            if rule not in known:
                raise ConfigError(f"{path}：键 severity.{rule}：审核规则中没有这条规则")
        return dict(table)

    def targets(self, year: int) -> TargetsFile:
        """A year's targets, read and checked once per Settings."""
        cached = self._targets.get(year)
        if cached is None:
            cached = self._targets[year] = self._load_targets(year)
        return cached

    @cached_property
    def _targets(self) -> dict[int, TargetsFile]:
        return {}

    def _load_targets(self, year: int) -> TargetsFile:
        path = self.config_dir / "targets" / f"{year}.yaml"
        targets = _validated(TargetsFile, path)
        names = {u.name for u in self.units}
        for section, expected in (("counties", "county"), ("groups", "group")):
            declared = getattr(targets, section)
            wanted = {u.name for u in self.units if u.category == expected}
            for key in declared:
                if key not in names:
                    raise ConfigError(f"{path}：键 {section}.{key}：不是登记的单位")
            if set(declared) != wanted:
                missing = sorted(wanted - set(declared))
                raise ConfigError(f"{path}：键 {section}：缺少{'、'.join(missing)}的目标")
        for name, group in targets.groups.items():
            for industry in group.scope:
                if industry not in self.industries:
                    raise ConfigError(
                        f"{path}：键 groups.{name}.scope：{industry} 不在 industries.yaml 中"
                    )
        return targets

    @cached_property
    def admin_codes(self) -> AdminCodesFile:
        """GB/T 2260 codes with their years, for 附件4 project codes (config/admin_codes.yaml)."""
        return load_admin_codes(self.config_dir, self.units)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.file.calendar.timezone)

    @property
    def deadline_day(self) -> int:
        return self.file.calendar.deadline_day

    @property
    def office_address(self) -> str:
        return _env("BIXUE_MAIL_FROM", self.file.office.address)

    @property
    def office_name(self) -> str:
        return self.file.office.name

    @property
    def warehouse_url(self) -> str:
        url = _env("BIXUE_WAREHOUSE_URL", self.file.warehouse.url)
        return url or f"sqlite:///{self.home / 'warehouse.sqlite'}"

    @property
    def mailbox_kind(self) -> str:
        kind = _env("BIXUE_MAILBOX", self.file.mailbox.kind)
        if kind not in ("maildir", "imap"):
            raise ConfigError(f"BIXUE_MAILBOX：应为 maildir 或 imap，而不是“{kind}”")
        return kind

    @property
    def sender_check_off(self) -> bool:
        """The office turned the sender check off (BIXUE_MAIL_SENDER_CHECK=off overrides)."""
        value = _env("BIXUE_MAIL_SENDER_CHECK", self.file.mailbox.sender_check).strip().lower()
        if value not in ("required", "off"):
            raise ConfigError(f"BIXUE_MAIL_SENDER_CHECK：应为 required 或 off，实为 {value!r}")
        return value == "off"

    @property
    def authserv_id(self) -> str:
        """Whose Authentication-Results count: ours (BIXUE_MAIL_AUTHSERV_ID overrides); "": none."""
        if self.sender_check_off:
            return ""
        return _env("BIXUE_MAIL_AUTHSERV_ID", self.file.mailbox.authserv_id).strip()

    @property
    def dkim(self) -> bool:
        """Verify DKIM signatures of the sender's domain (BIXUE_MAIL_DKIM=true|false overrides)."""
        if self.sender_check_off:
            return False
        value = _env("BIXUE_MAIL_DKIM").strip().lower()
        if value:
            return value in ("1", "true", "yes")
        return self.file.mailbox.dkim

    @property
    def sender_check_warning(self) -> str | None:
        """The sentence every status carries while IMAP mail counts with nobody checking senders."""
        if self.mailbox_kind == "imap" and self.sender_check_off:
            return (
                "注意：发件人认证检查已关闭（mailbox.sender_check: off），"
                "冒用已登记单位邮箱地址发来的报表也会被受理。"
            )
        return None

    def require_sender_check(self) -> None:
        """An IMAP mailbox is read only with the sender check set up, or turned off on purpose."""
        checked = self.authserv_id or self.dkim
        if self.mailbox_kind == "imap" and not checked and not self.sender_check_off:
            raise ConfigError(
                "未配置发件人认证：读取 IMAP 邮箱前须设置收件服务器的认证标识（settings.yaml 中"
                " mailbox.authserv_id 或环境变量 BIXUE_MAIL_AUTHSERV_ID），或开启 DKIM 签名验证"
                "（mailbox.dkim: true），只有认证通过的邮件才计为报送；"
                "如确需不检查，请明确设置 mailbox.sender_check: off"
                "（或 BIXUE_MAIL_SENDER_CHECK=off）。本次运行未读取任何邮件。"
            )

    @property
    def mailbox_path(self) -> Path:
        return self.home / _env("BIXUE_MAILBOX_PATH", self.file.mailbox.path)

    @property
    def imap(self) -> ImapSettings:
        host = _env("BIXUE_IMAP_HOST")
        if not host:
            raise ConfigError("BIXUE_IMAP_HOST 未设置（BIXUE_MAILBOX=imap 时必需）")
        return ImapSettings(
            host=host,
            port=int(_env("BIXUE_IMAP_PORT", "993")),
            user=_env("BIXUE_IMAP_USER"),
            folder=_env("BIXUE_IMAP_FOLDER", "INBOX"),
            ssl=_env("BIXUE_IMAP_SSL", "true").lower() in ("1", "true", "yes"),
            processed_folder=_env("BIXUE_IMAP_PROCESSED_FOLDER", ""),
            password_block=_env("BIXUE_IMAP_PASSWORD_BLOCK", self.file.mailbox.password_block),
        )

    @property
    def mail_out_kind(self) -> str:
        kind = _env("BIXUE_MAIL_OUT", self.file.mail_out.kind)
        if kind not in ("outbox", "smtp"):
            raise ConfigError(f"BIXUE_MAIL_OUT：应为 outbox 或 smtp，而不是“{kind}”")
        return kind

    @property
    def outbox_path(self) -> Path:
        return self.home / self.file.mail_out.path

    @property
    def smtp(self) -> SmtpSettings:
        host = _env("BIXUE_SMTP_HOST")
        if not host:
            raise ConfigError("BIXUE_SMTP_HOST 未设置（BIXUE_MAIL_OUT=smtp 时必需）")
        return SmtpSettings(
            host=host,
            port=int(_env("BIXUE_SMTP_PORT", "465")),
            user=_env("BIXUE_SMTP_USER", self.office_address),
            ssl=_env("BIXUE_SMTP_SSL", "true").lower() in ("1", "true", "yes"),
            # Default: STARTTLS whenever the connection is not TLS from the start.
            starttls=_env("BIXUE_SMTP_STARTTLS", "").lower() in ("1", "true", "yes")
            or (
                not _env("BIXUE_SMTP_STARTTLS")
                and _env("BIXUE_SMTP_SSL", "true").lower() not in ("1", "true", "yes")
            ),
            password_block=_env("BIXUE_SMTP_PASSWORD_BLOCK", self.file.mail_out.password_block),
        )

    @property
    def batch_bytes(self) -> int:
        """Attachment bytes per batch of a run (BIXUE_BATCH_MB overrides settings.yaml)."""
        megabytes = _env("BIXUE_BATCH_MB") or self.file.run.batch_megabytes
        return int(float(megabytes) * 1024 * 1024)

    @property
    def runner(self) -> RunnerChoice:
        """Where a month's batches run (settings.yaml run:, the environment overriding it)."""
        return runner_choice(self.file.run, os.environ)

    @property
    def lock_wait_seconds(self) -> float:
        """How long a run waits for another run on the home (BIXUE_LOCK_WAIT_SECONDS overrides)."""
        value = _env("BIXUE_LOCK_WAIT_SECONDS")
        if not value:
            return self.file.run.lock_wait_seconds
        try:
            seconds = float(value)
        except ValueError:
            raise ConfigError(f"BIXUE_LOCK_WAIT_SECONDS：应为秒数，实为 {value!r}") from None
        if seconds < 0:
            raise ConfigError(f"BIXUE_LOCK_WAIT_SECONDS：不能为负数（{value}）")
        return seconds

    @property
    def landing_path(self) -> Path:
        return self.home / "landing"

    def validate(self) -> None:
        """Load every file now so a mistake surfaces before any mail is touched."""
        _ = self.file, self.registry, self.industries, self.severities, self.admin_codes
        for path in sorted((self.config_dir / "targets").glob("*.yaml")):
            self.targets(int(path.stem))


def load_settings(home: str | Path | None = None) -> Settings:
    """Settings for the home given on the command line, else BIXUE_HOME, else ./var."""
    chosen = Path(home or _env("BIXUE_HOME") or "var").resolve()
    settings = Settings(home=chosen)
    settings.validate()
    return settings
