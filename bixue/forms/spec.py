"""The monthly forms as data: one spec drives templates, parsing, validation and sample data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["text", "number", "integer", "date", "month", "date_range", "code"]
# A closed list read from configuration when the template is written, not fixed in the spec.
ConfigList = Literal["sites", "industries"]


@dataclass(frozen=True)
class Column:
    """One column of a form: its field key, its header as printed (one or two rows) and its kind."""

    key: str
    header: str
    kind: Kind = "text"
    required: bool = False
    # Second header row (a sub-heading under a merged parent, e.g. 本年累计 under 州外到位资金).
    sub: str | None = None
    # Guidance printed in the row under the headers (附件3: 填到县市、高新区 …); not a header.
    hint: str | None = None
    width: float = 14.0
    # Other spellings of the header seen in real submissions (matched after normalisation).
    aliases: tuple[str, ...] = ()
    # The closed list a value must come from (the template's drop-down, the suite's in_set).
    choices: tuple[str, ...] | ConfigList = ()
    # The smallest amount the rules accept (the template's decimal validation, the suite's min).
    minimum: float | None = None
    strict_minimum: bool = False

    @property
    def label(self) -> str:
        """The header as a person reads it in an error message."""
        return f"{self.header}（{self.sub}）" if self.sub else self.header


@dataclass(frozen=True)
class FormSpec:
    """A monthly form: the title that identifies it, who submits it and its table columns."""

    key: str
    attachment: str  # how the seed refers to it, e.g. 附件3
    title: str
    columns: tuple[Column, ...]
    notes: tuple[str, ...]
    submitters: Literal["unit", "provider"]
    # Unit categories / names allowed to submit it (empty: every unit of that kind).
    categories: tuple[str, ...] = ()
    only_units: tuple[str, ...] = ()
    has_period: bool = True
    has_submitter_line: bool = True
    sheet: str = "Sheet1"
    # Title keywords that identify the form when the exact title was edited.
    keywords: tuple[str, ...] = field(default=())
    # Fields computed from the submitted ones (bixue.forms.derive), loaded with them.
    derived: tuple[tuple[str, Kind], ...] = ()
    # Who fills the form, as the seed prints beside 填报单位 (shown as the cell's input message).
    submitter_hint: str | None = None
    # Cell comments on notes, by note index: corrections that leave the seed's text as printed.
    note_remarks: tuple[tuple[int, str], ...] = ()

    def notes_for(self, year: int) -> tuple[str, ...]:
        """The notes as printed on a year's form ({year} is the report year)."""
        return tuple(note.replace("{year}", str(year)) for note in self.notes)

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    @property
    def two_row_header(self) -> bool:
        return any(c.sub for c in self.columns)

    @property
    def has_hint_row(self) -> bool:
        return any(c.hint for c in self.columns)


CONTACT = "联系人：毕磊，电话：13618789555，邮箱：zdcyzszb@163.com。"

STAGES = ("在谈", "已签约", "已开工", "已竣工", "已投产")

