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


def export_note(run: Any, scores: Any) -> str | None:
    """The lines above an xlsx export or an explanation: draft or 第N版（已通报）, and its gaps."""
    from bixue.scoring.versions import version_note

    return version_note(run)


def _recorded(settings: Settings, args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """The recorded scoring an export or explanation shows, and its year's rules (for labels)."""
    from bixue.config import ConfigError
    from bixue.scoring import audit
    from bixue.scoring.model import ScoringError, parse_period
    from bixue.scoring.rules import load_rules

    period = parse_period(args.period)
    run, scores = audit.load(_read_only_engine(settings), str(period), circulated=args.version)
    unit = getattr(args, "unit", None)
    if unit is not None and unit not in scores.units:
        raise ScoringError(f"{period} 的评分中没有单位 {unit}")
    try:
        rules = load_rules(settings.config_dir, period.year)
    except ConfigError:
        rules = None  # the labels fall back to keys; the numbers come from the audit alone
    return run, scores, rules


@_friendly
def cmd_export_scores(settings: Settings, args: argparse.Namespace) -> int:
    """One row per unit and indicator of a recorded scoring, plus the units' totals."""
    from bixue.scoring.model import ScoringError
    from bixue.scoring.tables import csv_text, export_rows, json_text, write_csv_file, xlsx_bytes
    from bixue.scoring.versions import with_version

    run, scores, rules = _recorded(settings, args)
    rows = with_version(export_rows(scores, rules, args.unit), run)
    note = export_note(run, scores)
    if args.format == "xlsx":
        data = xlsx_bytes(rows, note)
        if args.output:
            Path(args.output).write_bytes(data)
        elif sys.stdout.isatty():
            raise ScoringError("xlsx 格式请用 --output 指定文件（或重定向到文件）")
        else:
            sys.stdout.buffer.write(data)
    elif args.output and args.format == "csv":
        write_csv_file(rows, Path(args.output))
    elif args.output:
        Path(args.output).write_text(json_text(rows), encoding="utf-8")
    elif args.format == "csv":
        # The byte-order mark on standard output too: `> f.csv` must open in Chinese Excel.
        sys.stdout.write("\ufeff" + csv_text(rows))
    else:
        sys.stdout.write(json_text(rows))
    return 0


@_friendly
def cmd_explain(settings: Settings, args: argparse.Namespace) -> int:
    """One unit's scoring read out: total and rank, then each indicator's 说明 and figures."""
    from bixue.scoring.tables import explanation
    from bixue.scoring.versions import version_label, version_note

    run, scores, rules = _recorded(settings, args)
    rest = "\n".join(version_note(run).splitlines()[1:])  # the title already says which version
    print(explanation(run, scores, rules, args.unit, rest or None, version_label(run), settings.tz))
    return 0


def _number(value: str | Decimal) -> int | float | str:
    """A decimal for JSON display: an integer when whole, else a float; text stays text."""
    try:
        number = Decimal(value)
    except ArithmeticError:
        return str(value)
    return int(number) if number == number.to_integral_value() else float(number)


def _decision_ids(rules: Rules, key: str) -> list[str]:
    return [d.id for d in rules.decisions(key)]


def _leaf_object(rules: Rules, leaf: Leaf, key: str) -> dict[str, Any]:
    from bixue.scoring.methods import describe

    info = rules.measure(leaf.measure)
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
        "method_zh": describe(leaf.method, dict(leaf.params)),
        "measure_zh": info.zh,
        "measure_unit": info.unit,
        "figures": list(info.figures),
        "decisions": _decision_ids(rules, key),
    }


def rules_objects(rules: Rules) -> list[dict[str, Any]]:
    """One object per indicator as the rules file defines it, parts nested (the same fields)."""
    from bixue.scoring.methods import describe

    leaves = {leaf.key: leaf for leaf in rules.leaves()}
    out: list[dict[str, Any]] = []
    for ind in rules.file.indicators:
        if not ind.parts:
            out.append(_leaf_object(rules, leaves[ind.key], ind.key))
            continue
        parts = [
            _leaf_object(rules, leaves[f"{ind.key}.{p.key}"], f"{ind.key}.{p.key}")
            for p in ind.parts
        ]
        first = leaves[f"{ind.key}.{ind.parts[0].key}"]
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
                "method_zh": describe(first.method, dict(first.params)),
                "measure_zh": None,
                "measure_unit": None,
                "figures": [],
                "decisions": _decision_ids(rules, ind.key),
                "parts": parts,
            }
        )
    return out


