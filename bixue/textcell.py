"""Text written into a workbook stays text: no writer may turn a unit's cell into a formula.

Units' cells come back in receipts, the office's status workbook and the score export. A
cell text such as =HYPERLINK(…), +cmd|…, @SUM(…) or -2+3 would be stored by openpyxl as a
formula (data type 'f') and run when the office opens the file (CSV/DDE injection). Every
writer puts text through `put_text`: data type 's', control characters Excel refuses
removed, and Excel's quote prefix on formula-like text so it stays text when edited, too.
"""

from __future__ import annotations

import re
from typing import Any

# What Excel, LibreOffice and WPS read as the start of a formula (or a DDE call).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
# Control characters an .xlsx cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE).
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would read this text, as typed, as a formula."""
    return text.lstrip(" ").startswith(FORMULA_STARTS)


def put_text(cell: Any, text: str) -> None:
    """Store text in an openpyxl cell as a plain string, never a formula, error or number."""
    cleaned = _ILLEGAL.sub("", text)
    cell.value = cleaned
    cell.data_type = "s"  # set after the value: openpyxl infers 'f' from a leading '='
    if formula_like(cleaned):
        cell.quotePrefix = True
