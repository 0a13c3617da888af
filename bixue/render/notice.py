"""The receipt each submitting unit gets after a run, in Chinese, exact about what to fix."""

from __future__ import annotations

import hashlib
import html
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bixue.config import Settings
from bixue.forms.spec import FORMS, WORKBOOK_NAMES
from bixue.model import LandedMessage, Submission
from bixue.periods import deadline

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
CLOSING = "如对审核结果有疑问，请回复本邮件或与{office}联系。"
ATTACHED = "附件为标注了问题单元格的你单位报表，请对照修改。"
# When every attached workbook was accepted and only carries notes, nothing needs changing.
ATTACHED_NOTES = "附件为标注了提示单元格的你单位报表，供核对。"
OVERDUE = "已逾期，请尽快报送"
SIGNATURE = "（本邮件由比学赶超报送系统自动发送）"
# What a unit whose mail was refused at intake sends instead, by what the refusal was about.
REFUSED_ADVICE = {
    "zip": "请不要压缩或加密，直接把Excel报表作为邮件附件发送。",
    "broken": "请确认文件能在Excel或WPS中正常打开，另存为.xlsx后重新发送。",
    "size": (
        "请只发送报表（Excel文件）和必要的意向书、协议，图片请压缩后再发送；"
        "每封邮件不超过{message}，附件不超过{count}个，单个附件不超过{attachment}，"
        "文件较多时可分几封邮件发送。"
    ),
}


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
    # Threading: the Message-ID of the unit's mail this answers, and all of the unit's mails.
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    # The same text as an HTML alternative part (None: plain text only).
    html: str | None = None
    # Copy recipients (Cc:), e.g. the office on a reminder; also on the envelope.
    cc: tuple[str, ...] = ()


def closing(settings: Settings) -> str:
    return CLOSING.format(office=settings.office_name)


def with_attachments(
    notice: Notice, files: tuple[tuple[str, bytes], ...], *, to_fix: bool = True
) -> Notice:
    """The notice with annotated workbooks attached, and a line in the body that says so."""
    line = ATTACHED if to_fix else ATTACHED_NOTES
    body = re.sub(r"^(如对审核结果有疑问)", f"{line}\n\n\\1", notice.body, count=1, flags=re.M)
    html_part = html_body(notice.subject, body) if notice.html is not None else None
    return replace(notice, attachments=notice.attachments + files, body=body, html=html_part)


def period_text(period: str | None) -> str:
    if not period:
        return "期间不明的"
    year, month = period.split("-")
    return f"{year}年1月" if int(month) == 1 else f"{year}年1—{int(month)}月"


def moment_text(settings: Settings, moment: datetime | None) -> str:
    """A time as a clerk reads it, in the office's time zone: 2023年5月18日 09:12."""
    if moment is None:
        return "时间不明"
    local = moment.astimezone(settings.tz)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def resubmit_text(settings: Settings, period: str | None, now: datetime) -> str:
    """By when a corrected form is due: the period's deadline, or that it has passed."""
    if not period:
        return f"{OVERDUE}。"
    due = deadline(settings, period)
    if now > due:
        return f"报送截止时间（{due.year}年{due.month}月{due.day}日）已过，{OVERDUE}。"
    return f"请于{due.year}年{due.month}月{due.day}日前重新报送。"


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


def _still_counted(sub: Submission, counted: Mapping[tuple[str, str, str], int]) -> int | None:
    """The earlier accepted version that still counts when this rejected one does not."""
    if sub.status != "rejected" or not (sub.unit and sub.workbook and sub.period):
        return None
    version = counted.get((sub.unit, sub.workbook, sub.period))
    return version if version is not None and version < sub.version else None


def _section(
    i: int,
    settings: Settings,
    sub: Submission,
    superseded: bool,
    standing: int | None,
    now: datetime,
) -> list[str]:
    title = WORKBOOK_NAMES.get(sub.workbook or "", "Excel附件")
    head = (
        f"{_ordinal(i)}、《{title}》（{period_text(sub.period)}，文件：{sub.attachment.filename}，"
        f"收到时间：{moment_text(settings, sub.received_at)}）"
    )
    errors = [p for p in sub.problems if p.severity == "error"]
    warnings = [p for p in sub.problems if p.severity == "warning"]
    lines = [head]
    if errors:
        refused = "本次更正未予采用" if standing else "本次报送的数据未予采用"
        lines.append(f"    审核结果：未通过，共发现{len(errors)}处问题，{refused}：")
        lines += [f"    {n}. {p.sentence()}" for n, p in enumerate(errors, start=1)]
        if superseded:
            lines.append("    该版本已由你单位随后重新报送的版本替代（见下文），无需再修改。")
        else:
            if standing:
                lines.append(
                    f"    你单位此前报送的第{standing}版已受理，第{standing}版仍有效，"
                    f"本期仍按第{standing}版计入。"
                )
                ask = "如需更正，请逐项修改后用登记邮箱重新报送整份报表"
            else:
                ask = "请逐项修改后，用登记邮箱重新报送整份报表，新报表将替代本次报送"
            lines.append(f"    {ask}。{resubmit_text(settings, sub.period, now)}")
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


