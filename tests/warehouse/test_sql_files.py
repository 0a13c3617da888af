"""The statements in sql/: one per file, and no bind-like words hiding in comments."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bixue.warehouse.db import SQL_DIR

FILES = sorted(SQL_DIR.glob("*.sql"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_comments_hold_no_colon_words_that_sqlalchemy_would_bind(path: Path) -> None:
    comments = [line for line in path.read_text(encoding="utf-8").splitlines() if "--" in line]
    assert not [c for c in comments if re.search(r"(?<![:\w]):[A-Za-z_]", c.split("--", 1)[1])]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_file_holds_one_lowercase_statement(path: Path) -> None:
    code = "\n".join(
        line.split("--", 1)[0] for line in path.read_text(encoding="utf-8").splitlines()
    )
    assert code.strip().count(";") == 0  # one statement, no terminator needed
    keywords = re.findall(r"\b(SELECT|INSERT|WITH|FROM|WHERE|GROUP BY|ORDER BY)\b", code)
    assert keywords == []