A3 = FormSpec(
    key="a3",
    attachment="附件3",
    title="5亿元以上重点产业招商引资项目推进情况月报表",
    submitters="unit",
    categories=("county", "group"),
    submitter_hint="招商组或县市、高新区",
    keywords=("5亿元以上", "项目推进情况"),
    derived=(
        # 项目名称 as compared (NFKC, no white space): one project across months and spellings
        ("project_key", "text"),
    ),
    columns=(
        Column("seq", "序号", "integer", width=6),
        Column("project_name", "项目名称", required=True, width=24),
        Column("partner", "州外合作方企业（单位）名称", required=True, width=24),
        Column(
            "site",
            "项目（拟）建设地点",
            required=True,
            hint="填到县市、高新区",
            width=14,
            choices="sites",
        ),
        Column(
            "investment_yi",
            "计划（协议）投资额（亿元）",
            "number",
            required=True,
            width=12,
            aliases=("计划投资额（亿元）", "协议投资额（亿元）"),
            minimum=5,
        ),
        Column(
            "content",
            "项目合作内容",
            hint="项目建设规模、项目生产能力、主要建设内容等",
            width=28,
        ),
        Column("stage", "项目进展", required=True, width=10, choices=STAGES),
        Column("progress", "在谈项目洽谈情况或已签约项目推进情况", width=28),
        Column(
            "issues",
            "存在困难问题及需协同配合事项",
            hint=(
                "如果有，需针对每个问题逐一说明：1.存在的具体问题；"
                "2.需哪个单位协同配合；3.建议完成时限。"
            ),
            width=28,
        ),
    ),
    notes=(
        "注1.本表用以进行招商引资工作过程的督促、考核以及重点招商引资项目的推动，首次填报的项目为"
        "招商组（含市场化招商平台）、各县市、楚雄高新区{year}年处于“在谈”或“已签约”项目进展阶段的项目。"
        "首次填报后，按月进行跟踪填报，按季度进行通报、述评；",
        "2.首次申报为“在谈”项目需同时提交州外合作方投资建议书或意向书（文本或PPT课件均可）；"
        "首次申报“已签约”项目需同时提交合作项目正式协议；",
        "3.填报时间为每月20日，" + CONTACT,
    ),
)

A4 = FormSpec(
    key="a4",
    attachment="附件4",
    title="飞地经济招商组和市场化招商平台引进州外资金月报表",
    submitters="unit",
    only_units=("飞地经济招商组", "市场化招商平台（州国有资本投资集团有限公司）"),
    keywords=("引进州外资金月报表",),
    derived=(
        ("code_region", "text"),  # the code's 2nd segment: the project's administrative region
        ("site_code", "text"),  # the GB/T 2260 code of 项目建设地, from config/units.yaml
        ("local_region", "text"),  # code_region when it is a prefecture code (else no site check)
    ),
    columns=(
        Column("seq", "序号", "integer", width=6),
        Column("project_name", "项目名称", required=True, width=24),
        Column("partner", "州外合作方企业（单位）名称", required=True, width=24),
        Column("local_company", "项目州内实施主体企业名称", required=True, width=24),
        Column("site", "项目建设地（县市区）", required=True, width=12, choices="sites"),
        Column("start_month", "项目开工时间（年月）", "month", width=12),
        Column("content", "合作内容", width=24),
        Column("funds_yi", "州外到位资金（亿元）", "number", required=True, width=12, minimum=0),
        Column("project_code", "投资项目在线审批监管平台代码", "code", required=True, width=30),
    ),
    notes=(
        "注：1.本表由飞地经济招商组、市场化招商平台填报促成合作的在建项目到位资金情况，"
        "到位资金需与招商引资统计匹配；",
        "2.“投资项目在线审批监管平台代码”由发改部门赋码，格式为XXXX—XXXXXX—XX—XX—XXXXXX"
        "（5段“—”连接，共20位）；",
        "3.填报时间为每月20日，" + CONTACT,
    ),
)

A5 = FormSpec(
    key="a5",
    attachment="附件5",
    title="重点产业招商组和市场化招商平台自行组织活动情况月报表",
    submitters="unit",
    categories=("group",),
    keywords=("自行组织活动情况",),
    note_remarks=(
        (
            0,
            "注1后半句“促成合作的在建项目到位资金情况，到位资金需与招商引资统计匹配”系从附件4注1"
            "误抄，与本表无关：本表填报本单位自行组织的招商活动，无需填报到位资金。",
        ),
    ),
    derived=(
        ("place_kind", "text"),  # 请进来 (every place inside the prefecture) or 走出去
        ("out_of_province", "integer"),  # 1 when a place lies outside Yunnan
        ("company_count", "integer"),  # firms listed in 企业名单
        ("leader_rank", "text"),  # top (州委书记/州长), leader (other 州级领导) or none
        ("qualifies", "integer"),  # 1 when it counts as a self-organised activity (附件2 说明1)
    ),
    columns=(
        Column("seq", "序号", "integer", width=6),
        Column("activity", "活动名称", required=True, width=24),
        Column("dates", "起止时间", "date_range", required=True, hint="月 日至 月 日", width=16),
        Column("place", "活动地点", required=True, width=16),
        Column("leader", "参加活动的州级领导（姓名、职务）", width=18),
        Column("lead_unit", "牵头单位", required=True, width=16),
        Column("participants", "参加单位名单（县市、州级部门）", width=20),
        Column("companies", "企业名单", width=24),
        Column("talks", "洽谈情况", width=24),
        Column("signed_projects", "签约项目名称（清单）", width=24),
    ),
    notes=(
        "注：1.本表由8个招商组和市场化招商平台填报，促成合作的在建项目到位资金情况，"
        "到位资金需与招商引资统计匹配；",
        "2.“活动地点”填活动涉及的全部城市，填州内的为“请进来”活动，州外为“走出去”活动；"
        "“参加活动的州级领导职务姓名”填职务最高者；",
        "3.填报时间为每月20日，" + CONTACT,
    ),
)

