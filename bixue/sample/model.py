"""The sample year's facts: projects, activities, trips, signings and statistics, month by month.

Everything is drawn from `random.Random` streams seeded by strings (seed, purpose, unit), so a
unit's data for a month never depends on which other months or units are generated.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from bixue.config import ConfigError, Settings, Unit
from bixue.forms.spec import A3, A4, A5, LEADER_KINDS, STAGES, TRIP_SCOPES
from bixue.sample import cases
from bixue.sample import words as w

Record = dict[str, object]

# Monthly chance that a project moves on from each stage (在谈, 已签约, 已开工, 已竣工).
ADVANCE = (0.22, 0.25, 0.12, 0.3)
MAX_PROJECTS = 10
# A unit's monthly mail goes out on one of these days (late mail aside): trips and activities it
# lists took place before it.
REPORT_DAYS = (10, 16)


def rng_for(seed: int, *parts: object) -> random.Random:
    """An independent, reproducible stream (str seeds are hashed with SHA-512 by `random`)."""
    return random.Random("|".join(str(p) for p in (seed, *parts)))


def unit_workbooks(unit: Unit) -> tuple[str, ...]:
    """Which workbooks a unit submits each month, derived from the form specs."""
    books: list[str] = []
    if unit.category in A3.categories:
        books.append("a3")
    if unit.name in A4.only_units:
        books.append("a4")
    if unit.category in A5.categories:
        books.append("a5")
    if unit.category == "county":
        books.append("ledger")
    return tuple(books)


def unit_themes(unit: Unit) -> tuple[str, ...]:
    if unit.category == "county":
        return w.COUNTY_THEMES.get(unit.name, ("agriculture", "materials", "silicon"))
    for keyword, theme in w.GROUP_THEMES.items():
        if keyword in unit.name:
            return (theme,)
    return w.THEMES


def _day_range(rng: random.Random, month: int, *, last_day: int = 25) -> str:
    """A few days inside the month that end by `last_day`."""
    start = rng.randint(1, last_day - 3)
    end = start + rng.choice((0, 1, 1, 2, 2, 3))
    return f"{month}月{start}日至{month}月{end}日"


def report_day(seed: int, unit: str, month: int) -> int:
    """The day of `month` a unit mails its report (when on time)."""
    return rng_for(seed, "report-day", unit, month).randint(*REPORT_DAYS)


def _investment(rng: random.Random) -> float:
    """A ≥5亿元 amount: mostly 5–10, some 10–30, a few large ones."""
    roll = rng.random()
    if roll < 0.5:
        value = rng.uniform(5, 10)
    elif roll < 0.85:
        value = rng.uniform(10, 30)
    else:
        value = rng.uniform(30, 80)
    return float(round(value)) if rng.random() < 0.4 else round(value, 1)


@dataclass
class Project:
    """A ≥5亿元 project as one unit tracks it in 附件3, with its stage for every month."""

    unit: str
    name: str
    partner: w.Firm
    site: str
    investment: float
    content: str
    first_month: int
    stages: dict[int, str]
    signed_on: date | None
    issue: str
    issue_due: int = 12
    amounts: dict[int, float] = field(default_factory=dict)  # month -> 亿元 where it changed
    last_month: int = 12

    def stage(self, month: int) -> str:
        return self.stages[month]

    def reported(self, month: int) -> bool:
        return self.first_month <= month <= self.last_month

    def amount(self, month: int) -> float:
        return self.amounts.get(month, self.investment)

    def stage_since(self, month: int) -> int:
        """The month the project reached its current stage (for progress wording)."""
        current = self.stages[month]
        since = month
        while since - 1 >= self.first_month and self.stages[since - 1] == current:
            since -= 1
        return since

    def record(self, month: int) -> Record:
        return {
            "project_name": self.name,
            "partner": self.partner.name,
            "site": self.site,
            "investment_yi": self.amount(month),
            "content": self.content,
            "stage": self.stage(month),
            "progress": self._progress(month),
            "issues": self.issue if self.issue and month <= self.issue_due else "无",
        }

    def _progress(self, month: int) -> str:
        stage = self.stage(month)
        since = self.stage_since(month)
        if stage == "在谈":
            rounds = month - self.first_month + 1
            return (
                f"已与{self.partner.short}开展{rounds}轮洽谈，双方就项目选址、建设规模及"
                "要素保障达成初步意向，正在对接投资协议文本。"
            )
        if stage == "已签约":
            when = (
                f"已于{self.signed_on.month}月{self.signed_on.day}日签订投资协议"
                if self.signed_on
                else "已签订投资协议"
            )
            return f"{when}，正在办理项目备案、用地预审及环评等前期手续。"
        if stage == "已开工":
            share = min(0.15 + 0.08 * (month - since), 0.85)
            return f"项目于{since}月开工建设，累计完成投资约{self.investment * share:.1f}亿元。"
        if stage == "已竣工":
            return f"项目主体工程于{since}月竣工，正在进行设备安装调试。"
        return f"项目于{since}月建成投产，生产运行正常。"


def _stages(rng: random.Random, first_month: int) -> dict[int, str]:
    """A never-backwards stage path from the first report to December."""
    index = 0 if rng.random() < 0.6 else 1
    path = {first_month: STAGES[index]}
    for month in range(first_month + 1, 13):
        if index < len(STAGES) - 1 and rng.random() < ADVANCE[index]:
            index += 1
        path[month] = STAGES[index]
    return path


def _signed_on(
    year: int, first_month: int, stages: dict[int, str], rng: random.Random
) -> date | None:
    """The in-year signing date: the month a project is first seen at 已签约 or later.

    Projects already signed when first reported in January were signed in an earlier year.
    """
    for month, stage in sorted(stages.items()):
        if STAGES.index(stage) >= 1:
            if month == first_month == 1:
                return None
            return date(year, month, rng.randint(1, 9))
    return None


def _planted_project(case: cases.PlantedProject, year: int, seed: int) -> Project:
    """A scripted project (bixue.sample.cases): stages and amounts as the case gives them."""
    rng = rng_for(seed, "planted-project", case.name)
    first = case.stages[0][0]
    stages, amounts = {}, {}
    for month in range(first, 13):
        stages[month] = [stage for start, stage in case.stages if start <= month][-1]
        amounts[month] = [amount for start, amount in case.amounts if start <= month][-1]
    _template, content = rng.choice(w.PROJECTS[case.theme])
    n = rng.choice(w.CAPACITIES)
    problem, helper = rng.choice(w.ISSUES)
    return Project(
        unit=case.unit,
        name=case.name,
        partner=w.firm(rng, case.theme),
        site=case.site,
        investment=amounts[first],
        content=content.format(n=n),
        first_month=first,
        stages=stages,
        signed_on=case.signed_on,
        issue=f"1.{problem}；2.需{helper}协同配合；3.建议{year}年12月底前完成。",
        amounts=amounts,
        last_month=case.last_month,
    )


def _make_projects(unit: Unit, counties: list[str], year: int, seed: int) -> list[Project]:
    rng = rng_for(seed, "projects", unit.name)
    themes = unit_themes(unit)
    planted = [_planted_project(c, year, seed) for c in cases.PROJECTS if c.unit == unit.name]
    count = rng.randint(3, 6)
    first_months = [1] * count
    for month in range(2, 13):
        if len(first_months) + len(planted) < MAX_PROJECTS and rng.random() < 0.3:
            first_months.append(month)
    projects: list[Project] = list(planted)
    names: set[str] = {p.name for p in planted}
    for first in first_months:
        theme = rng.choice(themes)
        site = unit.name if unit.category == "county" else _group_site(rng, theme, counties)
        template, content = rng.choice(w.PROJECTS[theme])
        n = rng.choice(w.CAPACITIES)
        name = template.format(n=n, s=w.short_place(site))
        if not name.startswith(w.short_place(site)) and rng.random() < 0.5:
            name = w.short_place(site) + name
        while name in names:
            name = name + "续建" if "二期" in name else name.removesuffix("项目") + "（二期）项目"
        names.add(name)
        stages = _stages(rng, first)
        issue, due = "", 12
        if rng.random() < 0.45:
            problem, helper = rng.choice(w.ISSUES)
            due = min(12, first + rng.randint(1, 4))
            issue = f"1.{problem}；2.需{helper}协同配合；3.建议{year}年{due}月底前完成。"
        projects.append(
            Project(
                unit=unit.name,
                name=name,
                partner=w.firm(rng, theme),
                site=site,
                investment=_investment(rng),
                content=content.format(n=n),
                first_month=first,
                stages=stages,
                signed_on=_signed_on(year, first, stages, rng),
                issue=issue,
                issue_due=due,
            )
        )
    return sorted(projects, key=lambda p: p.first_month)  # stable: planted first in their month


def _group_site(rng: random.Random, theme: str, counties: list[str]) -> str:
    """Groups site projects where the theme fits, otherwise anywhere in the prefecture."""
    fitting = [c for c in counties if theme in w.COUNTY_THEMES.get(c, ())]
    return rng.choice(fitting or counties)


@dataclass
class FundsProject:
    """A 附件4 row: a project whose out-of-prefecture funds arrive month by month."""

    name: str
    partner: w.Firm
    local_company: str
    site: str
    start: str | date
    content: str
    code: str
    first_month: int
    cumulative: dict[int, float]

    def record(self, month: int) -> Record:
        return {
            "project_name": self.name,
            "partner": self.partner.name,
            "local_company": self.local_company,
            "site": self.site,
            "start_month": self.start,
            "content": self.content,
            "funds_yi": self.cumulative[month],
            "project_code": self.code,
        }


def project_code(year: int, admin_code: str, rng: random.Random) -> str:
    """The national 投资项目代码: year—region—industry—type—serial, 20 digits, em-dash joined."""
    industry = rng.choice(("04", "07", "26", "30", "32", "44", "53", "54"))
    kind = rng.choice(("01", "02", "03"))
    serial = rng.randint(1, 999999)
    return f"{year}—{admin_code}—{industry}—{kind}—{serial:06d}"


def _make_funds_projects(
    unit: Unit, units: dict[str, Unit], year: int, seed: int, target: float
) -> list[FundsProject]:
    rng = rng_for(seed, "a4", unit.name)
    counties = [u.name for u in units.values() if u.category == "county"]
    total = rng.randint(3, 5)
    firsts = sorted([1, *(rng.randint(1, 9) for _ in range(total - 1))])
    shares = [rng.uniform(0.5, 1.5) for _ in firsts]
    annual = target * rng.uniform(0.75, 1.2)
    out: list[FundsProject] = []
    for first, share in zip(firsts, shares, strict=True):
        theme = rng.choice(w.THEMES)
        site = rng.choice(counties)
        template, content = rng.choice(w.PROJECTS[theme])
        n = rng.choice(w.CAPACITIES)
        amount = annual * share / sum(shares)
        increments = [rng.uniform(0.4, 1.6) for _ in range(first, 13)]
        running, cumulative = 0.0, {}
        for month, inc in zip(range(first, 13), increments, strict=True):
            running += amount * inc / sum(increments)
            cumulative[month] = round(running, 2)
        start_month = max(1, first - rng.randint(0, 2))
        start: str | date
        if unit.name.startswith("市场化"):
            start = date(year, start_month, 1)  # typed as a date by this clerk
        else:
            start = f"{year}年{start_month}月"
        code_year = year if rng.random() < 0.7 else year - 1
        admin = units[site].admin_code or "532300"
        planted = [c for c in cases.CODES if c.unit == unit.name]
        if planted and not out:  # the unit's first project (reported all year) carries the case
            site, code_year, admin = planted[0].site, planted[0].code_year, planted[0].region
        out.append(
            FundsProject(
                name=template.format(n=n, s=w.short_place(site)),
                partner=w.firm(rng, theme),
                local_company=w.firm(rng, theme, local=w.short_place(site)).name,
                site=site,
                start=start,
                content=content.format(n=n),
                code=project_code(code_year, admin, rng),
                first_month=first,
                cumulative=cumulative,
            )
        )
    return out


@dataclass
class Statistics:
    """Cumulative 国内合作 funds by county × industry and 实际利用外资 by county."""

    counties: list[str]
    industries: tuple[str, ...]
    funds: dict[tuple[str, str], tuple[float, float, float, float]] = field(default_factory=dict)
    profile: dict[str, list[float]] = field(default_factory=dict)
    fdi: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)
    negative_growth: tuple[str, ...] = ()
    no_fdi: tuple[str, ...] = ()

    def funds_rows(self, month: int) -> list[Record]:
        rows: list[Record] = []
        for county in self.counties:
            share = self.profile[county][month - 1]
            for industry in self.industries:
                now, prior, prov_ratio, prior_prov_ratio = self.funds[county, industry]
                rows.append(
                    {
                        "county": county,
                        "industry": industry,
                        "out_pref_yi": round(now * share, 2),
                        "out_pref_prior_yi": round(prior * share, 2),
                        "out_prov_yi": round(now * share * prov_ratio, 2),
                        "out_prov_prior_yi": round(prior * share * prior_prov_ratio, 2),
                    }
                )
        return rows

    def fdi_rows(self, month: int) -> list[Record]:
        return [
            {
                "county": county,
                "fdi_wan_usd": self.fdi[county][0][month - 1],
                "fdi_prior_wan_usd": self.fdi[county][1][month - 1],
            }
            for county in self.counties
        ]


# Prior-year prefecture totals (亿元) by industry keyword; the rest get DEFAULT_INDUSTRY_TOTAL.
INDUSTRY_TOTALS = (
    ("硅", 70.0),
    ("钛", 35.0),
    ("医药", 25.0),
    ("其他", 260.0),
    ("住宿", 10.0),
    ("文化", 18.0),
    ("农、林", 18.0),
    ("农副", 12.0),
    ("批发", 12.0),
    ("零售", 10.0),
    ("运输", 8.0),
)
DEFAULT_INDUSTRY_TOTAL = 6.0
COUNTY_WEIGHTS = {"楚雄市": 3.0, "禄丰市": 2.5, "楚雄高新区": 2.0, "大姚县": 1.2, "元谋县": 1.2}


def _industry_total(industry: str) -> float:
    for keyword, total in INDUSTRY_TOTALS:
        if keyword in industry:
            return total
    return DEFAULT_INDUSTRY_TOTAL


def _cumulative_profile(rng: random.Random, lumpy: float = 0.0) -> list[float]:
    """Cumulative share of the annual amount reached by the end of each month (ends at 1)."""
    weights = [0.0 if rng.random() < lumpy else rng.uniform(0.6, 1.4) for _ in range(12)]
    if sum(1 for x in weights if x) < 2:
        weights[2], weights[8] = 1.0, 1.0
    total, running, out = sum(weights), 0.0, []
    for value in weights:
        running += value
        out.append(running / total)
    return out


def make_statistics(settings: Settings, year: int, seed: int) -> Statistics:
    rng = rng_for(seed, "statistics")
    counties = [u.name for u in settings.units if u.category == "county"]
    stats = Statistics(counties=counties, industries=settings.industries)
    others = [c for c in counties if c != cases.ZERO_BASE_COUNTY]
    stats.negative_growth = tuple(rng.sample(others, min(2, len(others))))
    stats.no_fdi = tuple(
        rng.sample(
            [c for c in others if c not in stats.negative_growth],
            min(2, max(len(others) - 2, 0)),
        )
    )
    for industry in stats.industries:
        present = {
            c: c in ("楚雄市", "禄丰市") or "其他" in industry or rng.random() < 0.75
            for c in counties
        }
        weights = {
            c: COUNTY_WEIGHTS.get(c, 1.0) * rng.uniform(0.3, 1.7) if present[c] else 0.0
            for c in counties
        }
        total = sum(weights.values()) or 1.0
        for county in counties:
            prior = _industry_total(industry) * weights[county] / total
            if county in stats.negative_growth:
                growth = rng.uniform(0.80, 0.94) * rng.uniform(0.95, 1.05)
            else:
                growth = rng.uniform(1.05, 1.45)
            stats.funds[county, industry] = (
                prior * growth,
                0.0 if county == cases.ZERO_BASE_COUNTY else prior,  # no prior-year base
                rng.uniform(0.45, 0.85),
                rng.uniform(0.45, 0.85),
            )
    for county in counties:
        stats.profile[county] = _cumulative_profile(rng)
    stats.fdi = {c: _fdi_path(settings, year, c, c in stats.no_fdi, rng) for c in counties}
    return stats


def _fdi_target(settings: Settings, year: int, county: str) -> float:
    try:
        target = settings.targets(year).counties.get(county)
    except ConfigError:
        target = None
    return target.fdi_wan_usd if target else 300.0


def _fdi_path(
    settings: Settings, year: int, county: str, none: bool, rng: random.Random
) -> tuple[list[float], list[float]]:
    """Cumulative FDI this year and last year (万美元); it arrives in a few lumps."""
    target = _fdi_target(settings, year, county)
    prior_annual = target * rng.uniform(0.5, 1.0)
    prior = [round(prior_annual * s, 1) for s in _cumulative_profile(rng, lumpy=0.6)]
    if none:
        return [0.0] * 12, prior
    annual = target * rng.uniform(0.5, 1.4)
    return [round(annual * s, 1) for s in _cumulative_profile(rng, lumpy=0.6)], prior


class SampleWorld:
    """All units' facts for one year; `rows()` gives a workbook's records for a month."""

    def __init__(self, settings: Settings, year: int, seed: int) -> None:
        self.settings, self.year, self.seed = settings, year, seed
        self.units = {u.name: u for u in settings.units}
        self.counties = [u.name for u in settings.units if u.category == "county"]
        self.projects = {
            u.name: _make_projects(u, self.counties, year, seed)
            for u in settings.units
            if "a3" in unit_workbooks(u)
        }
        self.funds_projects = {
            u.name: _make_funds_projects(u, self.units, year, seed, self._group_funds(u.name))
            for u in settings.units
            if "a4" in unit_workbooks(u)
        }
        self.stats = make_statistics(settings, year, seed)
        self._signings: dict[tuple[str, int], list[Record]] = {}

    def report_day(self, unit: str, month: int) -> int:
        """The day the unit's on-time report for `month` goes out."""
        return report_day(self.seed, unit, month)

    def _group_funds(self, name: str) -> float:
        try:
            target = self.settings.targets(self.year).groups.get(name)
        except ConfigError:
            target = None
        return target.funds_yi if target else 20.0

    def rows(self, unit: str, workbook: str, month: int) -> dict[str, list[Record]]:
        """The records of each sheet of a workbook, as the unit reports them for 1—month."""
        if workbook == "a3":
            return {"a3": self.a3(unit, month)}
        if workbook == "a4":
            return {
                "a4": [p.record(month) for p in self.funds_projects[unit] if p.first_month <= month]
            }
        if workbook == "a5":
            return {"a5": self.activities(unit, month)}
        if workbook == "ledger":
            return {
                "ledger_trips": self.trips(unit, month),
                "ledger_signings": self.signings(unit, month),
            }
        if workbook == "stats_funds":
            return {"stats_funds": self.stats.funds_rows(month)}
        if workbook == "stats_fdi":
            return {"stats_fdi": self.stats.fdi_rows(month)}
        raise KeyError(workbook)

    def new_projects(self, unit: str, month: int) -> list[tuple[str, str]]:
        """Projects (name, stage) first reported this month 在谈 or 已签约: documents go along."""
        return [
            (p.name, p.stage(month))
            for p in self.projects.get(unit, [])
            if p.first_month == month and p.stage(month) in ("在谈", "已签约")
        ]

    def a3(self, unit: str, month: int) -> list[Record]:
        return [p.record(month) for p in self.projects[unit] if p.reported(month)]

    def signings(self, unit: str, month: int) -> list[Record]:
        """This month's new signings: the unit's ≥5亿 projects signed now plus smaller ones."""
        key = (unit, month)
        if key in self._signings:
            return self._signings[key]
        rng = rng_for(self.seed, "signings", unit, month)
        out: list[Record] = []
        for p in self.projects.get(unit, []):
            if p.signed_on and p.signed_on.month == month:
                out.append(
                    {
                        "project_name": p.name,
                        "partner": p.partner.name,
                        "site": p.site,
                        "signed_on": p.signed_on,
                        "investment_yi": p.investment,
                        "evidence": "投资协议",
                    }
                )
        extra = rng.choices((0, 1, 2, 3), weights=(30, 35, 25, 10))[0]
        themes = unit_themes(self.units[unit])
        # A name signed in an earlier month is a new phase here, and says so (the planted
        # repetition aside: bixue.sample.cases.REPEATED_SIGNING).
        used = {str(r["project_name"]) for m in range(1, month) for r in self.signings(unit, m)}
        used |= {p.name for p in self.projects.get(unit, [])}
        case = cases.REPEATED_SIGNING
        for when, signed_on, amount in (case.first, case.again) if case.county == unit else ():
            if when == month:
                out.append(self._signing(rng, unit, case.name, case.theme, signed_on, amount))
        for _ in range(max(0, min(extra, 4 - len(out)))):
            theme = rng.choice(themes)
            template, _content = rng.choice(w.PROJECTS[theme])
            name = template.format(n=rng.choice((1, 2, 3)), s=w.short_place(unit))
            for phase in ("二期", "三期", "四期", "五期"):
                if name not in used and name != case.name:
                    break
                name = template.format(n=rng.choice((1, 2, 3)), s=w.short_place(unit))
                name = name.removesuffix("项目") + f"（{phase}）项目"
            used.add(name)
            amount = rng.uniform(0.2, 0.95) if rng.random() < 0.45 else rng.uniform(1.0, 4.9)
            out.append(
                {
                    "project_name": name,
                    "partner": w.firm(rng, theme).name,
                    "site": unit,
                    "signed_on": date(self.year, month, rng.randint(1, 9)),
                    "investment_yi": round(amount, 2),
                    "evidence": rng.choice(("投资协议", "投资合同", "招商引资协议书")),
                }
            )
        out.sort(key=lambda r: (r["signed_on"], str(r["project_name"])))
        self._signings[key] = out
        return out

    def _signing(
        self, rng: random.Random, unit: str, name: str, theme: str, signed_on: date, amount: float
    ) -> Record:
        return {
            "project_name": name,
            "partner": w.firm(rng, theme).name,
            "site": unit,
            "signed_on": signed_on,
            "investment_yi": amount,
            "evidence": "投资协议",
        }

    def trips(self, county: str, month: int) -> list[Record]:
        rng = rng_for(self.seed, "trips", county, month)
        count = rng.choices((0, 1, 2, 3, 4), weights=(20, 35, 25, 13, 7))[0]
        tops = w.county_top_titles(county)
        themes = unit_themes(self.units[county])
        last_day = self.report_day(county, month)
        out: list[Record] = []
        for _ in range(count):
            kind = rng.choices(LEADER_KINDS, weights=(75, 18, 7))[0]
            scope = (
                TRIP_SCOPES[1] if kind == LEADER_KINDS[2] or rng.random() < 0.55 else TRIP_SCOPES[0]
            )
            place = rng.choice(
                w.OUT_OF_PROVINCE_PLACES if scope == TRIP_SCOPES[1] else w.IN_PROVINCE_PLACES
            )
            theme = w.THEME_NAMES[rng.choice(themes)]
            visited = [w.firm(rng, rng.choice(themes)).short for _ in range(rng.randint(2, 4))]
            firms = "、".join(visited)
            trip = _distinct(f"赴{_city(place)}开展{theme}产业招商活动", out, "trip")
            out.append(
                {
                    "trip": trip,
                    "dates": _day_range(rng, month, last_day=last_day),
                    "place": place,
                    "scope": scope,
                    "leader": self._leader(kind, tops, rng),
                    "leader_kind": kind,
                    "companies": f"拜访{firms}，就项目落地选址及合作方式进行洽谈",
                    "evidence": rng.choice(w.TRIP_EVIDENCE),
                }
            )
        for case in cases.TRIPS:
            if (case.county, case.month) == (county, month):
                out.append(self._planted_trip(case, tops, rng))
        return out

    def _planted_trip(
        self, case: cases.PlantedTrip, tops: tuple[str, str], rng: random.Random
    ) -> Record:
        themes = unit_themes(self.units[case.county])
        firms = "、".join(w.firm(rng, rng.choice(themes)).short for _ in range(3))
        return {
            "trip": case.trip,
            "dates": case.dates,
            "place": case.place,
            "scope": case.scope,
            "leader": f"{self._name('county-top', tops[0])}（{tops[0]}）",
            "leader_kind": LEADER_KINDS[0],
            "companies": f"拜访{firms}，就项目落地选址及合作方式进行洽谈",
            "evidence": w.TRIP_EVIDENCE[0],
        }

    def _leader(self, kind: str, tops: tuple[str, str], rng: random.Random) -> str:
        if kind == LEADER_KINDS[0]:
            index = rng.randrange(2)
            return f"{self._name('county-top', tops[index])}（{tops[index]}）"
        titles = w.PREFECTURE_TOP if kind == LEADER_KINDS[2] else w.PREFECTURE_LEADERS
        title = rng.choice(titles)
        return f"{self._name('prefecture', title)}（{title}）"

    def _name(self, *key: str) -> str:
        """One fixed fictional name per office, so a leader keeps their name all year."""
        return w.person(rng_for(self.seed, "person", *key))

    def activities(self, group: str, month: int) -> list[Record]:
        rng = rng_for(self.seed, "activities", group, month)
        count = rng.choices((0, 1, 2, 3), weights=(30, 40, 20, 10))[0]
        themes = unit_themes(self.units[group])
        lead_unit = (
            group.split("（")[1].rstrip("）")
            if "（" in group
            else w.GROUP_LEAD_UNITS[themes[0]]
            if len(themes) == 1
            else "州投资促进局"
        )
        signed_now = [
            p.name
            for p in self.projects.get(group, [])
            if p.signed_on and p.signed_on.month == month
        ]
        last_day = self.report_day(group, month)
        out: list[Record] = []
        for index in range(count):
            theme = w.THEME_NAMES[rng.choice(themes)]
            inbound = rng.random() < 0.3
            n_firms = rng.randint(10, 18) if inbound else rng.randint(3, 6)
            firms = "、".join(w.firm(rng, rng.choice(themes)).name for _ in range(n_firms))
            if inbound:
                place = rng.choice(("楚雄市", "楚雄市", "禄丰市", "楚雄市、禄丰市"))
                name = f"{self.year}年楚雄州{theme}产业招商推介会"
            else:
                place = rng.choice(w.OUTBOUND_CITY_SETS)
                name = f"赴{place.split('、')[0].removesuffix('市')}开展{theme}产业招商推介活动"
            has_leader = inbound or rng.random() < 0.5
            title = rng.choice(w.PREFECTURE_LEADERS + w.PREFECTURE_TOP[1:])
            participants = rng.sample(self.counties, 2) + rng.sample(w.PREFECTURE_DEPARTMENTS, 2)
            intents = rng.randint(1, min(5, n_firms))
            name = _distinct(name, out, "activity")
            out.append(
                {
                    "activity": name,
                    "dates": _day_range(rng, month, last_day=last_day),
                    "place": place,
                    "leader": f"{self._name('prefecture', title)}（{title}）" if has_leader else "",
                    "lead_unit": lead_unit,
                    "participants": "、".join(participants),
                    "companies": firms,
                    "talks": f"与{n_firms}家企业开展洽谈，达成合作意向{intents}个",
                    "signed_projects": "、".join(signed_now) if index == 0 and signed_now else "无",
                }
            )
        for case in cases.ACTIVITIES:
            if group in case.groups and case.month == month:
                out.append(self._planted_activity(case))
        return out

    def _planted_activity(self, case: cases.PlantedActivity) -> Record:
        """The same record from every group that reports the case (one event, several reports)."""
        rng = rng_for(self.seed, "planted-activity", case.activity)
        theme = unit_themes(self.units[case.groups[0]])[0]
        firms = "、".join(w.firm(rng, theme).name for _ in range(case.firms))
        title = case.leader_title
        return {
            "activity": case.activity,
            "dates": case.dates,
            "place": case.place,
            "leader": f"{self._name('prefecture', title)}（{title}）" if title else "",
            "lead_unit": case.lead_unit,
            "participants": case.participants,
            "companies": firms,
            "talks": f"与{case.firms}家企业开展洽谈，达成合作意向{min(2, case.firms)}个",
            "signed_projects": "无",
        }


def _distinct(name: str, earlier: list[Record], key: str) -> str:
    """A second event of the same name in one month is told apart, as clerks do: （第2场）."""
    taken = {r[key] for r in earlier}
    number = 2
    unique = name
    while unique in taken:
        unique, number = f"{name}（第{number}场）", number + 1
    return unique


def _city(place: str) -> str:
    """广东省深圳市 -> 深圳, 云南省大理州 -> 大理, 上海市 -> 上海 (for activity names)."""
    tail = place.split("省")[-1]
    cut = min((i for i in (tail.find("市"), tail.find("州")) if i > 0), default=len(tail))
    return tail[:cut] or place