def _advice(settings: Settings, reasons: list[str]) -> list[str]:
    """What to send instead of a refused message, one line per kind of refusal."""
    from bixue.mail.intake import IntakePolicy

    kinds = []
    for reason in reasons:
        if "压缩包" in reason or "解压" in reason:
            kind = "zip"
        elif "损坏" in reason or "无法解析" in reason:
            kind = "broken"
        else:
            kind = "size"
        if kind not in kinds:
            kinds.append(kind)
    limits = IntakePolicy.from_env().limits
    mb = 1024 * 1024
    sizes = {
        "message": f"{limits.max_message_bytes / mb:g}MB",
        "count": str(limits.max_attachments),
        "attachment": f"{limits.max_attachment_bytes / mb:g}MB",
    }
    return [REFUSED_ADVICE[k].format(**sizes) for k in kinds]


def _refused_section(
    i: int, settings: Settings, msg: LandedMessage, period: str, now: datetime
) -> list[str]:
    """A message refused at intake: why, and what to send instead."""
    subject = msg.subject or "（无主题）"
    lines = [
        f"{_ordinal(i)}、邮件“{subject}”（收到时间：{moment_text(settings, msg.received_at)}）",
        "    审核结果：邮件未能受理，其中的报表未读取，原因：",
    ]
    lines += [f"    {n}. {reason}" for n, reason in enumerate(msg.reasons, start=1)]
    lines += [f"    {line}" for line in _advice(settings, msg.reasons)]
    lines.append(f"    请按上述要求重新发送。{resubmit_text(settings, period, now)}")
    return lines


def _key(period: str, unit: str, subs: list[Submission], refused: list[LandedMessage]) -> str:
    unit_part = hashlib.sha256(unit.encode()).hexdigest()[:10]
    ids = sorted([s.id for s in subs] + [m.raw_sha256 for m in refused])
    subs_part = hashlib.sha256("".join(ids).encode()).hexdigest()[:12]
    return f"receipt-{period}-{unit_part}-{subs_part}"


def _bracketed(message_id: str) -> str:
    return message_id if message_id.startswith("<") else f"<{message_id}>"


def _thread(
    messages: list[LandedMessage],
) -> tuple[str | None, tuple[str, ...]]:
    """In-Reply-To (the newest of the unit's mails answered) and References (all of them)."""
    dated = sorted(
        (m for m in messages if m.message_id),
        key=lambda m: (m.received_at or datetime.min.replace(tzinfo=UTC), m.source_key),
    )
    ids = tuple(dict.fromkeys(_bracketed(m.message_id or "") for m in dated))
    return (ids[-1] if ids else None), ids


def _verdict(latest: list[Submission], counted: Mapping[tuple[str, str, str], int]) -> str:
    rejected = [s for s in latest if s.status == "rejected"]
    if not rejected:
        return "已受理"
    standing = [_still_counted(s, counted) for s in rejected]
    if all(standing):
        versions = "、".join(f"第{v}版" for v in sorted(set(filter(None, standing))))
        return f"更正未通过，{versions}仍有效"
    return "未通过，请修改后重新报送"


