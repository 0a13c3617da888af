"""Fields the scores need but no form asks for, derived from what units wrote (附件5 说明1)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import pandas as pd

from bixue.forms.parse import norm

# Places inside the prefecture: its county-level units and the common ways of naming them.
PREFECTURE_PLACES = (
    "楚雄",
    "禄丰",
    "双柏",
    "牟定",
    "南华",
    "姚安",
    "大姚",
    "永仁",
    "元谋",
    "武定",
    "高新区",
)
# Yunnan's prefecture-level divisions and the province itself: a place naming none is 省外.
YUNNAN_PLACES = (
    *PREFECTURE_PLACES,
    *("云南", "昆明", "曲靖", "玉溪", "保山", "昭通", "丽江", "普洱", "临沧", "红河", "文山"),
    *("西双版纳", "大理", "德宏", "怒江", "迪庆"),
)
PLACE_SPLIT = re.compile(r"[、，,；;/\s]+|和|及")
LIST_SPLIT = re.compile(r"[、，,；;\n]+")
# 附件2 说明1: a 请进来 event counts with a prefecture leader present and 10 or more outside firms.
MIN_FIRMS = 10
TOP_TITLES = ("州委书记", "州长")


def _text(value: object) -> str | None:
    """Cell text, with every kind of missing (None, NaN, blank) as None."""
    return value if isinstance(value, str) and value.strip() else None


def places(text: object) -> list[str]:
    """The places an activity names, one per city or county."""
    text = _text(text)
    if text is None:
        return []
    return [p for p in PLACE_SPLIT.split(unicodedata.normalize("NFKC", text)) if p]


@lru_cache(maxsize=8192)
def place_kind(text: object) -> str | None:
    """请进来 when every place is inside the prefecture, else 走出去 (附件5 注2)."""
    named = places(text)
    if not named:
        return None
    inside = all(any(p.startswith(k) or k in p for k in PREFECTURE_PLACES) for p in named)
    return "请进来" if inside else "走出去"


@lru_cache(maxsize=8192)
def out_of_province(text: object) -> int | None:
    """1 when any place lies outside Yunnan (省外), 0 when all are inside."""
    named = places(text)
    if not named:
        return None
    return int(any(not any(k in p for k in YUNNAN_PLACES) for p in named))


@lru_cache(maxsize=8192)
def company_count(text: object) -> int:
    """How many firms a 企业名单 lists (separated by 、，; or line breaks)."""
    return len([c for c in LIST_SPLIT.split(_text(text) or "") if c.strip()])


@lru_cache(maxsize=8192)
def leader_rank(value: object) -> str:
    """top for 州委书记/州长 (州级党政“一把手”), leader for other prefecture leaders, else none."""
    text = _text(value)
    if text is None:
        return "none"
    clean = unicodedata.normalize("NFKC", text)
    if any(t in clean and f"副{t}" not in clean for t in TOP_TITLES):
        return "top"
    return "leader"


def qualifies(kind: str | None, rank: str, companies: int) -> int | None:
    """1 when a 附件5 event counts for the measures, 0 when not, None while its place is unknown."""
    if kind is None:
        return None  # no place: unknown until the unit fills it in (a required-cell error)
    if kind == "走出去":
        return 1
    if kind == "请进来":
        return int(rank != "none" and companies >= MIN_FIRMS)
    return 0


def _assign(frame: pd.DataFrame, **columns: list[Any]) -> pd.DataFrame:
    """The frame with these columns as Python values, None for missing (pandas 3 would use NaN)."""
    out = frame.copy()
    for name, values in columns.items():
        out[name] = pd.Series(values, index=out.index, dtype=object)
    return out


def derive_a5(frame: pd.DataFrame) -> pd.DataFrame:
    """附件5 rows with where they went, whom they met, and whether they count."""
    kinds = [place_kind(v) for v in frame["place"]]
    counts = [company_count(v) for v in frame["companies"]]
    ranks = [leader_rank(v) for v in frame["leader"]]
    return _assign(
        frame,
        place_kind=kinds,
        out_of_province=[out_of_province(v) for v in frame["place"]],
        company_count=counts,
        leader_rank=ranks,
        qualifies=[qualifies(k, r, c) for k, r, c in zip(kinds, ranks, counts, strict=True)],
    )


PROJECT_CODE = re.compile(r"^\d{4}—(\d{6})—\d{2}—\d{2}—\d{6}$")


def code_region(code: str | None) -> str | None:
    """The administrative-region segment of a well-formed national project code."""
    match = PROJECT_CODE.match(code or "")
    return match.group(1) if match else None


def derive_a4(frame: pd.DataFrame, admin_codes: Mapping[str, str]) -> pd.DataFrame:
    """附件4 rows with the code's region and the site's own code, so the two can be compared."""
    regions = [code_region(_text(v)) for v in frame["project_code"]]
    local = set(admin_codes.values())
    return _assign(
        frame,
        code_region=regions,
        site_code=[admin_codes.get(_text(v) or "") for v in frame["site"]],
        local_region=[r if r in local else None for r in regions],
    )


def project_key(name: object) -> str | None:
    """A 项目名称 as compared (NFKC, no white space); None for a missing or blank name."""
    return norm(name) or None


def derive_project_key(frame: pd.DataFrame) -> pd.DataFrame:
    """附件3 or ledger signings with the key that matches a project across months and spellings."""
    return _assign(frame, project_key=[project_key(v) for v in frame["project_name"]])


def derive(form: str, frame: pd.DataFrame, admin_codes: Mapping[str, str]) -> pd.DataFrame:
    """The frame with its form's derived fields filled in (unchanged for other forms)."""
    if form in ("a3", "ledger_signings"):
        return derive_project_key(frame)
    if form == "a5":
        return derive_a5(frame)
    if form == "a4":
        return derive_a4(frame, admin_codes)
    return frame
