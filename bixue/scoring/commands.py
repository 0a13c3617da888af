"""Subcommands of this stage; bixue.cli calls register() when it builds the parser.

Heavy modules are imported inside the commands: `rules show` and `export scores` must start
fast and never load Prefect or Great Expectations.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bixue.config import Settings
    from bixue.scoring.rules import Leaf, Rules
    from bixue.scoring.service import MeasureSource

Command = Callable[["Settings", argparse.Namespace], int]

METHOD_ZH = {
    "rank_share": "竞争性排名（按名次递减）",
    "rank_step": "竞争性排名（逐名次扣分）",
    "ratio_to_best": "竞争性排名（与第一名之比）",
    "target": "目标管理法",
}
KIND_ZH = {"quarterly": "季度", "annual": "年度"}
CATEGORY_ZH = {"county": "县市、高新区", "group": "招商组、平台"}
INELIGIBLE_ZH = {"negative": "负数不得分", "not_positive": "为零或负数不得分", None: ""}


def _friendly(command: Command) -> Command:
    """A scoring error is the office's to fix: one line on stderr, exit code 2, no traceback."""

    @functools.wraps(command)
    def run(settings: Settings, args: argparse.Namespace) -> int:
        from bixue.scoring.model import ScoringError

        try:
            return command(settings, args)
        except ScoringError as exc:
            print(f"bixue: {exc}", file=sys.stderr)
            return 2

    return run


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    from bixue.cli import _table as table

    return table(rows, columns)


def _print_ranking(scores: Any) -> None:
    from bixue.scoring.service import ranking

    for category, rows in ranking(scores).items():
        print(f"\n{category}")
        print(_table(rows, list(rows[0])))


def demo_year(
    engine: Engine, settings: Settings, year: int, source: MeasureSource | None = None
) -> None:
    """For `bixue demo`: score Q1–Q3 and the year as drafts (gaps allowed and printed), then
    print the year's ranking."""
    from bixue.scoring.service import score_year, warehouse_measures
    from bixue.scoring.versions import version_note

    scored = score_year(engine, settings, year, source or warehouse_measures, allow_incomplete=True)
    print()
    for done in scored:
        print(version_note(done.run))
    print(f"\n{year}年比学赶超全年得分（评分规则 {scored[-1].scores.rules_version}）")
    _print_ranking(scored[-1].scores)


def _existing_warehouse(settings: Settings) -> Engine:
    """The home's warehouse, migrated; a home without one is an error that creates nothing."""
    from bixue.scoring.model import ScoringError
    from bixue.warehouse.db import WarehouseMissingError, connect_readonly
    from bixue.warehouse.migrate import upgrade

    try:
        engine = connect_readonly(settings.warehouse_url)
    except WarehouseMissingError as exc:
        raise ScoringError(f"没有可评分的数据：{exc}") from None
    upgrade(engine)
    return engine


@_friendly
def cmd_score(settings: Settings, args: argparse.Namespace) -> int:
    """Score a period from the warehouse's measures (or a CSV) and record it as a draft."""
    from bixue.scoring.model import parse_period
    from bixue.scoring.service import file_measures, score, score_warehouse
    from bixue.scoring.versions import version_note

    period = parse_period(args.period)
    engine = _existing_warehouse(settings)
    if args.measures:
        source, source_name = file_measures(Path(args.measures))
        done = score(engine, settings, period, source, source_name=source_name)
    else:
        done = score_warehouse(engine, settings, period, allow_incomplete=args.allow_incomplete)
    if done.created:
        print(f"{period} 评分已保存为新草稿（第{done.version}次评分）")
    else:
        print(f"{period} 输入与规则未变，沿用第{done.version}次评分")
    print(version_note(done.run))
    _print_ranking(done.scores)
    return 0


def _read_only_engine(settings: Settings) -> Engine:
    """The warehouse without migrating it: reading scores must not change anything."""
    from sqlalchemy import create_engine, inspect

    from bixue.scoring.model import ScoringError

    url = settings.warehouse_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise ScoringError(f"数据仓库不存在：{url}")
    engine = create_engine(url)
    tables = inspect(engine)
    if not tables.has_table("score_run"):
        raise ScoringError("数据仓库中还没有评分表：请先运行 bixue score")
    if not tables.has_table("score_circulation"):
        raise ScoringError("数据仓库的评分表是旧版本：请先运行 bixue db upgrade")
    return engine


@_friendly
def cmd_export_scores(settings: Settings, args: argparse.Namespace) -> int:
    """One row per unit and indicator of a recorded scoring, plus the units' totals."""
    from bixue.scoring import audit
    from bixue.scoring.model import parse_period
    from bixue.scoring.tables import csv_text, export_rows, json_text, write_csv_file
    from bixue.scoring.versions import with_version

    period = parse_period(args.period)
    run, scores = audit.load(_read_only_engine(settings), str(period), circulated=args.version)
    rows = with_version(export_rows(scores), run)
    if args.output and args.format == "csv":
        write_csv_file(rows, Path(args.output))
    elif args.output:
        Path(args.output).write_text(json_text(rows), encoding="utf-8")
    else:
        sys.stdout.write(csv_text(rows) if args.format == "csv" else json_text(rows))
    return 0


def _number(value: str | Decimal) -> int | float | str:
    """A decimal for JSON display: an integer when whole, else a float; text stays text."""
    try:
        number = Decimal(value)
    except ArithmeticError:
        return str(value)
    return int(number) if number == number.to_integral_value() else float(number)


