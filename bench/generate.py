"""Scaled months in the real form layouts: a bench config of N prefectures and their Maildir.

- realistic: the sample year's own month (bixue.sample.generate_year), the 20 configured units;
- province: 16 prefectures × the same 20 units, each unit's rows as the sample world has them;
- national: prefectures × 20 units until ~3,000 workbooks of 500 rows each.

Workbooks are rendered by bixue.forms.templates.render_workbook (the real layouts). A scaled
month renders each distinct content once with a placeholder on the 填报单位 line and patches
the unit's name into the sheet XML per unit: rendering 3,000 workbooks of 500 rows one by one
would take ~15 minutes, patching takes seconds. Sites stay the 11 real county names, so the
2023 suites' in_set checks (site, county) still pass.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import random
import shutil
import zipfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import yaml

from bixue.config import CONFIG_DIR, Settings, Unit
from bixue.forms.spec import WORKBOOK_NAMES, WORKBOOKS
from bixue.forms.templates import render_workbook
from bixue.sample.mail import NAME_ENCODINGS, build_message, evidence_name, evidence_pdf
from bixue.sample.model import Record, SampleWorld, unit_workbooks

# A new 在谈/已签约 project's first report needs its own document, named after it (附件3 注2;
# config/checks.yaml). The bench's warehouse has no earlier month, so every such line of a
# scaled 附件3 is new: each gets its document as the sample's units send it, and a fixed-size
# workbook draws at most NEW_PER_WORKBOOK of them (the rest are projects past signing, as in a
# month whose lines were mostly reported before). Otherwise every 附件3 line would carry a
# warning and every receipt a marked 500-row workbook: not the month the figures describe.
NEW_PER_WORKBOOK = 4
EVIDENCE_STAGES = ("在谈", "已签约")

YEAR = 2023
SEED = 2023
PLACEHOLDER = "BXUNITPLACEHOLDER"
VARIANTS = 4  # distinct contents per workbook kind at a fixed row count
PARALLEL_FROM = 8  # prefectures from which mail is written by one process per core
# Yunnan's 16 prefecture-level divisions; 楚雄州 keeps the configured names.
PREFECTURES = (
    "楚雄州",
    "昆明市",
    "曲靖市",
    "玉溪市",
    "保山市",
    "昭通市",
    "丽江市",
    "普洱市",
    "临沧市",
    "红河州",
    "文山州",
    "西双版纳州",
    "大理州",
    "德宏州",
    "怒江州",
    "迪庆州",
)


@dataclass(frozen=True)
class Scale:
    """How big a month is: prefectures of 20 units (None: the real config), rows per workbook."""

    name: str
    prefectures: int | None
    rows: int | None  # None: each unit's own rows from the sample world
    month: int = 9


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", prefectures=2, rows=4),
    "realistic": Scale("realistic", prefectures=None, rows=None),
    "province": Scale("province", prefectures=16, rows=None),
    "national": Scale("national", prefectures=75, rows=500),
    # A tenth of national, same workbooks: for profiling (--profile) in a minute.
    "national-slice": Scale("national-slice", prefectures=8, rows=500),
}


@dataclass
class Month:
    """What was generated: where, for whom, and how much."""

    scale: str
    period: str
    home: Path
    config_dir: Path
    units: int
    messages: int = 0
    workbooks: int = 0
    rows: int = 0
    bytes: int = 0
    by_workbook: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The shape as JSON fields."""
        return {
            "scale": self.scale,
            "period": self.period,
            "units": self.units,
            "messages": self.messages,
            "workbooks": self.workbooks,
            "rows": self.rows,
            "mail_mb": round(self.bytes / 1e6, 1),
            "by_workbook": dict(sorted(self.by_workbook.items())),
        }


def prefecture_name(index: int) -> str:
    """The 16 real names, then numbered ones for a national run."""
    if index < len(PREFECTURES):
        return PREFECTURES[index]
    return f"全国样本{index + 1:03d}州"


