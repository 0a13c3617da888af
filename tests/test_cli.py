"""The `bixue` command as the office uses it."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from bixue.cli import build_parser, chinese_argparse, main
from bixue.config import load_settings
from bixue.forms.spec import WORKBOOK_NAMES
from bixue.forms.submissions import open_period
from bixue.textwidth import display_width
from tests.conftest import need


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
    # Without --year: the year of the report units are filling today.
    year = open_period(load_settings(tmp_path), datetime.now(UTC))[:4]
    assert f"（{year}年1— 月）" in texts and "填报单位：" in texts


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


# ---------------------------------------------------------------- the command line itself

BIXUE = Path(sys.executable).parent / "bixue"
# argparse's own English, and words an English help would use: none may reach the office.
ENGLISH = re.compile(
    r"usage|options|positional arguments|optional arguments|show this help|error|required|"
    r"invalid|argument|expected|choose from|unrecognized|default|folder|file|month|period",
    re.IGNORECASE,
)
OPTION = re.compile(r"--?[A-Za-z][\w-]*")


def english_in(text: str) -> list[str]:
    """English words of a text, leaving out option names such as --period."""
    return ENGLISH.findall(OPTION.sub("", text))


def bixue(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The installed `bixue` entry point, as the office runs it."""
    need(BIXUE.exists(), f"the bixue entry point is not installed at {BIXUE}: run make install")
    return subprocess.run(
        [str(BIXUE), *args], cwd=cwd, capture_output=True, text=True, timeout=120, input=stdin
    )


def _commands() -> list[tuple[str, ...]]:
    """Every command path there is (units, export scores, …), read off the real parser."""
    found: list[tuple[str, ...]] = [()]

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    found.append((*path, name))
                    walk(child, (*path, name))

    with chinese_argparse():
        walk(build_parser(), ())
    return found