def _leaf_object(leaf: Leaf, key: str) -> dict[str, Any]:
    return {
        "key": key,
        "name": leaf.name,
        "category": leaf.category,
        "period_kind": leaf.period_kind,
        "weight": _number(leaf.weight),
        "method": leaf.method,
        "params": {k: _number(v) for k, v in leaf.params},
        "ineligible_when": leaf.ineligible_when,
        "measure": leaf.measure,
    }


def rules_objects(rules: Rules) -> list[dict[str, Any]]:
    """One object per indicator as the rules file defines it, parts nested (the same fields)."""
    leaves = {leaf.key: leaf for leaf in rules.leaves()}
    out: list[dict[str, Any]] = []
    for ind in rules.file.indicators:
        if not ind.parts:
            out.append(_leaf_object(leaves[ind.key], ind.key))
            continue
        parts = [
            _leaf_object(leaves[f"{ind.key}.{p.key}"], f"{ind.key}.{p.key}") for p in ind.parts
        ]
        out.append(
            {
                "key": ind.key,
                "name": ind.name,
                "category": ind.category,
                "period_kind": ind.period_kind,
                "weight": _number(ind.weight),
                "method": ind.method,
                "params": {k: _number(str(v)) for k, v in ind.params.items()},
                "ineligible_when": ind.ineligible_when,
                "measure": None,
                "parts": parts,
            }
        )
    return out


def _rules_table(objects: list[dict[str, Any]]) -> str:
    rows = []
    for obj in objects:
        for item, indent in [(obj, ""), *((p, "  ") for p in obj.get("parts", []))]:
            rows.append(
                {
                    "指标": indent + item["key"],
                    "名称": item["name"],
                    "类别": CATEGORY_ZH[item["category"]],
                    "周期": KIND_ZH[item["period_kind"]],
                    "分值": item["weight"],
                    "计分方法": METHOD_ZH[item["method"]],
                    "参数": ", ".join(f"{k}={v}" for k, v in item["params"].items()),
                    "不得分条件": INELIGIBLE_ZH[item["ineligible_when"]],
                    "计量": item["measure"] or "（见分项）",
                }
            )
    return _table(rows, list(rows[0]))


def cmd_rules_show(settings: Settings, args: argparse.Namespace) -> int:
    """The year's indicators as configured, with the rule version and file hash."""
    from bixue.scoring.rules import load_rules

    rules = load_rules(settings.config_dir, args.year)
    objects = rules_objects(rules)
    if args.format == "json":
        print(json.dumps(objects, ensure_ascii=False, indent=2))
    else:
        where = f"{rules.path.name}，sha256 {rules.sha256[:12]}"
        print(f"{rules.year} 年评分规则 {rules.version}（{where}）")
        print(_rules_table(objects))
    return 0


@_friendly
def cmd_score_measures(settings: Settings, args: argparse.Namespace) -> int:
    """What if: the same engine on measures from a CSV file; nothing is stored."""
    from bixue.scoring.model import parse_period
    from bixue.scoring.service import what_if
    from bixue.scoring.tables import export_rows, write_csv_file
    from bixue.scoring.versions import with_version

    scores = what_if(settings, args.year, parse_period(args.period), Path(args.input))
    write_csv_file(with_version(export_rows(scores), None), Path(args.output))
    print(f"已写入 {args.output}（{len(scores.lines)} 条指标得分）")
    return 0


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    """Add this stage's subcommands; each sets func(settings, args) -> exit code."""
    score = sub.add_parser(
        "score", parents=parents, help="score a quarter (2023Q2) or a year (2023) and record it"
    )
    score.add_argument("--period", required=True, help="2023Q1..2023Q3, or 2023 for the year")
    score.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="报表不全时仍评分：草稿注明“数据不全”并列出缺项",
    )
    score.add_argument(
        "--measures", help="CSV unit,indicator,value[,target] to score instead of the warehouse"
    )
    score.set_defaults(func=cmd_score)

    export = sub.add_parser("export", help="export recorded results")
    what = export.add_subparsers(dest="what", required=True)
    scores = what.add_parser("scores", parents=parents, help="a period's scores, per indicator")
    scores.add_argument("--period", required=True, help="2023Q1..2023Q3, or 2023")
    scores.add_argument("--format", choices=["csv", "json"], default="csv")
    scores.add_argument(
        "--version", type=int, help="已通报的第N版（默认：最新一次评分，草稿或已通报版本）"
    )
    scores.add_argument("--output", help="file to write (default: standard output)")
    scores.set_defaults(func=cmd_export_scores)

    rules = sub.add_parser("rules", help="the scoring rules (附件6, 附件7)")
    action = rules.add_subparsers(dest="action", required=True)
    show = action.add_parser("show", parents=parents, help="a year's indicators as configured")
    show.add_argument("--year", type=int, required=True)
    show.add_argument("--format", choices=["json", "table"], default="table")
    show.set_defaults(func=cmd_rules_show)

    what_if = sub.add_parser(
        "score-measures", parents=parents, help="what-if: score measures from a CSV file"
    )
    what_if.add_argument("--year", type=int, required=True, help="the rules year")
    what_if.add_argument("--period", required=True, help="2023Q1..2023Q3, or 2023")
    what_if.add_argument(
        "--input",
        required=True,
        help="CSV：unit,indicator,value[,target]，或 export scores 导出的文件（UTF-8 或 GBK）",
    )
    what_if.add_argument("--output", required=True, help="CSV to write (the export's columns)")
    what_if.set_defaults(func=cmd_score_measures)