def scaled_unit(unit: Unit, index: int) -> Unit:
    """The configured unit as the same office of prefecture `index` (0 is 楚雄州 itself)."""
    if index == 0:
        return unit
    prefix = prefecture_name(index) + "_"
    senders = tuple(s.replace("@", f"@p{index:03d}.") for s in unit.senders)
    return unit.model_copy(
        update={
            "name": prefix + unit.name,
            "aliases": tuple(prefix + a for a in unit.aliases),
            "senders": senders,
        }
    )


def write_config(config_dir: Path, prefectures: int) -> Settings:
    """A copy of config/ whose units and targets repeat the 20 units for every prefecture."""
    if config_dir.exists():
        shutil.rmtree(config_dir)
    shutil.copytree(CONFIG_DIR, config_dir)
    real = Settings(home=config_dir, config_dir=CONFIG_DIR)
    units = [scaled_unit(u, i) for i in range(prefectures) for u in real.units]
    registry = {
        "units": [u.model_dump(exclude_none=True) for u in units],
        "providers": [p.model_dump() for p in real.registry.providers],
    }
    for item in registry["units"]:
        for key in ("senders", "aliases"):
            item[key] = list(item[key])
    for item in registry["providers"]:
        item["forms"], item["senders"] = list(item["forms"]), list(item["senders"])
    _dump(config_dir / "units.yaml", registry)
    for path in sorted((CONFIG_DIR / "targets").glob("*.yaml")):
        targets = real.targets(int(path.stem))
        data: dict[str, Any] = {"year": targets.year, "counties": {}, "groups": {}}
        for i in range(prefectures):
            for u in real.units:
                section = "counties" if u.category == "county" else "groups"
                values = getattr(targets, section)[u.name].model_dump()
                data[section][scaled_unit(u, i).name] = values
        _dump(config_dir / "targets" / path.name, data)
    settings = Settings(home=config_dir, config_dir=config_dir)
    settings.validate()
    return settings


def _dump(path: Path, data: Any) -> None:
    with path.open("w", encoding="utf-8") as fh:
        yaml.safe_dump(data, fh, allow_unicode=True, sort_keys=False, width=1000)


def patch_unit(workbook: bytes, unit: str) -> bytes:
    """The same workbook with `unit` on the 填报单位 line in place of the placeholder."""
    name = escape(unit).encode("utf-8")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = data.replace(PLACEHOLDER.encode(), name)
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, data)
    return out.getvalue()


class Pools:
    """Every record of each form up to the report month, to draw fixed-size workbooks from."""

    def __init__(self, world: SampleWorld, month: int) -> None:
        self.month = month
        self.records: dict[str, list[Record]] = {}
        for unit in world.settings.units:
            for book in unit_workbooks(unit):
                for m in range(1, month + 1):
                    for form, rows in world.rows(unit.name, book, m).items():
                        self.records.setdefault(form, []).extend(rows)

    def draw(self, book: str, rows: int, variant: int) -> dict[str, list[Record]]:
        """`rows` records for a workbook, split over its sheets, each unique within its sheet."""
        forms = WORKBOOKS[book]
        rng = random.Random(f"{SEED}|bench|{book}|{rows}|{variant}")
        out: dict[str, list[Record]] = {}
        for i, form in enumerate(forms):
            count = rows // len(forms) + (1 if i < rows % len(forms) else 0)
            pool = [r for r in self.records[form] if clean(form, r, self.month)]
            if form != "a3":
                out[form] = [unique(rng.choice(pool), n) for n in range(count)]
                continue
            fresh = [r for r in pool if r.get("stage") in EVIDENCE_STAGES]
            settled = [r for r in pool if r.get("stage") not in EVIDENCE_STAGES]
            new = min(NEW_PER_WORKBOOK, count)
            out[form] = [unique(rng.choice(fresh), n) for n in range(new)]
            out[form] += [unique(rng.choice(settled), n) for n in range(new, count)]
        return out