# The seed names the counties' evidence (外出报备表, signed contracts) but gives no form for it.
# Bixue defines this ledger in the seed's style: one sheet of trips, one of new signings.
LEADER_KINDS = ("县市党政主要领导", "州级领导", "州级党政主要领导")
TRIP_SCOPES = ("州外省内", "省外")

LEDGER_TRIPS = FormSpec(
    key="ledger_trips",
    attachment="附表1",
    title="县市、楚雄高新区外出招商活动月报表",
    submitters="unit",
    categories=("county",),
    keywords=("外出招商活动月报表",),
    sheet="外出招商",
    columns=(
        Column("seq", "序号", "integer", width=6),
        Column("trip", "外出招商活动名称", required=True, width=24),
        Column("dates", "起止时间", "date_range", required=True, hint="月 日至 月 日", width=16),
        Column("place", "外出地点（省、市）", required=True, width=16),
        Column(
            "scope",
            "地域范围",
            required=True,
            hint="州外省内 / 省外",
            width=10,
            choices=TRIP_SCOPES,
        ),
        Column("leader", "带队领导（姓名、职务）", required=True, width=18),
        Column(
            "leader_kind",
            "带队领导类别",
            required=True,
            hint="县市党政主要领导 / 州级领导 / 州级党政主要领导",
            width=16,
            choices=LEADER_KINDS,
        ),
        Column("companies", "对接企业及洽谈情况", width=28),
        Column("evidence", "佐证材料（外出报备表、方案、总结或信息）", width=24),
    ),
    notes=(
        "注：1.本表由各县市、楚雄高新区填报本月党政“一把手”带队外出招商、促成州级领导外出招商情况，"
        "按月填报本月新发生的活动；",
        "2.“带队领导类别”填：县市党政主要领导、州级领导或州级党政主要领导；"
        "“地域范围”填：州外省内或省外；",
        "3.外出报备表等佐证材料随表报送；填报时间为每月20日，" + CONTACT,
    ),
)

LEDGER_SIGNINGS = FormSpec(
    key="ledger_signings",
    attachment="附表2",
    title="县市、楚雄高新区新签约招商引资项目月报表",
    submitters="unit",
    categories=("county",),
    keywords=("新签约招商引资项目月报表",),
    sheet="新签约项目",
    derived=(
        # 项目名称 as compared: one signing across months and spellings (counted once a year)
        ("project_key", "text"),
    ),
    columns=(
        Column("seq", "序号", "integer", width=6),
        Column("project_name", "项目名称", required=True, width=24),
        Column("partner", "州外合作方企业（单位）名称", required=True, width=24),
        Column(
            "site",
            "项目建设地点",
            required=True,
            hint="填到县市、高新区",
            width=14,
            choices="sites",
        ),
        Column("signed_on", "签约时间", "date", required=True, width=12),
        Column(
            "investment_yi",
            "协议投资额（亿元）",
            "number",
            required=True,
            width=12,
            minimum=0,
            strict_minimum=True,
        ),
        Column("evidence", "佐证材料（投资协议或合同文本）", width=24),
    ),
    notes=(
        "注：1.本表由各县市、楚雄高新区填报本月新签约的招商引资项目（含1亿元以下项目），"
        "按月填报本月新签约项目；",
        "2.项目投资协议或合同文本随表报送；填报时间为每月20日，" + CONTACT,
    ),
)