def compose_receipts(
    settings: Settings,
    period: str,
    messages: list[LandedMessage],
    submissions: list[Submission],
    *,
    counted: Mapping[tuple[str, str, str], int] | None = None,
    now: datetime | None = None,
    as_received: bool = False,
) -> list[Notice]:
    """One receipt per unit (and address) for the submissions and refusals this run recorded.

    `counted` is the version that counts for each (unit, workbook, period) after the run's
    load (the warehouse's current_submission); `now` decides whether a resubmission is late,
    or, `as_received` (a past year replayed, as the demo does), the arrival of the unit's mail.
    """
    counted = counted or {}
    now = now or datetime.now(UTC)
    recorded = {m.raw_sha256 for m in messages if m.state in ("accepted", "rejected")}
    by_sha = {m.raw_sha256: m for m in messages}
    by_unit: dict[tuple[str, str], list[Submission]] = defaultdict(list)
    for sub in submissions:
        if sub.message_sha256 in recorded and sub.unit and sub.sender and sub.version:
            by_unit[(sub.unit, sub.sender)].append(sub)
    with_forms = {s.message_sha256 for s in submissions}
    refused_by_unit: dict[tuple[str, str], list[LandedMessage]] = defaultdict(list)
    for msg in messages:
        if msg.state == "rejected" and msg.unit and msg.sender and msg.raw_sha256 not in with_forms:
            refused_by_unit[(msg.unit, msg.sender)].append(msg)
    notices = []
    for unit, sender in sorted(set(by_unit) | set(refused_by_unit)):
        subs = by_unit.get((unit, sender), [])
        refused = refused_by_unit.get((unit, sender), [])
        subs.sort(key=lambda s: (s.period or "", s.workbook or "", s.version))
        latest = _latest(subs)
        verdict = _verdict(latest, counted)
        if refused and verdict == "已受理":
            verdict = "有邮件未能受理，请按要求重新发送" if not subs else "部分邮件未能受理"
        shas = {sub.message_sha256 for sub in subs}
        answered = [by_sha[sha] for sha in sorted(shas) if sha in by_sha] + refused
        moments = sorted({m.received_at for m in answered if m.received_at})
        times = list(dict.fromkeys(moment_text(settings, t) for t in moments))
        received = f"于{'、'.join(times)}" if times else ""
        # a replayed year answers each mail as it came in, not today, years after its deadline
        at = max(moments) if as_received and moments else now
        body = [f"{unit}：", ""]
        body.append(
            f"{settings.office_name}已{received}收到你单位报送的{period_text(period)}"
            "招商引资报表，审核结果如下："
        )
        body.append("")
        i = 0
        for sub in subs:
            superseded = sub not in latest
            standing = None if superseded else _still_counted(sub, counted)
            body += [*_section(i, settings, sub, superseded, standing, at), ""]
            i += 1
        for msg in refused:
            body += [*_refused_section(i, settings, msg, period, at), ""]
            i += 1
        body += [closing(settings), "", settings.office_name, SIGNATURE]
        forms = "、".join(sorted({FORMS[sh.form].attachment for s in subs for sh in s.sheets}))
        which = f"（{forms}）" if forms else ""
        subject = f"【报送回执】{unit}{period_text(period)}报表{which}：{verdict}"
        in_reply_to, references = _thread(answered)
        text = "\n".join(body)
        notices.append(
            Notice(
                key=_key(period, unit, subs, refused),
                unit=unit,
                period=period,
                to=(sender,),
                subject=subject,
                body=text,
                annotate=tuple(s.id for s in subs if _to_annotate(s, s not in latest)),
                in_reply_to=in_reply_to,
                references=references,
                html=html_body(subject, text),
            )
        )
    return notices


def _to_annotate(sub: Submission, superseded: bool) -> bool:
    """Send a workbook back marked when it has something to fix or note and still stands."""
    return bool(sub.problems) and not superseded and sub.attachment.kind in ("xlsx", "xls")


# ---------------------------------------------------------------------------------------------
# The HTML alternative: the same lines, with headings and lists a mail client can lay out.

_HEADING = re.compile(rf"^[{ORDINALS}]+、")
_NUMBERED = re.compile(r"^ {4}(\d+)\. (.*)$")
_BULLET = re.compile(r"^ {4}- (.*)$")
STYLE = (
    "body{font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif;"
    "font-size:15px;line-height:1.6;color:#222;max-width:60em;margin:1.5em auto;padding:0 1em}"
    "h1{font-size:18px;border-bottom:2px solid #c00;padding-bottom:.3em}"
    "h2{font-size:16px;margin:1.2em 0 .3em;color:#333}"
    "p.in{margin:.2em 0 .2em 2em}ol,ul{margin:.2em 0 .4em 2em;padding-left:1.5em}"
    "li{margin:.2em 0}p.sig{color:#666}"
)


def html_body(subject: str, body: str) -> str:
    """The plain-text notice as a small HTML page: sections as headings, problems as lists."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{html.escape(subject)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(subject)}</h1>",
    ]
    open_list = ""
    for line in body.split("\n"):
        numbered, bullet = _NUMBERED.match(line), _BULLET.match(line)
        wanted = "ol" if numbered else "ul" if bullet else ""
        if open_list and wanted != open_list:
            out.append(f"</{open_list}>")
            open_list = ""
        if wanted and not open_list:
            out.append(f"<{wanted}>")
            open_list = wanted
        if numbered:
            out.append(f'<li value="{numbered.group(1)}">{html.escape(numbered.group(2))}</li>')
        elif bullet:
            out.append(f"<li>{html.escape(bullet.group(1))}</li>")
        elif not line.strip():
            continue
        elif _HEADING.match(line):
            out.append(f"<h2>{html.escape(line)}</h2>")
        elif line.startswith("    "):
            out.append(f'<p class="in">{html.escape(line.strip())}</p>')
        elif line == SIGNATURE:
            out.append(f'<p class="sig">{html.escape(line)}</p>')
        else:
            out.append(f"<p>{html.escape(line)}</p>")
    if open_list:
        out.append(f"</{open_list}>")
    out.append("</body></html>")
    return "\n".join(out)
