"""The receipt each submitting unit gets after a run, in Chinese, exact about what to fix."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, replace

from bixue.config import Settings
from bixue.forms.spec import FORMS, WORKBOOK_NAMES
from bixue.forms.submissions import deadline
from bixue.model import LandedMessage, Submission

ORDINALS = "一二三四五六七八九十"
COUNTED = {
    "a3": "项目{n}个",
    "a4": "项目{n}个",
    "a5": "自行组织活动{n}次",
    "ledger_trips": "外出招商活动{n}次",
    "ledger_signings": "新签约项目{n}个",
    "stats_funds": "统计数据{n}行",
    "stats_fdi": "统计数据{n}行",
}
CLOSING = "如对审核结果有疑问，请回复本邮件或与州招商委办公室联系。"
ATTACHED = "附件为标注了问题单元格的你单位报表，请对照修改。"
# When every attached workbook was accepted and only carries notes, nothing needs changing.
ATTACHED_NOTES = "附件为标注了提示单元格的你单位报表，供核对。"


@dataclass(frozen=True)
class Notice:
    """A receipt ready to send: the key makes a rerun recognise it was already sent."""

    key: str
    unit: str
    period: str
    to: tuple[str, ...]
    subject: str
    body: str
    # Submissions whose own workbook goes back annotated (render.annotate reads the files).
    annotate: tuple[str, ...] = ()
    attachments: tuple[tuple[str, bytes], ...] = ()
    kind: str = "receipt"  # receipt (to a unit) | status (to the office)


def with_attachments(
    notice: Notice, files: tuple[tuple[str, bytes], ...], *, to_fix: bool = True
) -> Notice:
    """The notice with annotated workbooks attached, and a line in the body that says so."""
    line = ATTACHED if to_fix else ATTACHED_NOTES
    body = notice.body.replace(CLOSING, f"{line}\n\n{CLOSING}", 1)
    return replace(notice, attachments=notice.attachments + files, body=body)


def period_text(period: str | None) -> str:
    if not period:
        return "期间不明的"
    year, month = period.split("-")
    return f"{year}年1月" if int(month) == 1 else f"{year}年1—{int(month)}月"


def _ordinal(i: int) -> str:
    return ORDINALS[i] if i < len(ORDINALS) else str(i + 1)


def _counted(sub: Submission) -> str:
    parts = [COUNTED[s.form].format(n=s.rows) for s in sub.sheets]
    return "、".join(parts) if parts else "无数据行"


def _latest(subs: list[Submission]) -> list[Submission]:
    """Each form's newest version for a period: what the unit's standing is judged on."""
    newest: dict[tuple[str | None, str | None], Submission] = {}
    for sub in subs:
        key = (sub.workbook, sub.period)
        if key not in newest or sub.version > newest[key].version:
            newest[key] = sub
    return list(newest.values())


def _section(i: int, settings: Settings, sub: Submission, superseded: bool) -> list[str]:
    title = WORKBOOK_NAMES.get(sub.workbook or "", "Excel附件")
    head = (
        f"{_ordinal(i)}、《{title}》（{period_text(sub.period)}，文件：{sub.attachment.filename}）"
    )
    errors = [p for p in sub.problems if p.severity == "error"]
    warnings = [p for p in sub.problems if p.severity == "warning"]
    lines = [head]
    if errors:
        lines.append(f"    审核结果：未通过，共发现{len(errors)}处问题，本次报送的数据未予采用：")
        lines += [f"    {n}. {p.sentence()}" for n, p in enumerate(errors, start=1)]
        if superseded:
            lines.append("    该版本已由你单位随后重新报送的版本替代（见下文），无需再修改。")
        else:
            lines.append("    请逐项修改后，用登记邮箱重新报送整份报表，新报表将替代本次报送。")
    else:
        version = f"（第{sub.version}版，替代此前报送）" if sub.version > 1 else ""
        lines.append(f"    审核结果：已受理{version}，计入{_counted(sub)}。")
    if warnings:
        lines.append("    请注意：")
        lines += [f"    - {p.sentence()}" for p in warnings]
    if sub.late and sub.period:
        due = deadline(settings, sub.period)
        lines.append(f"    本次报送晚于报送截止时间（{due.month}月{due.day}日），已登记为迟报。")
    return lines


def _to_annotate(sub: Submission, superseded: bool) -> bool:
    """Send a workbook back marked when it has something to fix or note and still stands."""
    return bool(sub.problems) and not superseded and sub.attachment.kind in ("xlsx", "xls")


def _key(period: str, unit: str, subs: list[Submission]) -> str:
    unit_part = hashlib.sha256(unit.encode()).hexdigest()[:10]
    subs_part = hashlib.sha256("".join(sorted(s.id for s in subs)).encode()).hexdigest()[:12]
    return f"receipt-{period}-{unit_part}-{subs_part}"


def compose_receipts(
    settings: Settings, period: str, messages: list[LandedMessage], submissions: list[Submission]
) -> list[Notice]:
    """One receipt per unit (and address) for the submissions this run recorded."""
    recorded = {m.raw_sha256 for m in messages if m.state in ("accepted", "rejected")}
    by_unit: dict[tuple[str, str], list[Submission]] = defaultdict(list)
    for sub in submissions:
        if sub.message_sha256 in recorded and sub.unit and sub.sender and sub.version:
            by_unit[(sub.unit, sub.sender)].append(sub)
    notices = []
    for (unit, sender), subs in sorted(by_unit.items()):
        subs.sort(key=lambda s: (s.period or "", s.workbook or "", s.version))
        latest = _latest(subs)
        ok = all(s.status == "accepted" for s in latest)
        verdict = "已受理" if ok else "未通过，请修改后重新报送"
        body = [f"{unit}：", ""]
        body.append(
            f"州招商委办公室已收到你单位报送的{period_text(period)}招商引资报表，审核结果如下："
        )
        body.append("")
        for i, sub in enumerate(subs):
            body += [*_section(i, settings, sub, superseded=sub not in latest), ""]
        body += [
            CLOSING,
            "",
            settings.office_name,
            "（本邮件由比学赶超报送系统自动发送）",
        ]
        forms = "、".join(sorted({FORMS[sh.form].attachment for s in subs for sh in s.sheets}))
        which = f"（{forms}）" if forms else ""
        subject = f"【报送回执】{unit}{period_text(period)}报表{which}：{verdict}"
        notices.append(
            Notice(
                key=_key(period, unit, subs),
                unit=unit,
                period=period,
                to=(sender,),
                subject=subject,
                body="\n".join(body),
                annotate=tuple(s.id for s in subs if _to_annotate(s, s not in latest)),
            )
        )
    return notices
