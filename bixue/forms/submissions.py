"""From landed messages to submissions: who sent which form for which period, and is it allowed."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from functools import cache, lru_cache

from bixue.config import Settings
from bixue.forms.guard import WorkbookLimits
from bixue.forms.isolate import parse_guarded
from bixue.forms.parse import ParsedWorkbook, norm
from bixue.forms.senders import sender_group as sender_group  # re-exported
from bixue.forms.senders import sender_identity
from bixue.forms.spec import FORMS, WORKBOOK_NAMES, WORKBOOKS
from bixue.model import LandedAttachment, LandedMessage, Submission
from bixue.periods import deadline as deadline  # re-exported: the forms' deadline
from bixue.periods import latest_closed_period as latest_closed_period
from bixue.periods import open_period as open_period
from bixue.periods import parse_period as parse_period
from bixue.periods import period_key
from bixue.periods import resolve_period as resolve_period
from bixue.rules.problem import Problem

SPREADSHEET_KINDS = {"xlsx", "xls"}
REFUSED_KINDS = {
    "xlsm": "文件含宏（.xlsm），出于安全原因不予读取。",
    "encrypted": "文件设置了打开密码，无法读取。",
    "html": "文件实为网页格式（另存为.xls的HTML），不是Excel工作簿。",
    "xlsb": "文件为二进制工作簿（.xlsb），无法读取。",
    "ods": "文件为OpenDocument表格（.ods），不是Excel工作簿。",
    "unknown": "文件内容无法识别为Excel工作簿（可能已损坏，或扩展名与内容不符）。",
}
REFUSED_FIX = "请在Excel或WPS中另存为不带密码的.xlsx工作簿后重新报送。"
# A file of unknown content is refused as a form only when its name claims to be a spreadsheet;
# other unknown files (signatures, calendar invites) are kept but are not forms.
SPREADSHEET_NAME = re.compile(r"\.(xls|xlsx|xlsm|xlsb|et|ett|ods)$", re.IGNORECASE)


def is_form(att: LandedAttachment) -> bool:
    """Whether an attachment is read (or refused with a reason) as a submitted form."""
    if att.kind == "unknown":
        return SPREADSHEET_NAME.search(att.filename) is not None
    return att.kind in SPREADSHEET_KINDS or att.kind in REFUSED_KINDS


def unit_from_text(settings: Settings, text: str | None) -> str | None:
    """The registered unit a 填报单位 line names (exact name, alias, or containing the name)."""
    if not text:
        return None
    return _unit_from_norm(_unit_names(settings), norm(text))


@cache
def _unit_names(settings: Settings) -> tuple[tuple[str, str], ...]:
    """(normalised name or alias, unit), longest first, built once per configuration."""
    pairs = {(norm(n), u.name) for u in settings.units for n in (u.name, *u.aliases) if norm(n)}
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


@lru_cache(maxsize=4096)
def _unit_from_norm(names: tuple[tuple[str, str], ...], wanted: str) -> str | None:
    for key, unit in names:
        if key == wanted:
            return unit
    return next((unit for key, unit in names if key in wanted), None)


def submission_id(message_sha256: str, attachment_sha256: str) -> str:
    return hashlib.sha256(f"{message_sha256}:{attachment_sha256}".encode()).hexdigest()[:32]


def _allowed(settings: Settings, who: str, role: str, workbook: str) -> str | None:
    """Why this sender may not submit this workbook, or None when it may."""
    for form in WORKBOOKS[workbook]:
        spec = FORMS[form]
        if role == "provider":
            provider = next(p for p in settings.registry.providers if p.name == who)
            if form not in provider.forms:
                return f"{who}不报送《{spec.title}》。"
            continue
        if spec.submitters != "unit":
            return f"《{spec.title}》由统计部门报送，{who}无需报送。"
        unit = settings.unit(who)
        if spec.only_units and who not in spec.only_units:
            return f"《{spec.title}》只由{'、'.join(spec.only_units)}报送，{who}无需报送。"
        if spec.categories and unit.category not in spec.categories:
            return f"{who}无需报送《{spec.title}》。"
    return None


def _identify(
    settings: Settings, sub: Submission, who: str, role: str, unit_text: str | None
) -> None:
    """Check the workbook's own 填报单位 against the registered sender and the form's submitters."""
    if role == "unit":
        named = unit_from_text(settings, unit_text)
        if unit_text == "":
            sub.problems.append(
                Problem(
                    rule="submitter_unknown",
                    severity="warning",
                    message=f"「填报单位」为空，已按发件邮箱登记的单位“{who}”处理。",
                    fix="请在“填报单位：”后填写本单位规范名称。",
                )
            )
        elif unit_text and named is None:
            sub.problems.append(
                Problem(
                    rule="submitter_unknown",
                    severity="warning",
                    message=f"填报单位“{unit_text}”无法识别，已按发件邮箱登记的单位“{who}”处理。",
                    fix="请在“填报单位：”后填写本单位规范名称。",
                )
            )
        elif named and named != who:
            sub.problems.append(
                Problem(
                    rule="submitter_mismatch",
                    message=f"表内填报单位为“{named}”，但发件邮箱登记的单位是“{who}”。",
                    fix="请由本单位登记的邮箱报送本单位的报表；"
                    f"如邮箱有变更，请联系{settings.office_name}登记。",
                )
            )
    if sub.workbook:
        reason = _allowed(settings, who, role, sub.workbook)
        if reason:
            sub.problems.append(
                Problem(rule="form_not_for_unit", message=reason, fix="请核对报表类型后重新报送。")
            )


def _fallback_period(settings: Settings, received: datetime | None) -> str | None:
    if received is None:
        return None
    local = received.astimezone(settings.tz)
    return period_key(local.year, local.month)


def workbook_limits(settings: Settings) -> WorkbookLimits:
    """The installation's bounds on one workbook (settings.yaml `workbook:`)."""
    w, mib = settings.file.workbook, 1024 * 1024
    return WorkbookLimits(
        max_rows=w.max_rows,
        max_columns=w.max_columns,
        max_members=w.max_members,
        max_member_bytes=int(w.max_member_megabytes * mib),
        max_total_bytes=int(w.max_total_megabytes * mib),
        max_ratio=w.max_ratio,
        max_xls_bytes=int(w.max_xls_megabytes * mib),
    )


