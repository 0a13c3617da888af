"""The `bixue` command as the office uses it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from bixue.cli import main
from bixue.forms.spec import WORKBOOK_NAMES


def test_units_json_lists_name_category_and_senders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["units", "--format", "json", "--home", str(tmp_path)]) == 0
    units = json.loads(capsys.readouterr().out)
    assert len(units) == 20
    assert units[2] == {
        "name": "禄丰市",
        "category": "county",
        "senders": ["lfs@zs.chuxiong.example"],
    }
    assert {u["category"] for u in units} == {"county", "group"}


def test_units_table_is_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["units", "--home", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["单位", "类别", "登记邮箱"]
    assert "绿色钛产业招商组" in out


def test_templates_writes_every_blank_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "templates"
    assert main(["templates", "--out", str(out), "--home", str(tmp_path)]) == 0
    names = sorted(p.stem for p in out.glob("*.xlsx"))
    assert names == sorted(WORKBOOK_NAMES.values())
    sheet = openpyxl.load_workbook(out / f"{WORKBOOK_NAMES['a3']}.xlsx").active
    texts = [c.value for row in sheet.iter_rows(max_row=6) for c in row if c.value]
    assert "（2023年1— 月）" in texts and "填报单位：" in texts


def test_a_malformed_period_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "--period", "2023-13", "--home", str(tmp_path)]) == 2
    assert "2023-05" in capsys.readouterr().err
    assert not (tmp_path / "warehouse.sqlite").exists()


def test_read_only_commands_import_neither_prefect_nor_great_expectations(tmp_path: Path) -> None:
    probe = (
        "import sys; from bixue.cli import main; main(['units', '--format', 'json', '--home', "
        f"{str(tmp_path)!r}]); print(sorted(m for m in ('prefect', 'great_expectations') "
        "if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stderr.strip() == "[]"
