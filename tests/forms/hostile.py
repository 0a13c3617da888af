"""Hostile workbooks built in the test, small on disk: bombs, far cells, entity expansion."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable

from bixue.forms.templates import render_workbook

SHEET = "xl/worksheets/sheet1.xml"
GIB = 1024 * 1024 * 1024


def good(unit: str = "禄丰市", project: str = "钛项目") -> bytes:
    """A sound 附件3 workbook as a unit fills it."""
    rows = {"a3": [{"project_name": project, "partner": "上海某公司", "site": unit}]}
    return render_workbook("a3", year=2023, month=5, unit=unit, rows=rows)


def rewrite(book: bytes, change: Callable[[str], str]) -> bytes:
    """The workbook with its first sheet's XML changed, every other part as it was."""
    src = zipfile.ZipFile(io.BytesIO(book))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == SHEET:
                data = change(data.decode()).encode()
            dst.writestr(info.filename, data)
    return out.getvalue()


def _last_row(cell: str) -> Callable[[str], str]:
    return lambda xml: xml.replace("</sheetData>", f'<row r="1048576">{cell}</row></sheetData>')


def far_formatted_cell() -> bytes:
    """A formatted empty cell at XFD1048576, the dimension saying so."""
    book = rewrite(good(), _last_row('<c r="XFD1048576" s="1"/>'))
    return rewrite(
        book, lambda x: x.replace('<dimension ref="A1:I11"/>', '<dimension ref="A1:XFD1048576"/>')
    )


def far_text_cell() -> bytes:
    """One text cell at XFD1048576; the dimension left as it was (it lies)."""
    return rewrite(good(), _last_row('<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'))


def far_text_cell_spaced(space: str) -> bytes:
    """The same far cell, its r attribute after a tab or line break, in a cell whose row is
    another's (calamine places a cell by its own reference)."""
    cell = f'<row r="11"><c{space}r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return rewrite(good(), lambda xml: xml.replace("</sheetData>", cell + "</sheetData>"))


def laughs() -> bytes:
    """A billion-laughs DTD in the sheet XML, a formula reading the last entity."""
    entities = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    ]
    dtd = f"<!DOCTYPE worksheet [{''.join(entities)}]>"

    def change(xml: str) -> str:
        xml = dtd + xml
        return xml.replace(
            "</sheetData>", '<row r="12"><c r="A12"><f>&l9;</f></c></row></sheetData>'
        )

    return rewrite(good(), change)


def inflated(size: int = GIB) -> bytes:
    """The sheet XML padded with white space to `size` bytes, deflated (about size/1000 packed)."""
    src = zipfile.ZipFile(io.BytesIO(good()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename != SHEET:
                dst.writestr(info.filename, data)
                continue
            head, tail = data.split(b"</sheetData>")
            end = b"</sheetData>" + tail
            packed, crc = _deflated_padding(head, size - len(data), end)
            entry = zipfile.ZipInfo(SHEET)
            entry.compress_type = zipfile.ZIP_DEFLATED
            _raw_member(dst, entry, packed, crc, size)
    return out.getvalue()


def _deflated_padding(head: bytes, pad: int, end: bytes) -> tuple[bytes, int]:
    """head + pad spaces + end as raw deflate, the space block deflated once and repeated.

    After a full flush a deflate stream depends only on what follows, so one block's output
    can be repeated: 1 GiB packs in a fraction of a second instead of seconds.
    """
    block = b" " * (1 << 22)
    count, rest = divmod(pad, len(block))
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = [first.compress(head + b" " * rest), first.flush(zlib.Z_FULL_FLUSH)]
    repeat = zlib.compressobj(9, zlib.DEFLATED, -15)
    unit = repeat.compress(block) + repeat.flush(zlib.Z_FULL_FLUSH)
    out.append(unit * count)
    last = zlib.compressobj(9, zlib.DEFLATED, -15)
    out += [last.compress(end), last.flush()]
    crc = zlib.crc32(head + b" " * rest)
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    return b"".join(out), zlib.crc32(end, crc)


def _raw_member(
    dst: zipfile.ZipFile, info: zipfile.ZipInfo, packed: bytes, crc: int, size: int
) -> None:
    """Write an already-deflated member (zipfile has no public way to do so)."""
    info.CRC, info.compress_size, info.file_size = crc, len(packed), size
    info.header_offset = dst.fp.tell()  # type: ignore[union-attr]
    dst.fp.write(info.FileHeader(zip64=False))  # type: ignore[union-attr]
    dst.fp.write(packed)  # type: ignore[union-attr]
    dst.filelist.append(info)
    dst.NameToInfo[info.filename] = info
    dst.start_dir = dst.fp.tell()  # type: ignore[union-attr]


def lying_size() -> bytes:
    """A sheet part whose directory declares 1 KB but which inflates to 50 MB."""
    book = inflated(50 * 1024 * 1024)
    # patch the declared size (local and central headers) to 1024
    data = bytearray(book)
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := data.find(sig, at)) >= 0:
            name_at = 30 if sig == b"PK\x03\x04" else 46
            n = struct.unpack_from("<H", data, at + (26 if sig == b"PK\x03\x04" else 28))[0]
            if bytes(data[at + name_at : at + name_at + n]) == SHEET.encode():
                struct.pack_into("<I", data, at + offset, 1024)
            at += 4
    return bytes(data)


def many_parts(count: int = 2000) -> bytes:
    """A sound workbook carrying `count` extra empty parts."""
    src = zipfile.ZipFile(io.BytesIO(good()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        for i in range(count):
            dst.writestr(f"customXml/item{i}.bin", b"")
    return out.getvalue()