def _allowed_words(path: tuple[str, ...]) -> set[str]:
    """ASCII a Chinese help may show: command and option names, choices, and proper names."""
    words = {
        "bixue",
        "BIXUE_HOME",
        "YYYY",
        "MM",
        "Q",
        "CSV",
        "JSON",
        "xlsx",
        "var",
        "Prefect",
        "md",
    }
    words |= set(path)
    words |= {"BENCHMARKS", "unit", "indicator", "value", "target", "export", "bench", "N"}
    with chinese_argparse():
        parser = build_parser()
    for name in path:
        [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parser = sub.choices[name]
    for action in parser._actions:
        for option in action.option_strings:
            words |= set(re.findall(r"[A-Za-z]+", option))
        words |= {str(c) for c in action.choices or ()}
        if isinstance(action, argparse._SubParsersAction):
            words |= set(action.choices)
    return {w for word in words for w in re.findall(r"[A-Za-z_]+", word)}


def _help_problems(text: str, path: tuple[str, ...]) -> list[str]:
    """What keeps a help text from being all Chinese (empty when it is)."""
    problems = []
    if not (text.startswith("用法：bixue") and "显示本帮助并退出" in text):
        problems.append("argparse's usage or -h line is not Chinese")
    problems += english_in(text)
    leftover = set(re.findall(r"[A-Za-z_]+", text)) - _allowed_words(path)
    problems += sorted(leftover)
    return problems


@pytest.mark.parametrize("path", _commands(), ids=lambda p: " ".join(p) or "bixue")
def test_help_of_the_program_and_every_command_is_chinese(
    path: tuple, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit) as done:
        main([*path, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert not _help_problems(text, path), text
    assert max(display_width(line) for line in text.splitlines()) <= 80, text
    assert re.search(r"[\u4e00-\u9fff]", text.split("\n\n", 1)[-1])  # options are explained


@pytest.mark.parametrize("path", [(), ("inbox",), ("export", "scores")], ids=" ".join)
def test_the_installed_command_prints_the_same_chinese_help(tmp_path: Path, path: tuple) -> None:
    done = bixue(*path, "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not _help_problems(done.stdout, path), done.stdout


USAGE_ERRORS = [
    (["ingest"], "缺少必需的参数：--period"),
    (["units", "--format", "xml"], "参数 --format：无效的选项值：'xml'（可选：'json', 'table'）"),
    (["templates", "--out", "t", "--year", "二〇二四"], "参数 --year：无效的整数：'二〇二四'"),
    (["unknown-command"], "参数 命令：无效的选项值：'unknown-command'"),
    (["units", "--colour"], "无法识别的参数：--colour"),
    ([], "缺少必需的参数：命令"),
    (["export"], "缺少必需的参数：命令"),
]
COMMAND_ERRORS = [
    (["ingest", "--period", "2023-13"], "报表月份应写作 2023-05（年-月），而不是“2023-13”"),
    (["status", "--period", "May"], "报表月份应写作 2023-05（年-月），而不是“May”"),
    (["inbox", "--period", "2023/05"], "报表月份应写作 2023-05（年-月），而不是“2023/05”"),
    (["score", "--period", "2023-05"], "评分期应写作 2023Q2（季度）或 2023（年度）"),
    (["db", "downgrade"], "db downgrade 需要用 --to 指定目标版本（如 -1）"),
]


@pytest.mark.parametrize(("args", "said"), USAGE_ERRORS + COMMAND_ERRORS)
def test_errors_are_chinese_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    try:
        code = main(["--home", str(tmp_path / "home"), *args])
    except SystemExit as exc:  # argparse's own errors end the parse
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert said in err
    assert not english_in(err), err
    if (args, said) in USAGE_ERRORS:
        assert err.startswith("用法：bixue")


@pytest.mark.parametrize(("args", "said"), [USAGE_ERRORS[0], COMMAND_ERRORS[0]])
def test_the_installed_command_says_its_errors_in_chinese_without_a_traceback(
    tmp_path: Path, args: list[str], said: str
) -> None:
    done = bixue(*args, "--home", str(tmp_path / "home"), cwd=tmp_path)
    assert done.returncode == 2
    assert said in done.stderr and "Traceback" not in done.stderr
    assert not english_in(done.stderr), done.stderr


def test_scoring_period_errors_are_chinese() -> None:
    from bixue.warehouse.measures import scoring_period

    with pytest.raises(
        ValueError, match="评分期应写作 2023Q2（季度）或 2023（年度），而不是“2023-Q2”"
    ):
        scoring_period("2023-Q2")


@pytest.mark.parametrize("where", ["before", "after"])
def test_home_may_come_before_or_after_the_command(tmp_path: Path, where: str) -> None:
    home = tmp_path / "office"
    args = ["db", "upgrade"]
    args = ["--home", str(home), *args] if where == "before" else [*args, "--home", str(home)]
    done = bixue(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (home / "warehouse.sqlite").exists()
    assert not (tmp_path / "var").exists()


def test_home_after_the_command_wins_over_the_global_one(tmp_path: Path) -> None:
    done = bixue(
        "--home", str(tmp_path / "a"), "db", "upgrade", "--home", str(tmp_path / "b"), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "b" / "warehouse.sqlite").exists()
    assert not (tmp_path / "a").exists()


def test_templates_year_option_reaches_the_forms(tmp_path: Path) -> None:
    done = bixue("--home", str(tmp_path), "templates", "--out", "t", "--year", "2024", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    ws = openpyxl.load_workbook(tmp_path / "t" / f"{WORKBOOK_NAMES['a3']}.xlsx").active
    assert ws["A3"].value == "（2024年1— 月）"


@pytest.fixture(scope="module")
def demo_home(prefect_server: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two months of the sample year run through the monthly flow."""
    from bixue.config import load_settings
    from bixue.sample.generate import generate_year
    from tests.flows.running import run_month

    home = tmp_path_factory.mktemp("demo")
    settings = load_settings(home)
    generate_year(settings.mailbox_path, settings, months=range(1, 3))
    for period in ("2023-01", "2023-02"):
        run_month(settings, period)
    return home


@pytest.mark.prefect
@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize(
    "args",
    [
        ["units", "--format", "json"],
        ["inbox", "--period", "2023-02", "--format", "json"],
        ["inbox", "--period", "2023-02"],
        ["status", "--help"],
    ],
    ids=" ".join,
)
def test_a_pipe_closed_early_ends_quietly(
    demo_home: Path, tmp_path: Path, args: list, buffered: bool
) -> None:
    need(BIXUE.exists(), f"the bixue entry point is not installed at {BIXUE}: run make install")
    # As `bixue … | head` when head has gone: the reader is closed before bixue writes a byte.
    # Python buffers output to a pipe unless PYTHONUNBUFFERED is set (a shell usually has not).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.Popen(
        [str(BIXUE), "--home", str(demo_home), *args],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env if buffered else {**env, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    # 141 as a shell reports a command ended by SIGPIPE; argparse itself ignores a failed write
    # of its help, so unbuffered --help simply ends.
    expected = 0 if "--help" in args and not buffered else 141
    assert proc.wait(timeout=120) == expected
    assert err == ""


@pytest.mark.prefect
def test_a_pipe_into_head_prints_the_first_lines_and_nothing_else(
    demo_home: Path, tmp_path: Path
) -> None:
    need(BIXUE.exists(), f"the bixue entry point is not installed at {BIXUE}: run make install")
    command = f"'{BIXUE}' --home '{demo_home}' inbox --period 2023-02 | head -n 3"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run(
        ["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 3 and done.stderr == ""


@pytest.mark.prefect
def test_the_inbox_table_fits_a_terminal_and_json_keeps_the_details(
    demo_home: Path, tmp_path: Path
) -> None:
    for period in ("2023-01", "2023-02"):
        table = bixue("--home", str(demo_home), "inbox", "--period", period, cwd=tmp_path)
        assert table.returncode == 0, table.stderr
        lines = table.stdout.splitlines()
        assert lines[0].split() == ["收到时间", "单位", "状态", "附件", "原因"]
        assert len(lines) > 30
        assert max(display_width(line) for line in lines) <= 120
    assert "未通过" in table.stdout
    full = bixue(
        "--home", str(demo_home), "inbox", "--period", "2023-02", "--format", "json", cwd=tmp_path
    )
    rows = json.loads(full.stdout)
    rejected = next(r for r in rows if r["state"] == "rejected")
    assert rejected["subject"] and rejected["reasons"][0].endswith("个问题")
    assert any(len(a["filename"]) > 30 for a in rejected["attachments"])


def test_a_long_quarantine_reason_is_cut_with_an_ellipsis() -> None:
    from bixue.mail.inbox import inbox_table_rows

    name = "附件3：5亿元以上重点产业招商引资项目推进情况月报表（某某县2023年5月）修改稿.xlsx"
    row = {
        "received_at": "2023-05-21T09:30:00+08:00",
        "sender": "someone-with-a-very-long-address@mail.example.org",
        "display_from": None,
        "unit": None,
        "state": "quarantined",
        "subject": "报表" * 40,
        "reasons": [f"{name}：压缩包解压后超过100 MB的限制，" + "未处理" * 30],
        "attachments": [{"filename": name, "origin": "报表.zip"}] * 3,
    }
    [shown] = inbox_table_rows([row])
    assert shown["收到时间"] == "05-21 09:30"
    assert shown["状态"] == "隔离"
    assert all(display_width(v) <= 40 for v in shown.values())
    assert shown["原因"].endswith("…") and shown["原因"].startswith("附件3：")
    assert shown["附件"].startswith("附件3：") and "….xlsx" in shown["附件"]


def test_every_count_of_a_monthly_run_has_a_chinese_table_heading() -> None:
    from bixue.cli import COUNTS_ZH
    from bixue.model import RunReport

    keys = {"period", *RunReport(period="2023-05", messages=[], submissions=[]).counts()}
    assert keys <= set(COUNTS_ZH)
    assert all(re.fullmatch(r"[\u4e00-\u9fff]+", COUNTS_ZH[k]) for k in keys)
