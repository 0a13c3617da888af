"""附件4 project codes: the region segment is judged by the codes in force in the code's year."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from bixue.config import CONFIG_DIR, ConfigError, Settings, load_admin_codes
from bixue.forms.parse import ParsedSheet
from bixue.rules.regions import check_regions, region_message
from tests.factories import submission

CODES = load_admin_codes()


@pytest.mark.parametrize(
    ("year", "region", "valid"),
    [
        (2023, "532302", True),  # 禄丰市 today
        (2021, "532302", True),  # the year of the change: both codes
        (2021, "532331", True),
        (2019, "532331", True),  # registered under 禄丰县
        (2023, "532331", False),  # 禄丰县 no longer exists
        (2019, "532302", False),  # 禄丰市 did not exist yet
        (2023, "532300", True),  # prefecture level or spanning counties
        (2023, "532301", True),  # 楚雄市 (and 楚雄高新区)
        (2023, "530102", False),  # 昆明市五华区: outside the prefecture
    ],
)
def test_a_region_code_is_valid_when_it_was_in_force_in_the_codes_year(
    year: int, region: str, valid: bool
) -> None:
    assert (region_message(CODES, year, region) is None) == valid


def test_a_code_no_longer_in_force_names_the_division_and_its_years() -> None:
    message = region_message(CODES, 2023, "532331")
    assert message is not None
    assert "532331是禄丰县的代码（1983—2021年使用）" in message and "2023年" in message


def test_region_problems_point_at_the_code_cell_of_their_row() -> None:
    frame = pd.DataFrame(
        [
            {"excel_row": 6, "project_code": "2020—532331—04—01—000121"},
            {"excel_row": 7, "project_code": "2023—532331—04—01—000122"},
            {"excel_row": 8, "project_code": "2023-5323-04"},  # the format rule's case
            {"excel_row": 9, "project_code": None},
        ]
    )
    sub = submission(workbook="a4", unit="飞地经济招商组")
    sub.sheets = [ParsedSheet("a4", "Sheet1", frame, {"project_code": 8})]
    check_regions([sub], CODES)
    assert [(p.rule, p.row, p.column, p.severity, p.value) for p in sub.problems] == [
        ("a4.project_code.region", 7, "I", "error", "2023—532331—04—01—000122")
    ]


@pytest.mark.parametrize(
    ("line", "key"),
    [
        (
            '  - {code: "532302", name: 禄丰市, unit: 禄丰市, level: county, valid_from: 2021}',
            "code",
        ),
        ('  - {code: "53230", name: 某县, unit: 禄丰市, level: county, valid_from: 2021}', "code"),
        ('  - {code: "532399", name: 某县, unit: 某县, level: county, valid_from: 2021}', "unit"),
        ('  - {code: "532399", name: 某县, level: county, valid_from: 2021}', "unit"),
        (
            '  - {code: "532399", name: 某县, unit: 禄丰市, level: county, valid_from: 2021,'
            " valid_to: 2019}",
            "valid_to",
        ),
    ],
)
def test_a_wrong_code_table_is_refused_naming_the_entry(
    tmp_path: Path, line: str, key: str
) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    path = config / "admin_codes.yaml"
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"admin_codes\.yaml(: key|：键) codes\.\d+\.?{key}"):
        Settings(home=tmp_path, config_dir=config).validate()
