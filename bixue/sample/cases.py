"""The sample year's planted cases: one for each reading of the rules the checks and scores need.

Each case is fixed, not drawn at random, so that tests can name it and check what every rule did
with it; the rest of the year stays random (and deterministic) around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PlantedActivity:
    """A 附件5 activity that every group in `groups` reports in `month`'s workbook."""

    groups: tuple[str, ...]
    month: int
    activity: str
    dates: str
    place: str
    leader_title: str | None  # None: no prefecture leader attended
    lead_unit: str
    participants: str
    firms: int


@dataclass(frozen=True)
class PlantedTrip:
    """A counties' 外出招商 line reported in `month`'s ledger, whatever its dates say."""

    county: str
    month: int
    trip: str
    dates: str
    place: str
    scope: str


@dataclass(frozen=True)
class PlantedProject:
    """A 附件3 project with a scripted life: its stage and amount month by month."""

    unit: str
    name: str
    site: str
    theme: str
    stages: tuple[tuple[int, str], ...]  # (from month, stage), in order; a stage may go back
    amounts: tuple[tuple[int, float], ...]  # (from month, 亿元)
    signed_on: date | None
    last_month: int = 12  # the unit stops reporting it after this month


@dataclass(frozen=True)
class RepeatedSigning:
    """A county that lists one new signing in two months under the same name."""

    county: str
    name: str
    theme: str
    first: tuple[int, date, float]  # (report month, 签约时间, 亿元)
    again: tuple[int, date, float]


@dataclass(frozen=True)
class PlantedCode:
    """An 附件4 project whose code carries a region other than its site's code of today."""

    unit: str
    site: str
    code_year: int
    region: str


# Two groups organise one activity together: it counts for each (附件2 说明1).
JOINT_ACTIVITY = PlantedActivity(
    groups=("绿色硅光伏产业招商组", "数字经济产业招商组"),
    month=5,
    activity="赴深圳开展绿色硅光伏及数字经济产业联合招商推介活动",
    dates="5月8日至5月9日",
    place="广东省深圳市",
    leader_title="州人民政府副州长",
    lead_unit="绿色硅光伏产业招商组",
    participants="数字经济产业招商组、禄丰市、州工业和信息化局",
    firms=6,
)
# A 州级党政“一把手” trip both groups report: it counts once, for its 牵头单位 (附件2 说明2).
SHARED_TOP_TRIP = PlantedActivity(
    groups=("绿色钛产业招商组", "生物医药产业招商组"),
    month=4,
    activity="州委书记带队赴上海开展绿色钛及生物医药产业招商活动",
    dates="4月3日至4月5日",
    place="上海市、江苏省苏州市",
    leader_title="州委书记",
    lead_unit="绿色钛产业招商组",
    participants="生物医药产业招商组、武定县、州卫生健康委员会",
    firms=5,
)
# 请进来 events that miss one condition each: loaded, warned, never counted.
INBOUND_FEW_FIRMS = PlantedActivity(
    groups=("文旅康养产业招商组",),
    month=6,
    activity="2023年楚雄州文旅康养产业项目对接会",
    dates="6月6日至6月7日",
    place="楚雄市",
    leader_title="州人民政府副州长",
    lead_unit="州文化和旅游局",
    participants="楚雄市、姚安县、州文化和旅游局",
    firms=6,
)
INBOUND_NO_LEADER = PlantedActivity(
    groups=("高原特色现代农业招商组",),
    month=8,
    activity="2023年楚雄州高原特色农业招商洽谈会",
    dates="8月3日至8月4日",
    place="楚雄市、南华县",
    leader_title=None,
    lead_unit="州农业农村局",
    participants="南华县、元谋县、州农业农村局",
    firms=12,
)
# Listed before it starts (the report goes out before the 25th): 活动尚未开展.
EARLY_ACTIVITY = PlantedActivity(
    groups=("现代物流产业招商组",),
    month=1,
    activity="赴成都开展现代物流产业招商推介活动",
    dates="1月25日至1月27日",
    place="四川省成都市",
    leader_title="州委常委、常务副州长",
    lead_unit="州商务局",
    participants="楚雄市、禄丰市、州商务局",
    firms=5,
)
ACTIVITIES = (JOINT_ACTIVITY, SHARED_TOP_TRIP, INBOUND_FEW_FIRMS, INBOUND_NO_LEADER, EARLY_ACTIVITY)

# A March trip first reported in April's ledger: it belongs to Q1 by its dates.
LATE_REPORTED_TRIP = PlantedTrip(
    county="姚安县",
    month=4,
    trip="赴昆明开展高原特色农业产业招商活动",
    dates="3月28日至3月30日",
    place="云南省昆明市",
    scope="州外省内",
)
# Trips listed in the report before they start: 活动尚未开展 (a report of 1-1x with a later trip).
EARLY_TRIPS = (
    PlantedTrip(
        county="南华县",
        month=1,
        trip="赴广州开展野生菌产业招商活动",
        dates="1月22日至1月24日",
        place="广东省广州市",
        scope="省外",
    ),
    PlantedTrip(
        county="元谋县",
        month=9,
        trip="赴杭州开展绿色食品产业招商活动",
        dates="9月25日至9月27日",
        place="浙江省杭州市",
        scope="省外",
    ),
)
TRIPS = (LATE_REPORTED_TRIP, *EARLY_TRIPS)

# 附件3 projects the history checks must notice.
VANISHING_PROJECT = PlantedProject(
    unit="南华县",
    name="南华县野生菌精深加工产业园项目",
    site="南华县",
    theme="agriculture",
    stages=((1, "在谈"),),
    amounts=((1, 6.0),),
    signed_on=None,
    last_month=5,  # missing from June's cumulative report on
)
BACKWARD_PROJECT = PlantedProject(
    unit="绿色钛产业招商组",
    name="武定县钛精矿综合利用项目",
    site="武定县",
    theme="titanium",
    stages=((1, "在谈"), (4, "已签约"), (7, "在谈")),  # the agreement was cancelled in July
    amounts=((1, 15.0),),
    signed_on=date(2023, 4, 6),
)
GROWING_PROJECT = PlantedProject(
    unit="生物医药产业招商组",
    name="牟定县中药材精深加工项目",
    site="牟定县",
    theme="pharma",
    stages=((2, "在谈"), (5, "已签约")),
    amounts=((2, 8.0), (5, 12.0)),  # signed at a larger amount than first talked about
    signed_on=date(2023, 5, 6),
)
PROJECTS = (VANISHING_PROJECT, BACKWARD_PROJECT, GROWING_PROJECT)

# A county whose 国内合作 statistics have no prior-year base: no growth can be computed.
ZERO_BASE_COUNTY = "永仁县"

# The same signing name in two months: warned, counted once.
REPEATED_SIGNING = RepeatedSigning(
    county="大姚县",
    name="大姚县核桃精深加工项目",
    theme="agriculture",
    first=(3, date(2023, 3, 6), 0.8),
    again=(5, date(2023, 5, 8), 1.6),
)

# 附件4 codes that were valid when the project was registered, though not today's site code.
OLD_COUNTY_CODE = PlantedCode("飞地经济招商组", site="禄丰市", code_year=2020, region="532331")
PREFECTURE_CODE = PlantedCode(
    "市场化招商平台（州国有资本投资集团有限公司）", site="楚雄市", code_year=2022, region="532300"
)
CODES = (OLD_COUNTY_CODE, PREFECTURE_CODE)
