"""`bixue remind` and `bixue close` refuse a wrong value in Chinese before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bixue.cli import main


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["remind", "--period", "2023-13"], "报表月份应写作 2023-05（年-月），而不是“2023-13”"),
        (["remind", "--unit", "禄丰县"], "未登记的单位：禄丰县"),
        (["close", "--period", "2023-5"], "报表月份应写作 2023-05（年-月），而不是“2023-5”"),
        (["close", "--period", "2999-05"], "报送截止时间（2999年5月20日）尚未到"),
    ],
)
def test_a_wrong_value_is_refused_in_chinese_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    assert main([*argv, "--home", str(tmp_path)]) == 2
    assert said in capsys.readouterr().err
    assert not (tmp_path / "warehouse.sqlite").exists()
    assert not (tmp_path / "prefect").exists()
