"""The `bixue` command: the office's entry point to every job, each against one home folder."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import select
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bixue.config import ConfigError, Settings, load_settings
from bixue.mail.imap import MailboxUnavailableError
from bixue.runlock import RunLockBusyError
from bixue.textwidth import display_width
from bixue.warehouse.db import WarehouseMissingError, WarehouseUnavailableError


class UsageError(Exception):
    """A command-line value is wrong; said in one line, without a traceback."""


CATEGORY_ZH = {"county": "县市、高新区", "group": "招商组、平台"}


# argparse's own words (its gettext message ids, Python 3.11–3.13) in the office's language.
ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "subcommands": "子命令",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s: 错误：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "无效的选项值：%(value)r（可选：%(choices)s）"
    ),
    "invalid %(type)s value: %(value)r": "无效的%(type)s：%(value)r",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多需要一个值",
    "expected at least one argument": "至少需要一个值",
    "ambiguous option: %(option)s could match %(matches)s": (
        "选项 %(option)s 不明确，可能是：%(matches)s"
    ),
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 必须提供其中之一",
    "ignored explicit argument %r": "多余的值 %r",
    "unexpected option string: %s": "意外的选项：%s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "未知的命令 %(parser_name)r（可选：%(choices)s）"
    ),
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
    "cannot have multiple subparser arguments": "不能有多组子命令",
}
ARGPARSE_NGETTEXT_ZH = {"expected %s argument": "需要 %s 个值"}
# How a value type is named in "invalid … value" (argparse uses the type's __name__).
TYPE_ZH = {"int": "整数", "float": "数字", "Path": "路径"}
# Placeholders shown for option values, by dest; any other option shows 值.
METAVAR_ZH = {
    "home": "目录",
    "out": "目录",
    "root": "目录",
    "period": "期间",
    "year": "年份",
    "month": "月份",
    "months": "月数",
    "unit": "单位",
    "to": "版本",
    "version": "版本号",
    "input": "文件",
    "output": "文件",
    "measures": "文件",
    "markdown": "文件",
}


def _zh(message: str) -> str:
    return ARGPARSE_ZH.get(message, message)


def _nzh(singular: str, plural: str, n: int) -> str:
    return ARGPARSE_NGETTEXT_ZH.get(singular, singular if n == 1 else plural)


@contextlib.contextmanager
def chinese_argparse() -> Iterator[None]:
    """argparse speaks Chinese while bixue builds and parses its command line, and only then."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _zh, _nzh  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


# What help text breaks between: ASCII words, spaces, or one character; closing punctuation stays
# with what it closes and opening punctuation with what it opens (no line starts with ：or ）).
_CLOSE, _OPEN = "，。：；）」』、！？", "（「『"
WRAP_TOKEN = re.compile(rf"[!-~]+[{_CLOSE}]*|\s+|[{_OPEN}]*[^{_OPEN}][{_CLOSE}]*")


class ChineseHelpFormatter(argparse.HelpFormatter):
    """Option placeholders in Chinese (期间, 目录 …), help aligned by display width."""

    def _get_default_metavar_for_optional(self, action: argparse.Action) -> str:
        return METAVAR_ZH.get(action.dest, "值")

    def _get_default_metavar_for_positional(self, action: argparse.Action) -> str:
        return METAVAR_ZH.get(action.dest, "值")

    def _split_lines(self, text: str, width: int) -> list[str]:
        """Wrap help by terminal columns (a CJK character takes two), breaking between them."""
        text = " ".join(text.split())
        lines: list[str] = []
        line, used = "", 0
        for token in WRAP_TOKEN.findall(text):
            size = display_width(token)
            if used + size > width and line.strip():
                lines.append(line.rstrip())
                line, used = "", 0
                if token.isspace():
                    continue
            line, used = line + token, used + size
        return [*lines, line.rstrip()] if line.strip() else lines

    def _format_usage(self, usage: Any, actions: Any, groups: Any, prefix: Any) -> str:
        """argparse wraps usage by characters: narrow it until it fits by terminal columns."""
        width = self._width
        try:
            for _ in range(8):
                text = super()._format_usage(usage, actions, groups, prefix)
                excess = max(display_width(line) for line in text.splitlines()) - width
                if excess <= 0 or self._width <= 40:
                    return text
                self._width -= excess
            return text
        finally:
            self._width = width

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:
            wide = display_width(self._format_action_invocation(action)) + self._current_indent
            self._action_max_length = max(self._action_max_length, wide)

    def _format_action(self, action: argparse.Action) -> str:
        """argparse pads by characters: take back one space per wide character of the header."""
        text = super()._format_action(action)
        header = self._format_action_invocation(action)
        extra = display_width(header) - len(header)
        first, sep, rest = text.partition("\n")
        at = first.find(header)
        if extra and at >= 0:
            end = at + len(header)
            gap = len(first[end:]) - len(first[end:].lstrip(" "))
            if first[end:].strip() and gap - extra >= 2:
                first = first[:end] + first[end + extra :]
        return first + sep + rest


