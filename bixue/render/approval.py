"""What the office reads around an approval, in the Prefect UI: the draft to approve (also the
resume form's description) and the outcome of the run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

Ranking = Mapping[str, Sequence[Mapping[str, str | int | None]]]


def _table(rows: Sequence[Mapping[str, str | int | None]]) -> list[str]:
    if not rows:
        return ["（无）"]
    heads = list(rows[0])
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for row in rows:
        lines.append("| " + " | ".join("" if row[h] is None else str(row[h]) for h in heads) + " |")
    return lines


def ranking_markdown(ranking: Ranking) -> list[str]:
    lines: list[str] = []
    for category, rows in ranking.items():
        lines += ["", f"### {category}", "", *_table(rows)]
    return lines


def approval_markdown(
    period: str, version: int, ranking: Ranking, gaps: Sequence[str], preview: str
) -> str:
    """The draft the office is asked to approve: where its preview is, the gaps, the ranking."""
    lines = [
        f"# {period} 评分结果待审核（第{version}次评分草稿）",
        "",
        "请核对下列排名及草稿工作簿，然后在本运行页面点击“Resume”（恢复），"
        "勾选“同意通报”并填写意见后提交：同意则锁定为正式版本并发送通报；不同意则不发送任何邮件。",
        "",
        f"草稿工作簿及各收件人邮件预览（未发送）：`{preview}`",
    ]
    if gaps:
        lines += ["", "**数据缺口（经允许仍评分）：**", "", *(f"- {g}" for g in gaps)]
    lines += ["", "## 排名", *ranking_markdown(ranking)]
    return "\n".join(lines)


def outcome_markdown(
    period: str,
    version: int,
    approved: bool,
    opinion: str | None,
    number: int | None = None,
    sent: Sequence[str] = (),
    skipped: Sequence[str] = (),
    failed: Mapping[str, str] | None = None,
) -> str:
    """What the run did after the office's decision."""
    said = opinion or "（未填写）"
    if not approved:
        return "\n".join(
            [
                f"# {period} 评分结果未通报",
                "",
                f"办公室未同意通报第{version}次评分草稿，未锁定版本，未发送任何邮件。",
                "",
                f"办公室意见：{said}",
            ]
        )
    failed = failed or {}
    lines = [
        f"# {period} 第{number}版评分结果已通报",
        "",
        f"办公室同意通报第{version}次评分草稿，锁定为第{number}版。",
        "",
        f"办公室意见：{said}",
        "",
        f"本次发送 {len(sent)} 封，此前已发送 {len(skipped)} 封，失败 {len(failed)} 封。",
    ]
    if failed:
        lines += ["", "| 收件地址 | 失败原因 |", "|---|---|"]
        lines += [f"| {a} | {e} |" for a, e in failed.items()]
        lines += ["", "重新运行本通报（同一评分期）将只补发失败的地址。"]
    return "\n".join(lines)