def clean(form: str, record: Record, month: int) -> bool:
    """Whether a record drawn into a fixed-size workbook raises no warning: a trip or activity
    of an earlier month (one later in the month may start after its mail, not_started), and an
    activity that counts (a5.qualifies). The sample's own units keep theirs; the scaled
    workbooks are the month of clean reports the figures describe."""
    from bixue.forms.derive import company_count, leader_rank, place_kind, qualifies

    if form in ("a5", "ledger_trips"):
        first = str(record.get("dates", "")).split("月", 1)[0]
        if not first.isdigit() or int(first) >= month:
            return False
    if form == "a5":
        kind = place_kind(record.get("place"))
        rank = leader_rank(record.get("leader"))
        return qualifies(kind, rank, company_count(record.get("companies"))) == 1
    return True


def new_documents(rows: dict[str, list[Record]]) -> tuple[tuple[str, bytes], ...]:
    """A document named after each new 在谈/已签约 project of a 附件3, as the sample sends them."""
    names = [
        evidence_name(str(r["project_name"]), str(r["stage"]))
        for r in rows.get("a3", [])
        if r.get("stage") in EVIDENCE_STAGES
    ]
    return tuple((name, evidence_pdf(name)) for name in names)


def unique(record: Record, n: int) -> Record:
    """A copy whose name (and project code) carries the row number: suites refuse duplicates."""
    out = dict(record, seq=n + 1)
    for key in ("project_name", "activity", "trip"):
        if key in out:
            out[key] = f"{out[key]}（{n + 1:03d}）"
            break
    code = out.get("project_code")
    if isinstance(code, str) and "—" in code:
        out["project_code"] = code.rsplit("—", 1)[0] + f"—{n + 1:06d}"
    return out


class Renderer:
    """Base workbooks with the placeholder unit, rendered once per distinct content."""

    def __init__(self, world: SampleWorld, scale: Scale) -> None:
        self.world, self.scale = world, scale
        self.pools = Pools(world, scale.month) if scale.rows else None
        self._cache: dict[tuple[str, str], tuple[bytes, int]] = {}
        self._documents: dict[tuple[str, str], tuple[tuple[str, bytes], ...]] = {}

    def base(self, unit: Unit, book: str, index: int) -> tuple[bytes, int]:
        """(xlsx bytes, data rows) for the configured unit's workbook as prefecture `index`."""
        pooled = self.pools is not None and self.scale.rows is not None
        key = (book, str(index % VARIANTS)) if pooled else (book, unit.name)
        if key not in self._cache:
            if self.pools and self.scale.rows:
                rows = self.pools.draw(book, self.scale.rows, index % VARIANTS)
            else:
                rows = self.world.rows(unit.name, book, self.scale.month)
            data = render_workbook(
                book, year=YEAR, month=self.scale.month, unit=PLACEHOLDER, rows=rows
            )
            self._cache[key] = (data, sum(len(r) for r in rows.values()))
            self._documents[key] = new_documents(rows)
        return self._cache[key]

    def documents(self, unit: Unit, book: str, index: int) -> tuple[tuple[str, bytes], ...]:
        """The documents of the new projects in the workbook `base` gives (after base)."""
        pooled = self.pools is not None and self.scale.rows is not None
        return self._documents[(book, str(index % VARIANTS)) if pooled else (book, unit.name)]


@dataclass(frozen=True)
class Bases:
    """Every base workbook a month needs, rendered: what the mail-writing processes share."""

    scale: Scale
    rendered: dict[tuple[str, str], tuple[bytes, int]]
    documents_of: dict[tuple[str, str], tuple[tuple[str, bytes], ...]]

    @classmethod
    def render(cls, renderer: Renderer, units: list[Unit], prefectures: int) -> Bases:
        """Render each distinct content once (contents repeat every VARIANTS prefectures)."""
        for index in range(min(prefectures, VARIANTS)):
            for unit in units:
                for book in unit_workbooks(scaled_unit(unit, index)):
                    renderer.base(unit, book, index)
        return cls(renderer.scale, dict(renderer._cache), dict(renderer._documents))

    def _key(self, unit: Unit, book: str, index: int) -> tuple[str, str]:
        return (book, str(index % VARIANTS)) if self.scale.rows is not None else (book, unit.name)

    def base(self, unit: Unit, book: str, index: int) -> tuple[bytes, int]:
        return self.rendered[self._key(unit, book, index)]

    def documents(self, unit: Unit, book: str, index: int) -> tuple[tuple[str, bytes], ...]:
        return self.documents_of[self._key(unit, book, index)]