class ChineseArgumentParser(argparse.ArgumentParser):
    """bixue's parser: every subcommand's parser is one too, with Chinese placeholders."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        super().__init__(*args, **kwargs)

    def add_subparsers(self, **kwargs: Any) -> argparse._SubParsersAction:
        kwargs.setdefault("metavar", "命令")
        return super().add_subparsers(**kwargs)

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        """argparse names the expected type by its Python name (int): say 整数 instead."""
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError as exc:
            name = getattr(action.type, "__name__", "")
            if name in TYPE_ZH:
                exc.message = exc.message.replace(f"无效的{name}", f"无效的{TYPE_ZH[name]}")
            raise


PREFECT_DEFAULTS = {
    # The temporary server needs 18–27 s to start on these machines; the default waits 20 s.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    # Without internet every start prints telemetry tracebacks.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def prefect_environment(home: Path) -> None:
    """Prefect's own state inside the home; settings that make its temporary server start here.

    Prefect reads its settings once, on import: this must run before anything imports it.
    """
    os.environ.setdefault("PREFECT_HOME", str(home / "prefect"))
    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A plain text table whose columns line up for CJK text (two cells per wide character)."""
    width = display_width

    def pad(text: str, size: int) -> str:
        return text + " " * (size - width(text))

    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    sizes = [max([width(c), *(width(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(pad(c, sizes[i]) for i, c in enumerate(columns))]
    lines.append("  ".join("-" * s for s in sizes))
    lines += ["  ".join(pad(v, sizes[i]) for i, v in enumerate(row)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def cmd_units(settings: Settings, args: argparse.Namespace) -> int:
    """List the registered units and their sender addresses."""
    rows: list[dict[str, Any]] = [
        {"name": u.name, "category": u.category, "senders": list(u.senders)} for u in settings.units
    ]
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        shown = [
            {
                "单位": r["name"],
                "类别": CATEGORY_ZH[r["category"]],
                "登记邮箱": ", ".join(r["senders"]),
            }
            for r in rows
        ]
        print(_table(shown, ["单位", "类别", "登记邮箱"]))
    return 0


def cmd_templates(settings: Settings, args: argparse.Namespace) -> int:
    """Write the blank forms the office sends to units."""
    from bixue.forms.submissions import open_period
    from bixue.forms.templates import write_templates

    year = args.year or int(open_period(settings, datetime.now(UTC))[:4])
    paths = write_templates(Path(args.out), year=year, settings=settings)
    for path in paths:
        print(path)
    return 0


def _run_months(
    settings: Settings, periods: list[str], show: Callable[[str], None], *, replay: bool = False
) -> list[dict]:
    """Run the monthly flow for each period in this one process: Prefect starts once."""
    prefect_environment(settings.home)
    from flows.monthly_ingest import monthly_ingest
    from flows.runner import task_runner_for

    # The home's own runner (its settings.yaml, the environment), not the one chosen on import.
    flow = monthly_ingest.with_options(task_runner=task_runner_for(settings.runner))
    results = []
    for i, period in enumerate(periods, start=1):
        show(f"[{i}/{len(periods)}] {period} 处理中…")
        started = time.monotonic()
        counts = flow(period=period, home=str(settings.home), replay=replay)
        elapsed = time.monotonic() - started
        show(
            f"[{i}/{len(periods)}] {period} 完成（{elapsed:.1f} 秒）："
            f"本期报表 {counts['received']} 份，受理 {counts['accepted']}，"
            f"未通过 {counts['rejected']}，入库 {counts['rows_loaded']} 行"
        )
        results.append({"period": period, **counts})
    return results


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """Run the monthly flow for one period."""
    from bixue.periods import parse_period

    try:
        parse_period(args.period)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    [result] = _run_months(settings, [args.period], _progress)
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False))
    else:
        shown = {COUNTS_ZH.get(key, key): value for key, value in result.items()}
        print(_table([shown], list(shown)))
    return 0


# The monthly run's counts as the table heads them (JSON keeps the keys).
COUNTS_ZH = {
    "period": "月份",
    "messages": "邮件",
    "received": "收到报表",
    "accepted": "受理",
    "rejected": "未通过",
    "late": "迟报",
    "quarantined": "隔离",
    "ignored": "忽略",
    "rows_loaded": "入库行数",
}


def _checked_period(period: str | None) -> str | None:
    from bixue.periods import parse_period

    if period is not None:
        try:
            parse_period(period)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
    return period


def cmd_remind(settings: Settings, args: argparse.Namespace) -> int:
    """Run the reminder flow (催报) and say who was reminded for what."""
    period = _checked_period(args.period)
    units = [_known_unit(settings, u) or u for u in args.unit or []] or None
    prefect_environment(settings.home)
    from bixue.render.reminder import ALREADY
    from flows.remind_units import remind_units

    result = remind_units(period=period, units=units, force=args.force, home=str(settings.home))
    rows = result["rows"]
    print(f"{result['period']} 催报（{result['day']}）：")
    print(_table(rows, ["单位", "尚未收到", "未通过", "催报"]))
    sent = len(result["reminded"])
    already = sum(r["催报"] == ALREADY for r in rows)
    print(
        f"\n发出催报 {sent} 份（均抄送 {settings.office_address}），"
        f"今日已催报未重发 {already} 个，报表齐全 {len(rows) - sent - already} 个。"
    )
    return 0


def cmd_close(settings: Settings, args: argparse.Namespace) -> int:
    """Run the month's close and print every unit's final state."""
    from bixue.render.close import ensure_closed

    period = _checked_period(args.period)
    if period is not None:
        try:
            ensure_closed(settings, period, datetime.now(UTC))
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
    prefect_environment(settings.home)
    from flows.monthly_close import monthly_close

    result = monthly_close(period=period, force=args.force, home=str(settings.home))
    print(f"{result['period']} 最终报送情况：")
    print(_table(result["rows"], ["单位", "最终状态", "说明"]))
    if result["sent"]:
        print(f"\n已发送“{result['subject']}”至 {settings.office_address}。")
    else:
        print("\n本期最终报送情况此前已发送，本次未重发（需要重发请加 --force）。")
    return 0


def _fresh_home(home: Path) -> None:
    """Empty the home but Prefect's own folder, which only makes the next start faster."""
    home.mkdir(parents=True, exist_ok=True)
    for child in home.iterdir():
        if child.name == "prefect":
            continue
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """A fresh home, the sample year in its mailbox, every month ingested, a summary printed."""
    from bixue.runtime import warehouse
    from bixue.sample.generate import generate_year
    from bixue.warehouse.load import month_summary

    _fresh_home(settings.home)
    months = range(1, args.months + 1)
    _progress(f"生成{args.year}年样例数据（{len(months)}个月）…")
    sample = generate_year(settings.mailbox_path, settings, year=args.year, months=months)
    _progress(f"样例邮件 {len(sample.messages)} 封已投递到 {settings.mailbox_path}")
    periods = [f"{args.year}-{m:02d}" for m in months]
    _run_months(settings, periods, _progress, replay=True)
    engine = warehouse(str(settings.home))
    rows = []
    for period in periods:
        s = month_summary(engine, period)
        rows.append(
            {
                "月份": period,
                "收到报表": s["received"],
                "受理": s["accepted"],
                "未通过": s["rejected"],
                "入库行数": s["rows_loaded"],
            }
        )
    print(_table(rows, ["月份", "收到报表", "受理", "未通过", "入库行数"]))
    if args.months == 12:  # with fewer months the quarters would be scored on missing data
        from bixue.scoring.commands import demo_year

        demo_year(engine, settings, args.year)
        from bixue.render.commands import demo_circulate

        print()
        demo_circulate(engine, settings, args.year)
    receipts = len(list(settings.outbox_path.glob("receipt-*.eml")))
    status = len(list(settings.outbox_path.glob("status-*.eml")))
    print(f"\n回执邮件 {receipts} 封、报送情况邮件 {status} 封：{settings.outbox_path}")
    print(f"数据仓库：{settings.warehouse_url}")
    return 0


def _known_unit(settings: Settings, name: str | None) -> str | None:
    """A --unit value must name a registered unit or statistics provider."""
    if name is None:
        return None
    known = [u.name for u in settings.units] + [p.name for p in settings.registry.providers]
    if name not in known:
        raise UsageError(f"未登记的单位：{name}（可用 bixue units 查看已登记的单位）")
    return name


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    """Every unit's standing for a report month, or one unit's history across months."""
    from bixue.periods import parse_period
    from bixue.render.status_text import show_status

    if args.period is None and args.unit is None:
        raise UsageError("请用 --period YYYY-MM 指定月份，或用 --unit 单位名称 查看单位的报送记录")
    if args.period is not None:
        try:
            parse_period(args.period)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
    unit = _known_unit(settings, args.unit)
    if settings.sender_check_warning:
        print(f"bixue: {settings.sender_check_warning}", file=sys.stderr)
    print(show_status(settings, args.period, unit, args.format))
    return 0


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    """Migrate the warehouse (upgrade to the newest schema, or step back) and say where it is."""
    from sqlalchemy import create_engine

    from bixue.warehouse import migrate

    engine = create_engine(settings.warehouse_url)
    if args.action == "upgrade":
        if settings.warehouse_url.startswith("sqlite:///"):
            Path(settings.warehouse_url.removeprefix("sqlite:///")).parent.mkdir(
                parents=True, exist_ok=True
            )
        migrate.upgrade(engine, args.to or "heads")
    elif args.action == "downgrade":
        if not args.to:
            raise UsageError("db downgrade 需要用 --to 指定目标版本（如 -1）")
        migrate.downgrade(engine, args.to)
    print(migrate.current(engine) or "（空）")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; call it (and parse) inside chinese_argparse()."""
    home_help = "本系统全部数据所在的目录（默认 ./var，或环境变量 BIXUE_HOME）"
    # --home before the command (bixue --home D units, as git -C) or after it; when given after
    # the command it wins, and a subcommand that omits it leaves the global value alone.
    home = ChineseArgumentParser(add_help=False)
    home.add_argument("--home", default=argparse.SUPPRESS, help=home_help)
    parser = ChineseArgumentParser(
        prog="bixue",
        description="楚雄州比学赶超报表处理：收取各单位邮件报表、审核、入库、评分并回复。",
    )
    parser.add_argument("--home", help=home_help)
    sub = parser.add_subparsers(dest="command", required=True)

    units = sub.add_parser("units", parents=[home], help="列出登记的报送单位")
    units.add_argument("--format", choices=["json", "table"], default="table", help="输出格式")
    units.set_defaults(func=cmd_units)

    templates = sub.add_parser("templates", parents=[home], help="生成下发各单位的空白报表")
    templates.add_argument("--out", required=True, help="空白报表（.xlsx）写入的目录")
    templates.add_argument(
        "--year", type=int, default=None, help="报表年度（默认：当前填报的年度）"
    )
    templates.set_defaults(func=cmd_templates)

    ingest = sub.add_parser("ingest", parents=[home], help="处理一个报表月份的邮件")
    ingest.add_argument("--period", required=True, help="报表月份，写作 YYYY-MM，如 2023-05")
    ingest.add_argument("--format", choices=["json", "table"], default="table", help="输出格式")
    ingest.set_defaults(func=cmd_ingest)

    status = sub.add_parser("status", parents=[home], help="某月各单位的报送情况")
    status.add_argument("--period", help="报表月份，写作 YYYY-MM（指定 --unit 时可省略）")
    status.add_argument("--unit", help="单位名称：列出该单位各月的每个版本、每个问题和每封回执")
    status.add_argument("--format", choices=["json", "table"], default="table", help="输出格式")
    status.set_defaults(func=cmd_status)

    remind = sub.add_parser("remind", parents=[home], help="催报：向缺报或报表未通过的单位发邮件")
    remind.add_argument(
        "--period", help="报表月份，写作 YYYY-MM（默认：正在收集的一期，即本月20日截止的那一期）"
    )
    remind.add_argument(
        "--unit", action="append", help="只催报该单位（可重复给出多个 --unit）；默认全部单位"
    )
    remind.add_argument(
        "--force", action="store_true", help="今天已催报过的单位也再发一份（默认每天只发一次）"
    )
    remind.set_defaults(func=cmd_remind)

    close = sub.add_parser("close", parents=[home], help="月度截止：把一期的最终报送情况发给办公室")
    close.add_argument("--period", help="报表月份，写作 YYYY-MM（默认：刚过截止日的那一期）")
    close.add_argument(
        "--force", action="store_true", help="本期最终报送情况已发过也再发一份（默认每期只发一次）"
    )
    close.set_defaults(func=cmd_close)

    db = sub.add_parser("db", parents=[home], help="数据仓库结构升级或回退")
    db.add_argument(
        "action", choices=["upgrade", "downgrade", "current"], metavar="操作", help=DB_ACTIONS
    )
    db.add_argument("--to", help="目标版本（升级默认为最新；回退如 -1）")
    db.set_defaults(func=cmd_db)

    demo = sub.add_parser("demo", parents=[home], help="清空目录，生成样例年度并逐月处理、评分")
    demo.add_argument("--year", type=int, default=2023, help="样例年度")
    demo.add_argument(
        "--months", type=int, choices=range(1, 13), default=12, metavar="1-12", help="样例月数"
    )
    demo.set_defaults(func=cmd_demo)
    for register in _command_modules():
        register(sub, [home])
    return parser


DB_ACTIONS = "upgrade 升级，downgrade 回退，current 显示当前版本"


def _command_modules() -> list[Callable[..., None]]:
    """Subcommands that live with their stage: each module has register(subparsers, parents)."""
    from bixue import bench_cli
    from bixue.mail import commands as mail_commands
    from bixue.render import commands as render_commands
    from bixue.scoring import commands as scoring_commands

    return [
        mail_commands.register,
        scoring_commands.register,
        render_commands.register,
        bench_cli.register,
    ]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line parsed, with --help and every usage error in Chinese."""
    with chinese_argparse():
        return build_parser().parse_args(argv)


def _reader_went_away() -> bool:
    """Whether standard output or error is a pipe whose reader has closed it (| head)."""
    poll = select.poll()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):
            poll.register(stream.fileno(), select.POLLOUT)
    return any(event & select.POLLERR for _, event in poll.poll(0))


def _quiet_after_broken_pipe() -> int:
    """Point the closed streams at /dev/null so the exit flush says nothing; exit as SIGPIPE."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):
            os.dup2(devnull, stream.fileno())
    os.close(devnull)
    return 128 + 13  # what a shell reports for a command ended by SIGPIPE


def _run(argv: Sequence[str] | None) -> int:
    try:
        args = parse_args(argv)
        settings = load_settings(args.home)
        return int(args.func(settings, args))
    except (ConfigError, UsageError, WarehouseMissingError) as exc:
        print(f"bixue: {exc}", file=sys.stderr)
        return 2
    except RunLockBusyError as exc:  # another run holds the home: nothing was done
        print(f"bixue: {exc}", file=sys.stderr)
        return 3
    except (WarehouseUnavailableError, MailboxUnavailableError) as exc:  # a service failed
        print(f"bixue: {exc}", file=sys.stderr)
        return 4


def main(argv: Sequence[str] | None = None) -> int:
    try:
        try:
            return _run(argv)
        finally:
            # Output to a pipe is buffered: flush here, where a closed pipe can still be handled,
            # not at interpreter exit (also after --help, which leaves by SystemExit).
            sys.stdout.flush()
    except BrokenPipeError:
        if not _reader_went_away():
            raise
        return _quiet_after_broken_pipe()


if __name__ == "__main__":
    raise SystemExit(main())