def parse_budget(settings: Settings) -> int:
    """Bytes of address space one workbook's parse may add (settings.yaml run)."""
    return settings.file.run.parse_memory_megabytes * 1024 * 1024


def admin_codes(settings: Settings) -> dict[str, str]:
    """Unit name -> GB/T 2260 code, for the 附件4 code checks."""
    return {u.name: u.admin_code for u in settings.units if u.admin_code}


def read_submission(
    settings: Settings,
    msg: LandedMessage,
    att: LandedAttachment,
    who: str,
    role: str,
    parsed: ParsedWorkbook | None = None,
) -> Submission:
    """One attachment as a submission: parsed, identified and dated, problems collected."""
    sub = Submission(
        id=submission_id(msg.raw_sha256, att.sha256),
        message_sha256=msg.raw_sha256,
        attachment=att,
        unit=who,
        sender=msg.sender,
        workbook=None,
        period=None,
        received_at=msg.received_at,
        late=False,
    )
    if att.kind in REFUSED_KINDS:
        sub.problems.append(
            Problem(rule="file_type", message=REFUSED_KINDS[att.kind], fix=REFUSED_FIX)
        )
        sub.period = _fallback_period(settings, msg.received_at)
        return sub
    if parsed is None:
        parsed = parse_guarded(
            att.stored_path,
            admin_codes(settings),
            workbook_limits(settings),
            parse_budget(settings),
        )
    sub.workbook, sub.sheets = parsed.workbook, parsed.sheets
    sub.problems.extend(parsed.problems)
    for sheet in parsed.sheets:
        sub.problems.extend(sheet.problems)
    if parsed.period:
        sub.period = period_key(*parsed.period)
    else:
        sub.period = _fallback_period(settings, msg.received_at)
        if parsed.sheets:
            title = WORKBOOK_NAMES.get(sub.workbook or "", "报表")
            sub.problems.append(
                Problem(
                    rule="period_missing",
                    severity="warning",
                    message=f"{title}标题下未找到报表期间（如“（2023年1—5月）”），"
                    f"已按收件时间计为{sub.period}。",
                    fix="请在标题下一行填写报表期间。",
                )
            )
    _identify(settings, sub, who, role, parsed.unit_text)
    if sub.period and msg.received_at:
        sub.late = msg.received_at > deadline(settings, sub.period)
    return sub


def own_notice(settings: Settings, msg: LandedMessage) -> bool:
    """A notice Bixue itself sent from the office's address (Message-ID <bixue.key@domain>)."""
    ours = (msg.message_id or "").startswith("<bixue.")
    return ours and (msg.sender or "").lower() == settings.office_address.lower()


def read_submissions(settings: Settings, messages: list[LandedMessage]) -> list[Submission]:
    """Every workbook of every message; messages that carry none get their final state here."""
    jobs: list[tuple[LandedMessage, LandedAttachment, tuple[str, str]]] = []
    for msg in messages:
        who = sender_identity(settings, msg.sender)
        if msg.auto_reply:
            msg.state, msg.reasons = "ignored", ["自动回复邮件"]
            continue
        if own_notice(settings, msg):  # a reminder's copy to the office lands in this mailbox
            msg.state, msg.reasons = "ignored", ["本系统发出的通知邮件（抄送办公室）"]
            continue
        if msg.sender is None:
            msg.state, msg.reasons = "quarantined", [msg.sender_problem or "发件人地址无法解析"]
            continue
        if who is None:
            msg.state, msg.reasons = "quarantined", [f"发件人地址{msg.sender}未登记为任何报送单位"]
            continue
        if msg.state == "quarantined":  # decided at landing: our server did not vouch for it
            continue
        msg.unit = who[0]
        if msg.state == "rejected":  # decided at landing: size limits, refused containers
            continue
        forms = [a for a in msg.attachments if is_form(a)]
        if not forms:
            msg.state, msg.reasons = "ignored", ["邮件中没有Excel报表附件"]
            continue
        jobs.extend((msg, att, who) for att in forms)
    # Each workbook parsed as its submission is read (the same file sent twice: twice).
    return [read_submission(settings, msg, att, *who) for msg, att, who in jobs]


def due_now(submissions: list[Submission], period: str) -> tuple[set[str], set[str]]:
    """Messages to handle in the run for `period` (periods up to it), and messages to defer."""
    later = {s.message_sha256 for s in submissions if s.period and s.period > period}
    now = {s.message_sha256 for s in submissions} - later
    return now, later
