"""The circulated results' mails: the general one (leaders, office) and each unit's own.

HTML body in Chinese (headline ranking per category, the 述评, an inline chart image) with a
plain-text alternative; the workbook attached under its Chinese name. The chart is a PNG drawn
here with zlib alone (no imaging library is installed): bars in rank order, the names beside
them in the HTML table, so no font is needed in the image.
"""

from __future__ import annotations

import hashlib
import html
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import Message
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart

from bixue.render.commentary import Commentary, main_kind
from bixue.render.results_book import TITLE, period_title
from bixue.scoring.engine import shown
from bixue.scoring.explain import CATEGORY_ZH
from bixue.scoring.model import PeriodScores
from bixue.scoring.rules import Rules
from bixue.scoring.tables import TOTAL_KINDS, export_rows

_CRLF = policy.compat32.clone(linesep="\r\n")
CHART_CID = "ranking-chart@bixue"
BAR_COLOURS = ((0x2F, 0x55, 0x97), (0xC0, 0x50, 0x4D))


@dataclass(frozen=True)
class ResultsMail:
    """One message to one address: the general mail, or a unit's with its own breakdown."""

    recipient: str
    unit: str | None
    subject: str
    text: str
    html: str
    chart: bytes
    attachments: tuple[tuple[str, bytes], ...] = field(default=())


