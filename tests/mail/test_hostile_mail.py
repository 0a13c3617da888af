"""Hostile attachments and mail, each with its own outcome, through landing and reading."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from corpus_mail import b_word, mail, part, zip_of
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from bixue.config import Settings
from bixue.forms.submissions import read_submissions
from bixue.mail.intake import IntakePolicy, land_message
from bixue.mail.message import parse_message
from bixue.model import LandedMessage, RawMessage
from tests.forms import hostile

SENDER = b"lfs@zs.chuxiong.example"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _attached(name: str, content: bytes) -> bytes:
    head = b'Content-Disposition: attachment; filename="' + b_word(name) + b'"\r\n'
    return mail(part(head, content), sender=SENDER)


def _xlsm() -> bytes:
    src = zipfile.ZipFile(io.BytesIO(hostile.good()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        dst.writestr("xl/vbaProject.bin", b"\0" * 64)
    return out.getvalue()


def _encrypted() -> bytes:
    """An OLE2 file carrying an EncryptedPackage stream: a password-protected .xlsx."""
    return OLE2 + b"\0" * 120 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 64


HTML_XLS = (
    b'<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta charset="gbk"></head>'
    b"<body><table><tr><td>\xb8\xbd\xbc\xfe3</td></tr></table></body></html>"
)


def _many(count: int) -> bytes:
    parts = [
        part(f'Content-Disposition: attachment; filename="{i}.txt"\r\n'.encode(), b"%d" % i)
        for i in range(count)
    ]
    return mail(*parts, sender=SENDER)


# (id, raw mail, message state wanted, text in the message's reasons or the submission's problem)
CASES: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("zip-bomb-inside-xlsx", lambda: _attached("附件3.xlsx", hostile.inflated()), "rejected",
     "解压后1024.0 MB"),
    ("zip-bomb-inside-zip", lambda: _attached("报表.zip", zip_of(
        [("炸弹.xlsx", b"\0" * 5_000_000)], gbk_names=False)), "rejected", "压缩比"),
    ("password-protected-xlsx", lambda: _attached("附件3.xlsx", _encrypted()), "rejected",
     "设置了打开密码"),
    ("xlsm", lambda: _attached("附件3.xlsm", _xlsm()), "rejected", "含宏"),
    ("xlsm-named-xlsx", lambda: _attached("附件3.xlsx", _xlsm()), "rejected", "含宏"),
    ("html-saved-as-xls", lambda: _attached("附件3.xls", HTML_XLS), "rejected", "网页格式"),
    ("corrupt-zip-xlsx", lambda: _attached("附件3.xlsx", hostile.good()[:3000]), "rejected",
     "已损坏"),
    ("billion-laughs-xlsx", lambda: _attached("附件3.xlsx", hostile.laughs()), "rejected",
     "XML实体声明"),
    ("far-cell-xlsx", lambda: _attached("附件3.xlsx", hostile.far_text_cell()), "rejected",
     "XFD1048576"),
    ("ten-thousand-attachments", lambda: _many(10_000), "rejected", "附件数量10000个"),
    ("fifty-MB-attachment", lambda: _attached("附件3.xlsx", b"PK" + b"\0" * (50 * 1024 * 1024)),
     "rejected", "超过上限"),
]  # fmt: skip


def _outcome(settings: Settings, landed: LandedMessage) -> tuple[str, list[str]]:
    subs = read_submissions(settings, [landed])
    texts = list(landed.reasons) + [p.message for s in subs for p in s.problems]
    state = landed.state or (
        "rejected" if any(s.status == "rejected" for s in subs) else "accepted"
    )
    return state, texts


@pytest.mark.parametrize(
    ("build", "state", "says"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_hostile_mail_ends_in_its_own_outcome(
    tmp_path: Path, settings: Settings, build: Callable[[], bytes], state: str, says: str
) -> None:
    landed = land_message(tmp_path / "landing", RawMessage("k", build()), IntakePolicy())
    got, texts = _outcome(settings, landed)
    assert got == state
    assert any(says in t for t in texts), texts


NAMES = [
    "../../../etc/附件3.xlsx",
    "C:\\Users\\张三\\Desktop\\附件3.xlsx",
    "附件3\x00.exe.xlsx",
    "附" * 1000 + ".xlsx",
    "..",
]


@pytest.mark.parametrize(
    "name", NAMES, ids=["dotdot", "windows-path", "nul", "1000-chars", "bare-dotdot"]
)
def test_a_hostile_attachment_name_never_chooses_where_bytes_go(
    tmp_path: Path, settings: Settings, name: str
) -> None:
    landing = tmp_path / "landing"
    landed = land_message(landing, RawMessage("k", _attached(name, hostile.good())), IntakePolicy())
    (att,) = landed.attachments
    stored = Path(att.stored_path).resolve()
    assert stored.is_relative_to(landing.resolve()) and stored.read_bytes() == hostile.good()
    assert "/" not in att.filename and "\\" not in att.filename and "\x00" not in att.filename
    assert len(att.filename) <= 200 and att.filename.endswith(".xlsx")
    (sub,) = read_submissions(settings, [landed])
    assert sub.workbook == "a3"


ZIPPED = zip_of([("附件3.xlsx", hostile.good()), ("说明.txt", "说明".encode())], gbk_names=True)


@examples(max_examples=60, deadline=None)
@given(cut=st.integers(0, 10**6), flip=st.binary(min_size=1, max_size=6))
def test_a_damaged_zip_attachment_is_landed_never_raised(cut: int, flip: bytes) -> None:
    at = cut % len(ZIPPED)
    damaged = ZIPPED[:at] + flip + ZIPPED[at + len(flip) :]
    msg = parse_message(_attached("报表.zip", damaged))
    assert msg.attachments and msg.attachments[0].content == damaged
    assert all(isinstance(p, str) and p for p in msg.problems)
