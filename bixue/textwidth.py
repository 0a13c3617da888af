"""Text as a terminal shows it: CJK and full-width characters take two columns."""

from __future__ import annotations

ELLIPSIS = "…"


def display_width(text: str) -> int:
    """Terminal columns of a text (two per wide character)."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def clip(text: str, width: int) -> str:
    """The text cut to `width` columns, ending in … when something was cut."""
    if display_width(text) <= width:
        return text
    out, used = [], display_width(ELLIPSIS)
    for ch in text:
        used += display_width(ch)
        if used > width:
            break
        out.append(ch)
    return "".join(out) + ELLIPSIS


def clip_name(name: str, width: int) -> str:
    """A file name cut to `width` columns, keeping its extension (附件3：5亿元….xlsx)."""
    stem, dot, ext = name.rpartition(".")
    if not dot or display_width(name) <= width or len(ext) > 5:
        return clip(name, width)
    return clip(stem, width - len(ext) - 1) + "." + ext