def _sent_at(rng: random.Random, settings: Settings, month: int) -> datetime:
    day, hour = rng.randint(10, 18), rng.choice((8, 9, 10, 11, 14, 15, 16, 17))
    return datetime(
        YEAR, month, day, hour, rng.randrange(60), rng.randrange(60), tzinfo=settings.tz
    )


def _deliver(root: Path, data: bytes, sent_at: datetime) -> None:
    """Write one message into Maildir new/ under a unique, arrival-ordered name."""
    digest = hashlib.sha1(data).hexdigest()[:16]
    path = root / "new" / f"{int(sent_at.timestamp())}.{digest}.eml"
    path.write_bytes(data)


def _unit_mail(
    settings: Settings, renderer: Renderer | Bases, unit: Unit, index: int, number: int
) -> Iterator[tuple[bytes, datetime, int, int]]:
    """(mail, sent at, rows, workbooks): all workbooks in one mail, or one mail per workbook."""
    month = renderer.scale.month
    scaled = scaled_unit(unit, index)
    rng = random.Random(f"{SEED}|bench-send|{scaled.name}")
    books = unit_workbooks(scaled)
    groups = [list(books)] if number % 2 == 0 else [[b] for b in books]
    for group in groups:
        sent_at = _sent_at(rng, settings, month)
        attachments, rows = [], 0
        for book in group:
            data, count = renderer.base(unit, book, index)
            rows += count
            name = f"{WORKBOOK_NAMES[book]}（{scaled.name}{YEAR}年{month}月）.xlsx"
            attachments.append((name, patch_unit(data, scaled.name)))
        if "a3" in group:  # each new project's own document goes along
            attachments.extend(renderer.documents(unit, "a3", index))
        body = f"州重点产业招商专班办公室：\n    现报送我单位{YEAR}年1—{month}月报表，请查收。\n"
        raw = build_message(
            sender=f"{scaled.name} <{scaled.senders[0]}>",
            to=settings.office_address,
            subject=f"{scaled.name}{YEAR}年{month}月招商引资报表",
            sent_at=sent_at,
            attachments=attachments,
            body=body + f"\n{scaled.name}\n",
            name_encoding=NAME_ENCODINGS[number % len(NAME_ENCODINGS)],
        )
        yield raw, sent_at, rows, len(group)


def _provider_mail(settings: Settings, world: SampleWorld, month: int) -> tuple[bytes, int]:
    """The statistics office's two tables for the 11 real counties, in one message."""
    provider = settings.registry.providers[0]
    sent_at = datetime(YEAR, month, 12, 10, 0, 0, tzinfo=settings.tz)
    attachments, rows = [], 0
    for book in provider.forms:
        records = world.rows(provider.name, book, month)
        rows += sum(len(r) for r in records.values())
        data = render_workbook(book, year=YEAR, month=month, unit=provider.name, rows=records)
        attachments.append((f"{WORKBOOK_NAMES[book]}（{YEAR}年1—{month}月）.xlsx", data))
    raw = build_message(
        sender=f"{provider.name} <{provider.senders[0]}>",
        to=settings.office_address,
        subject=f"{YEAR}年1—{month}月国内合作及实际利用外资统计数据",
        sent_at=sent_at,
        attachments=attachments,
        body="州重点产业招商专班办公室：\n    现报送统计数据，请查收。\n",
        name_encoding="rfc2047-utf8",
    )
    return raw, rows


def _write_prefectures(
    bases: Bases, home: Path, config_dir: Path, indexes: list[int]
) -> dict[str, Any]:
    """The mail of these prefectures into the month's Maildir; what was written (a worker).

    A unit's mail depends only on its prefecture and its place in the config, so slices of
    prefectures written apart make the same files as one pass.
    """
    settings = Settings(home=home, config_dir=config_dir)
    real = Settings(home=home, config_dir=CONFIG_DIR)
    box = settings.mailbox_path
    done: dict[str, Any] = {"messages": 0, "workbooks": 0, "rows": 0, "bytes": 0, "books": {}}
    for index in indexes:
        for position, unit in enumerate(real.units):
            for book in unit_workbooks(scaled_unit(unit, index)):
                done["books"][book] = done["books"].get(book, 0) + 1
            number = index * len(real.units) + position
            for raw, sent_at, rows, books in _unit_mail(settings, bases, unit, index, number):
                _deliver(box, raw, sent_at)
                done["messages"] += 1
                done["workbooks"] += books
                done["rows"] += rows
                done["bytes"] += len(raw)
    return done


