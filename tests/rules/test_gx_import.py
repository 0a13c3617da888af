"""GX without scipy.stats and altair until an expectation reads them: Bixue's suites never do."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

# Run in a fresh interpreter: this test process may have imported scipy already.
PROBE = textwrap.dedent(
    """
    import json, sys
    import pandas as pd
    from bixue.forms.parse import frame_columns
    from bixue.forms.spec import FORMS
    from bixue.rules.gx import DeferredModule, import_gx
    from bixue.rules.validate import validate_frames

    HEAVY = ("scipy.special", "scipy.linalg", "scipy.sparse", "altair.vegalite")

    def loaded():
        return sorted(n for n in HEAVY if n in sys.modules)

    gx = import_gx()
    facts = {
        "stand_ins": sorted(n for n, m in sys.modules.items() if isinstance(m, DeferredModule)),
        "heavy_after_import": loaded(),
    }
    base = {c: None for c in frame_columns(FORMS["a3"])} | {
        "project_name": "钛项目", "partner": "上海某公司", "site": "禄丰市",
        "investment_yi": 12.0, "excel_row": 7, "submission_id": "S1",
    }
    other = {"stage": "洽谈中", "excel_row": 8, "project_name": "钒项目"}
    frame = pd.DataFrame([base | {"stage": "在谈"}, base | other])
    facts["bixue_failures"] = [(f.rule, f.excel_row) for f in validate_frames({"a3": frame}, 2023)]
    facts["heavy_after_bixue_suites"] = loaded()

    context = gx.get_context(mode="ephemeral")
    batch = (
        context.data_sources.add_pandas("p").add_dataframe_asset("a")
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": pd.DataFrame({"x": ["a", "b", "a", "a"]})})
    )
    kl = gx.expectations.ExpectColumnKLDivergenceToBeLessThan(
        column="x", partition_object={"values": ["a", "b"], "weights": [0.5, 0.5]}, threshold=0.1
    )
    result = batch.validate(kl)
    facts["kl"] = [bool(result.success), round(result.result["observed_value"], 6)]
    facts["scipy_after_kl"] = "scipy.special" in sys.modules
    import scipy.stats.distributions as distributions
    from scipy import stats
    facts["submodule_after_stand_in"] = float(distributions.norm.cdf(0))
    facts["entropy"] = round(float(stats.entropy([0.75, 0.25], [0.5, 0.5])), 6)
    import altair
    facts["altair_chart"] = altair.Chart.__name__
    print(json.dumps(facts))
    """
)


@pytest.fixture(scope="module")
def facts() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("fact", "expected"),
    [
        # importing GX leaves the two stand-ins and none of what they would pull in
        ("stand_ins", ["altair", "scipy.stats"]),
        ("heavy_after_import", []),
        # Bixue's own suites run whole and still need neither
        ("bixue_failures", [["a3.stage.in_set", 8]]),
        ("heavy_after_bixue_suites", []),
        # an expectation that needs scipy gets the real module, with GX's own answer:
        # KL(0.75, 0.25 || 0.5, 0.5) = 0.75 ln 1.5 + 0.25 ln 0.5 = 0.130812 > 0.1
        ("kl", [False, 0.130812]),
        ("scipy_after_kl", True),
        # later imports, submodules included, see the real modules
        ("submodule_after_stand_in", 0.5),
        ("entropy", 0.130812),
        ("altair_chart", "Chart"),
    ],
)
def test_gx_imports_scipy_and_altair_only_when_an_expectation_uses_them(
    facts: dict[str, Any], fact: str, expected: Any
) -> None:
    assert facts[fact] == expected


def test_a_module_already_imported_is_left_as_it_is() -> None:
    import json as already

    from bixue.rules.gx import defer

    defer("json")
    assert sys.modules["json"] is already