def bar_chart_png(groups: Sequence[Sequence[Decimal]], width: int = 560) -> bytes:
    """Horizontal bars, one per value, in the given order; a gap between groups (categories)."""
    bar, gap, pad = 14, 4, 10
    rows = sum(len(g) for g in groups)
    height = pad * 2 + rows * (bar + gap) + max(len(groups) - 1, 0) * 16
    top = max((v for g in groups for v in g), default=Decimal(1)) or Decimal(1)
    pixels = [bytearray(b"\xff" * (width * 3)) for _ in range(height)]
    y = pad
    for gi, values in enumerate(groups):
        colour = bytes(BAR_COLOURS[gi % len(BAR_COLOURS)])
        for value in values:
            length = int((width - 2 * pad) * max(value, Decimal(0)) / top)
            for row in pixels[y : y + bar]:
                row[pad * 3 : (pad + length) * 3] = colour * length
            y += bar + gap
        y += 16
    for row in pixels:  # the axis
        row[(pad - 1) * 3 : pad * 3] = b"\x40\x40\x40"
    raw = b"".join(b"\x00" + bytes(r) for r in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _ranking(scores: PeriodScores) -> dict[str, list[tuple[int | None, str, Decimal]]]:
    kind = main_kind(scores)
    out: dict[str, list[tuple[int | None, str, Decimal]]] = {}
    for t in sorted(
        (t for t in scores.totals if t.kind == kind),
        key=lambda t: (t.category != "county", t.rank or 10**6, scores.units.index(t.unit)),
    ):
        out.setdefault(CATEGORY_ZH.get(t.category, t.category), []).append(
            (t.rank, t.unit, t.points)
        )
    return out


def subject(period: str, number: int | None, replaces: int | None) -> str:
    label = f"第{number}版" if number else "预览，未通报"
    again = f"，替代第{replaces}版" if replaces else ""
    return f"{TITLE}{period_title(period)}通报（{label}{again}）"


def _unit_breakdown(scores: PeriodScores, rules: Rules | None, unit: str) -> list[str]:
    """A unit's rank, each indicator's points with its 说明, and where it lost points."""
    rows = export_rows(scores, rules, unit)
    totals = [r for r in rows if r["indicator"] in TOTAL_KINDS]
    kind = main_kind(scores)
    main = next((r for r in totals if r["indicator"] == kind), totals[-1] if totals else None)
    lines = [f"贵单位{str(main['说明']) if main else ''}。"]
    lost = []
    for r in rows:
        if r["indicator"] in TOTAL_KINDS:
            continue
        lines.append(f"· {r['指标名称']}（{r['分值']}分）：得{r['points']}分。{r['说明']}")
        weight, points = Decimal(str(r["分值"])), Decimal(str(r["points"]))
        if points < weight:
            lost.append(f"{r['指标名称']}（失{shown(weight - points)}分）")
    lines.append("失分指标：" + ("、".join(lost) if lost else "无，各项均得满分") + "。")
    return lines


def _html(
    title: str,
    notes: Sequence[str],
    ranking: dict[str, list[tuple[int | None, str, Decimal]]],
    comment: Commentary,
    mine: Sequence[str],
    sign: str,
    unit: str | None = None,
) -> str:
    e = html.escape
    parts = [
        '<html><head><meta charset="utf-8"></head>'
        "<body style=\"font-family:'Microsoft YaHei','Noto Sans CJK SC',SimSun,sans-serif;"
        'font-size:14px;color:#222;max-width:760px">',
        f'<h2 style="font-size:18px">{e(title)}</h2>',
    ]
    parts += [f'<p style="color:#a33">{e(n)}</p>' for n in notes]
    if mine:
        parts.append(f'<h3 style="font-size:16px">{e(unit or "")}得分</h3>')
        parts += [f"<p>{e(x)}</p>" for x in mine]
    for category, rows in ranking.items():
        parts.append(f'<h3 style="font-size:16px">{e(category)}排名</h3>')
        parts.append(
            '<table style="border-collapse:collapse" cellpadding="4">'
            '<tr style="background:#ddebf7"><th>名次</th><th>单位</th><th>得分</th></tr>'
        )
        for rank, unit, points in rows:
            parts.append(
                f'<tr><td style="border:1px solid #999;text-align:center">{rank or "—"}</td>'
                f'<td style="border:1px solid #999">{e(unit)}</td>'
                f'<td style="border:1px solid #999;text-align:right">{shown(points)}</td></tr>'
            )
        parts.append("</table>")
        parts.append(f"<p><b>述评：</b>{e(comment.text(category))}</p>")
    parts.append(
        f'<p><img src="cid:{CHART_CID}" alt="各单位得分排名图（按上表顺序）" '
        'style="max-width:100%"></p>'
    )
    parts.append("<p>详细得分、得分说明和报送情况见附件工作簿。</p>")
    parts.append(f"<p>{e(sign)}</p></body></html>")
    return "\n".join(parts)


def _text(
    title: str,
    notes: Sequence[str],
    ranking: dict[str, list[tuple[int | None, str, Decimal]]],
    comment: Commentary,
    mine: Sequence[str],
    sign: str,
    unit: str | None = None,
) -> str:
    lines = [title, "", *notes]
    if mine:
        lines += ["", f"【{unit}得分】", *mine]
    for category, rows in ranking.items():
        lines += ["", f"【{category}排名】"]
        lines += [f"{rank or '—'}. {unit}  {shown(points)}分" for rank, unit, points in rows]
        lines.append(f"述评：{comment.text(category)}")
    lines += ["", "详细得分、得分说明和报送情况见附件工作簿。", "", sign]
    return "\n".join(lines) + "\n"


def build_mails(
    scores: PeriodScores,
    rules: Rules | None,
    comment: Commentary,
    *,
    number: int | None,
    replaces: int | None,
    notes: Sequence[str],
    general_to: Sequence[str],
    units_to: dict[str, tuple[str, ...]],
    workbook: tuple[str, bytes],
    sign: str,
) -> list[ResultsMail]:
    """One mail per address: the general mail to leaders and the office, each unit's to it."""
    ranking = _ranking(scores)
    chart = bar_chart_png([[p for _, _, p in rows] for rows in ranking.values()])
    title = subject(scores.period, number, replaces)
    out = []
    for address in general_to:
        out.append(
            ResultsMail(
                address,
                None,
                title,
                _text(title, notes, ranking, comment, (), sign),
                _html(title, notes, ranking, comment, (), sign),
                chart,
                (workbook,),
            )
        )
    for unit in scores.units:
        mine = _unit_breakdown(scores, rules, unit)
        for address in units_to.get(unit, ()):
            out.append(
                ResultsMail(
                    address,
                    unit,
                    title,
                    _text(title, notes, ranking, comment, mine, sign, unit),
                    _html(title, notes, ranking, comment, mine, sign, unit),
                    chart,
                    (workbook,),
                )
            )
    return out


def mail_key(period: str, number: int | None, recipient: str) -> str:
    """The outbox/Message-ID key: period, version and a digest of the address."""
    digest = hashlib.sha256(recipient.encode()).hexdigest()[:12]
    return f"results-{period.lower()}-v{number or 0}-{digest}"


def with_inline_chart(raw: bytes, chart: bytes) -> bytes:
    """Wrap the HTML alternative of a composed message with its chart as multipart/related."""
    msg = message_from_bytes(raw, policy=policy.compat32)
    for part in msg.walk():
        if part.get_content_type() != "multipart/alternative":
            continue
        payload = part.get_payload()
        assert isinstance(payload, list)
        html_part = payload[-1]
        assert isinstance(html_part, Message)
        image = MIMEImage(chart, "png")
        image["Content-ID"] = f"<{CHART_CID}>"
        image["Content-Disposition"] = 'inline; filename="chart.png"'
        related = MIMEMultipart("related", _subparts=[html_part, image])
        boundary = part.get_boundary() or "=_bixue"
        related.set_boundary(f"{boundary}_related")
        payload[-1] = related
        break
    return _as_bytes(msg)


def _as_bytes(msg: Message) -> bytes:
    return msg.as_bytes(policy=_CRLF)
