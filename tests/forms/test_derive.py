"""What an activity counts as, derived from what the group wrote (附件5 注2, 附件2 说明1)."""

from __future__ import annotations

import pandas as pd
import pytest

from bixue.forms.derive import company_count, derive, leader_rank, out_of_province, place_kind

FIRMS_10 = "、".join(f"企业{i}" for i in range(10))


@pytest.mark.parametrize(
    ("place", "kind", "outside_yunnan"),
    [
        ("楚雄市", "请进来", 0),
        ("禄丰市、南华县", "请进来", 0),
        ("楚雄高新区", "请进来", 0),
        ("昆明市", "走出去", 0),
        ("上海市、苏州市", "走出去", 1),
        ("楚雄市、广东省深圳市", "走出去", 1),
        ("", None, None),
    ],
)
def test_place_decides_inbound_outbound_and_province(
    place: str, kind: str | None, outside_yunnan: int | None
) -> None:
    assert place_kind(place) == kind
    assert out_of_province(place) == outside_yunnan


@pytest.mark.parametrize(
    ("leader", "rank"),
    [
        ("张某某（州委书记）", "top"),
        ("李某某（州长）", "top"),
        ("王某某（副州长）", "leader"),
        ("赵某某（州委常委、州委秘书长）", "leader"),
        ("", "none"),
        (None, "none"),
    ],
)
def test_leader_rank_from_the_title(leader: str | None, rank: str) -> None:
    assert leader_rank(leader) == rank


def test_companies_are_counted_by_their_separators() -> None:
    assert company_count("甲公司、乙公司，丙公司;丁公司\n戊公司") == 5
    assert company_count(None) == 0


@pytest.mark.parametrize(
    ("place", "leader", "companies", "counts"),
    [
        ("上海市", "", "", 1),  # 走出去 always counts
        ("楚雄市", "王某某（副州长）", FIRMS_10, 1),  # 请进来 with a leader and 10 firms
        ("楚雄市", "", FIRMS_10, 0),  # no prefecture leader present
        ("楚雄市", "王某某（副州长）", "、".join(["企业"] * 9), 0),  # only 9 firms
    ],
)
def test_an_inbound_event_counts_only_with_a_leader_and_ten_firms(
    place: str, leader: str, companies: str, counts: int
) -> None:
    frame = pd.DataFrame([{"place": place, "leader": leader, "companies": companies}])
    assert derive("a5", frame, {})["qualifies"].tolist() == [counts]


def test_a_project_codes_region_is_set_beside_its_sites_own_code() -> None:
    frame = pd.DataFrame(
        [
            {"project_code": "2023—532302—04—01—000123", "site": "禄丰市"},
            {"project_code": "2023—5323—04—01", "site": "昆明市"},
        ]
    )
    out = derive("a4", frame, {"禄丰市": "532302"})
    assert out["code_region"].tolist() == ["532302", None]
    assert out["site_code"].tolist() == ["532302", None]
    assert out["local_region"].tolist() == ["532302", None]
