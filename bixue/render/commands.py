"""`bixue circulate`: score the draft, pass the gate, render, then preview or lock and send."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bixue.config import Settings
    from bixue.render.circulation import Outcome


def draft(
    engine: Engine,
    settings: Settings,
    period: str,
    *,
    allow_incomplete: bool = False,
    measures: str | None = None,
) -> None:
    """The period's draft as circulate needs it: from the warehouse past the gate, or a CSV."""
    from bixue.scoring.model import parse_period
    from bixue.scoring.service import file_measures, score, score_warehouse

    p = parse_period(period)
    if measures:
        source, name = file_measures(Path(measures))
        score(engine, settings, p, source, source_name=name)
    else:
        score_warehouse(engine, settings, p, allow_incomplete=allow_incomplete)


def _newest_circulated(engine: Engine, period: str) -> int | None:
    """第N版 when the period's newest scoring is already circulated (nothing new to force)."""
    from bixue.scoring import audit

    with engine.connect() as conn:
        recorded = audit.runs(conn, period)
    return recorded[0].circulated if recorded else None


def describe(outcome: Outcome) -> list[str]:
    """What a circulation did, in the office's words."""
    b = outcome.bundle
    lines = []
    if outcome.preview is not None:
        lines.append(f"{b.period} 通报预览（未发送，未锁定）：{outcome.preview}")
        lines.append(f"  工作簿：{outcome.preview / b.workbook_name}")
        lines.append(f"  邮件 {len(b.mails)} 封（.eml）")
        return lines
    report = outcome.report
    assert report is not None
    again = f"，替代第{b.replaces}版" if b.replaces else ""
    lines.append(f"{b.period} 已通报第{b.number}版{again}（{b.run.circulated_at}）")
    lines.append(
        f"  本次发出 {len(report.sent)} 封，此前已发出 {len(report.skipped)} 封，"
        f"失败 {len(report.failed)} 封"
    )
    lines += [f"  失败：{a}：{e}" for a, e in report.failed.items()]
    if report.failed:
        lines.append("  已告知办公室；重新运行 bixue circulate 将只补发失败的地址")
    return lines


def cmd_circulate(settings: Settings, args: argparse.Namespace) -> int:
    """Preview (nothing sent, nothing locked) or circulate a period's results."""
    from bixue.config import ConfigError
    from bixue.render.circulation import circulate
    from bixue.scoring.commands import _existing_warehouse
    from bixue.scoring.gate import IncompleteInputsError
    from bixue.scoring.model import ScoringError, parse_period

    try:
        period = str(parse_period(args.period))
        engine = _existing_warehouse(settings)
        draft(
            engine,
            settings,
            period,
            allow_incomplete=args.allow_incomplete,
            measures=args.measures,
        )
        stale = args.force and not args.preview and _newest_circulated(engine, period)
        outcome = circulate(engine, settings, period, preview=args.preview, force=args.force)
    except (ScoringError, IncompleteInputsError, ConfigError) as exc:
        print(f"bixue: {exc}", file=sys.stderr)
        return 2
    if stale:
        print(f"{period} 没有比第{stale}版更新的评分：--force 未生成新的一版，第{stale}版不变")
    for line in describe(outcome):
        print(line)
    return 1 if outcome.report is not None and outcome.report.failed else 0


def demo_circulate(engine: Engine, settings: Settings, year: int) -> list[Outcome]:
    """For `bixue demo`: circulate Q1–Q3, then the year rescored on them, to the outbox."""
    from bixue.render.circulation import circulate

    done = []
    for period in [f"{year}Q{q}" for q in (1, 2, 3)] + [str(year)]:
        draft(engine, settings, period, allow_incomplete=True)
        done.append(circulate(engine, settings, period))
    for outcome in done:
        b = outcome.bundle
        print(f"{b.period} 第{b.number}版通报：{len(b.mails)} 封邮件已写入 {settings.outbox_path}")
    books = settings.home / "results"
    books.mkdir(parents=True, exist_ok=True)
    for outcome in done:
        (books / outcome.bundle.workbook_name).write_bytes(outcome.bundle.workbook)
    print(f"通报工作簿：{books}")
    return done


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    """Add `circulate`."""
    circ = sub.add_parser(
        "circulate", parents=parents, help="通报评分结果：生成工作簿和邮件，预览或锁定并发送"
    )
    circ.add_argument("--period", required=True, help="评分期：2023Q1～2023Q3，年度写 2023")
    circ.add_argument(
        "--preview", action="store_true", help="只把工作簿和邮件写到 <目录>/preview/，不发送"
    )
    circ.add_argument(
        "--force", action="store_true", help="已通报过时重新通报为新的一版，主题注明替代第N版"
    )
    circ.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="报表不全时仍评分通报：各处注明“数据不全”并列出缺项",
    )
    circ.add_argument("--measures", help="用 CSV 文件（unit,indicator,value[,target]）评分后通报")
    circ.set_defaults(func=cmd_circulate)
