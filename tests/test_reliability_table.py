"""RELIABILITY.md stays true: every test it points at exists, with its parametrised case."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_REF = re.compile(r"^(tests/[\w/]+\.py)::(\w+)(?:\[([^\]]+)\])?$")


def _rows() -> list[list[str]]:
    lines = (ROOT / "RELIABILITY.md").read_text(encoding="utf-8").splitlines()
    table = [line for line in lines if line.startswith("| ") and not line.startswith("| fault")]
    # a literal "|" in a cell is written "\|"
    return [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in table]


def test_every_row_has_its_four_columns_and_a_test() -> None:
    rows = _rows()
    assert len(rows) >= 25
    assert all(len(row) == 4 and all(row) for row in rows), [r for r in rows if len(r) != 4]


def test_every_referenced_test_and_case_exists() -> None:
    missing = []
    for *_, ref in _rows():
        match = _REF.match(ref)
        assert match, f"not a test reference: {ref}"
        path, name, case = match.groups()
        source = (ROOT / path).read_text(encoding="utf-8") if (ROOT / path).exists() else ""
        functions = {
            node.name
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        if name not in functions or (case and f'"{case}"' not in source):
            missing.append(ref)
    assert missing == []