STATS_FUNDS = FormSpec(
    key="stats_funds",
    attachment="统计1",
    title="国内合作产业到位资金统计表",
    submitters="provider",
    keywords=("国内合作", "到位资金统计"),
    has_submitter_line=True,
    columns=(
        Column("county", "县市", required=True, width=12, choices="sites"),
        Column("industry", "行业", required=True, width=28, choices="industries"),
        Column(
            "out_pref_yi",
            "州外产业到位资金（亿元）",
            "number",
            True,
            sub="本年累计",
            width=12,
            minimum=0,
        ),
        Column(
            "out_pref_prior_yi",
            "州外产业到位资金（亿元）",
            "number",
            True,
            sub="上年同期",
            width=12,
            minimum=0,
        ),
        Column(
            "out_prov_yi",
            "省外产业到位资金（亿元）",
            "number",
            True,
            sub="本年累计",
            width=12,
            minimum=0,
        ),
        Column(
            "out_prov_prior_yi",
            "省外产业到位资金（亿元）",
            "number",
            True,
            sub="上年同期",
            width=12,
            minimum=0,
        ),
    ),
    notes=(
        "注：1.数据来源为国内合作统计报表，按县市（含楚雄高新区）和行业分列，金额为1月至本月累计数；",
        "2.省外产业到位资金包含在州外产业到位资金之内。",
    ),
)

STATS_FDI = FormSpec(
    key="stats_fdi",
    attachment="统计2",
    title="实际利用外资统计表",
    submitters="provider",
    keywords=("实际利用外资",),
    columns=(
        Column("county", "县市", required=True, width=12, choices="sites"),
        Column(
            "fdi_wan_usd",
            "实际利用外资（万美元）",
            "number",
            True,
            sub="本年累计",
            width=14,
            minimum=0,
        ),
        Column("fdi_prior_wan_usd", "实际利用外资（万美元）", "number", sub="上年同期", width=14),
    ),
    notes=("注：数据来源为省商务厅实际利用外资统计，金额为1月至本月累计数。",),
)

FORMS: dict[str, FormSpec] = {
    f.key: f for f in (A3, A4, A5, LEDGER_TRIPS, LEDGER_SIGNINGS, STATS_FUNDS, STATS_FDI)
}

# The counties' ledger is one workbook with two sheets; every other form is one sheet.
WORKBOOKS: dict[str, tuple[str, ...]] = {
    "a3": ("a3",),
    "a4": ("a4",),
    "a5": ("a5",),
    "ledger": ("ledger_trips", "ledger_signings"),
    "stats_funds": ("stats_funds",),
    "stats_fdi": ("stats_fdi",),
}

WORKBOOK_NAMES: dict[str, str] = {
    "a3": "附件3：5亿元以上重点产业招商引资项目推进情况月报表",
    "a4": "附件4：飞地经济招商组和市场化招商平台引进州外资金月报表",
    "a5": "附件5：重点产业招商组和市场化招商平台自行组织活动情况月报表",
    "ledger": "附表：县市、楚雄高新区外出招商及新签约项目月报表",
    "stats_funds": "统计：国内合作产业到位资金统计表",
    "stats_fdi": "统计：实际利用外资统计表",
}


def period_title(year: int, month: int | None) -> str:
    """The period line under a title, as the seed prints it: （2023年1—5月）."""
    return f"（{year}年1—{month}月）" if month else f"（{year}年1— 月）"


# A numeric or date column's marker column for the cells that did not read as one.
INVALID = "__invalid"


def frame_columns(spec: FormSpec) -> list[str]:
    """The tidy frame's columns for a form: row number, fields, derived and invalid markers."""
    names = ["excel_row"]
    for col in spec.columns:
        names.append(col.key)
        if col.kind == "date_range":
            names += [f"{col.key}_start", f"{col.key}_end"]
        if col.kind != "text" and col.kind != "code":
            names.append(col.key + INVALID)
    return names + [name for name, _ in spec.derived]