def rules_document(rules: Rules) -> dict[str, Any]:
    """`rules show --format json`: the version, the indicators, the measures and the decisions."""
    return {
        "year": rules.year,
        "version": rules.version,
        "file": rules.path.name,
        "sha256": rules.sha256,
        "indicators": rules_objects(rules),
        "measures": {
            name: {
                "zh": m.zh,
                "unit": m.unit,
                "figures": list(m.figures),
                "target_figure": m.target_figure,
            }
            for name, m in rules.file.measures.items()
        },
        "decisions": [
            {"id": d.id, "zh": d.zh, "applies_to": list(d.applies_to)} for d in rules.decisions()
        ],
    }


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
                    "计分方法": item["method_zh"] if not item.get("parts") else "（见分项）",
                    "方法版本": item["method"],
                    "不得分条件": INELIGIBLE_ZH[item["ineligible_when"]],
                    "计量": f"{item['measure_zh']}（{item['measure_unit']}）"
                    if item["measure"]
                    else "（见分项）",
                    "决策": "、".join(item["decisions"]),
                }
            )
    return _table(rows, list(rows[0]))


def cmd_rules_show(settings: Settings, args: argparse.Namespace) -> int:
    """The year's indicators as configured, with the rule version and file hash."""
    from bixue.scoring.rules import load_rules

    rules = load_rules(settings.config_dir, args.year)
    if args.format == "json":
        print(json.dumps(rules_document(rules), ensure_ascii=False, indent=2))
    else:
        where = f"{rules.path.name}，sha256 {rules.sha256[:12]}"
        print(f"{rules.year} 年评分规则 {rules.version}（{where}）")
        print(_rules_table(rules_objects(rules)))
        print("\n评分决策（规则未明确之处的处理）")
        width = max((len(d.id) for d in rules.decisions()), default=0)
        for d in rules.decisions():  # the sentences start in one column, D1 as D22
            print(f"{d.id:<{width}}  {d.zh}")
    return 0


@_friendly
def cmd_score_measures(settings: Settings, args: argparse.Namespace) -> int:
    """What if: the same engine on measures from a CSV file; nothing is stored."""
    from bixue.scoring.model import parse_period
    from bixue.scoring.rules import load_rules
    from bixue.scoring.service import what_if
    from bixue.scoring.tables import export_rows, write_csv_file
    from bixue.scoring.versions import with_version

    scores = what_if(settings, args.year, parse_period(args.period), Path(args.input))
    rules = load_rules(settings.config_dir, args.year)
    write_csv_file(with_version(export_rows(scores, rules), None), Path(args.output))
    print(f"已写入 {args.output}（{len(scores.lines)} 条指标得分）")
    return 0


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    """Add this stage's subcommands; each sets func(settings, args) -> exit code."""
    score = sub.add_parser(
        "score", parents=parents, help="季度（如 2023Q2）或年度（如 2023）评分并保存"
    )
    score.add_argument("--period", required=True, help="评分期：2023Q1～2023Q3，年度写 2023")
    score.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="报表不全时仍评分：草稿注明“数据不全”并列出缺项",
    )
    score.add_argument(
        "--measures", help="用 CSV 文件（unit,indicator,value[,target]）代替数据仓库的数据评分"
    )
    score.set_defaults(func=cmd_score)

    export = sub.add_parser("export", help="导出已保存的结果")
    what = export.add_subparsers(dest="what", required=True)
    scores = what.add_parser("scores", parents=parents, help="某期各单位各指标的得分及说明")
    scores.add_argument("--period", required=True, help="评分期：2023Q1～2023Q3 或 2023")
    scores.add_argument("--format", choices=["csv", "json", "xlsx"], default="csv", help="输出格式")
    scores.add_argument(
        "--version", type=int, help="已通报的第N版（默认：最新一次评分，草稿或已通报版本）"
    )
    scores.add_argument("--unit", help="只导出一个单位，如 楚雄市")
    scores.add_argument("--output", help="写入的文件（默认：输出到屏幕）")
    scores.set_defaults(func=cmd_export_scores)

    explain = sub.add_parser("explain", parents=parents, help="逐项说明一个单位的得分")
    explain.add_argument("--unit", required=True, help="单位名称，如 楚雄市")
    explain.add_argument("--period", required=True, help="评分期：2023Q1～2023Q3 或 2023")
    explain.add_argument("--version", type=int, help="已通报的第N版（默认：最新一次评分）")
    explain.set_defaults(func=cmd_explain)

    rules = sub.add_parser("rules", help="评分规则（附件6、附件7）")
    action = rules.add_subparsers(dest="action", required=True)
    show = action.add_parser("show", parents=parents, help="某年度配置的评分指标")
    show.add_argument("--year", type=int, required=True, help="规则年度")
    show.add_argument("--format", choices=["json", "table"], default="table", help="输出格式")
    show.set_defaults(func=cmd_rules_show)

    what_if = sub.add_parser(
        "score-measures", parents=parents, help="模拟评分：按 CSV 文件中的指标值评分"
    )
    what_if.add_argument("--year", type=int, required=True, help="规则年度")
    what_if.add_argument("--period", required=True, help="评分期：2023Q1～2023Q3 或 2023")
    what_if.add_argument(
        "--input",
        required=True,
        help="CSV 文件：unit,indicator,value[,target]，或导出的得分文件（可用电子表格软件另存）",
    )
    what_if.add_argument("--output", required=True, help="写入的 CSV 文件（列与 export 相同）")
    what_if.set_defaults(func=cmd_score_measures)