def generate_month(scale: Scale, root: Path, workers: int | None = None) -> Month:
    """A fresh bench home under `root` (config, mailbox) holding one month at `scale`.

    Mail is written by `workers` processes (default: one per core), each a slice of the
    prefectures; the base workbooks are rendered once, here.
    """
    if root.exists():
        shutil.rmtree(root)
    home, config_dir = root / "home", root / "config"
    period = f"{YEAR}-{scale.month:02d}"
    if scale.prefectures is None:
        return _realistic(scale, home, config_dir, period)
    write_config(config_dir, scale.prefectures)
    settings = Settings(home=home, config_dir=config_dir)
    real = Settings(home=home, config_dir=CONFIG_DIR)
    world = SampleWorld(real, YEAR, SEED)
    bases = Bases.render(Renderer(world, scale), list(real.units), scale.prefectures)
    box = settings.mailbox_path
    for sub in ("new", "cur", "tmp"):
        (box / sub).mkdir(parents=True, exist_ok=True)
    month = Month(scale.name, period, home, config_dir, units=len(settings.units))
    if workers is None:  # a few prefectures are written before worker processes would start
        workers = (os.cpu_count() or 1) if scale.prefectures >= PARALLEL_FROM else 1
    workers = max(1, min(workers, scale.prefectures))
    slices = [list(range(scale.prefectures))[w::workers] for w in range(workers)]
    if workers == 1:
        written = [_write_prefectures(bases, home, config_dir, slices[0])]
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            jobs = [
                pool.submit(_write_prefectures, bases, home, config_dir, part) for part in slices
            ]
            written = [job.result() for job in jobs]
    for done in written:
        month.messages += done["messages"]
        month.workbooks += done["workbooks"]
        month.rows += done["rows"]
        month.bytes += done["bytes"]
        for book, n in done["books"].items():
            month.by_workbook[book] = month.by_workbook.get(book, 0) + n
    raw, rows = _provider_mail(settings, world, scale.month)
    _deliver(box, raw, datetime(YEAR, scale.month, 12, 10, tzinfo=settings.tz))
    month.messages, month.workbooks = month.messages + 1, month.workbooks + 2
    month.rows, month.bytes = month.rows + rows, month.bytes + len(raw)
    for book in ("stats_funds", "stats_fdi"):
        month.by_workbook[book] = 1
    return month


def _realistic(scale: Scale, home: Path, config_dir: Path, period: str) -> Month:
    """The sample year's month itself, on a copy of the real config."""
    from bixue.sample.generate import generate_year

    shutil.copytree(CONFIG_DIR, config_dir)
    settings = Settings(home=home, config_dir=config_dir)
    sample = generate_year(settings.mailbox_path, settings, year=YEAR, months=[scale.month])
    month = Month(scale.name, period, home, config_dir, units=len(settings.units))
    month.messages = len(sample.messages)
    month.bytes = sum(p.stat().st_size for p in sample.messages)
    real = Settings(home=home, config_dir=CONFIG_DIR)
    world = SampleWorld(real, YEAR, SEED)
    for unit in settings.units:
        for book in unit_workbooks(unit):
            month.by_workbook[book] = month.by_workbook.get(book, 0) + 1
            rows = world.rows(unit.name, book, scale.month)
            month.rows += sum(len(r) for r in rows.values())
    for book in settings.registry.providers[0].forms:
        month.by_workbook[book] = 1
        month.rows += sum(len(r) for r in world.rows("", book, scale.month).values())
    month.workbooks = sum(month.by_workbook.values()) + len(sample.resubmitted)
    return month
