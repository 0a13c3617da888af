"""Vocabulary of the sample year: plausible (fictional) projects, firms, leaders and places."""

from __future__ import annotations

import random
from dataclasses import dataclass

# Industry themes: the seven groups' industries plus new materials for everything else.
THEMES = (
    "silicon",
    "titanium",
    "pharma",
    "tourism",
    "agriculture",
    "digital",
    "logistics",
    "materials",
)

THEME_NAMES = {
    "silicon": "绿色硅光伏",
    "titanium": "绿色钛",
    "pharma": "生物医药",
    "tourism": "文旅康养",
    "agriculture": "高原特色现代农业",
    "digital": "数字经济",
    "logistics": "现代物流",
    "materials": "新材料",
}

# Keyword in a group's name -> its theme (the two non-industry groups range over all themes).
GROUP_THEMES = {
    "硅": "silicon",
    "钛": "titanium",
    "医药": "pharma",
    "文旅": "tourism",
    "农业": "agriculture",
    "数字": "digital",
    "物流": "logistics",
}

GROUP_LEAD_UNITS = {
    "silicon": "州工业和信息化局",
    "titanium": "州工业和信息化局",
    "pharma": "州卫生健康委员会",
    "tourism": "州文化和旅游局",
    "agriculture": "州农业农村局",
    "digital": "州科学技术局",
    "logistics": "州商务局",
    "materials": "州投资促进局",
}

# Themes each county-level unit tends to attract (by the real local industries).
COUNTY_THEMES = {
    "楚雄市": ("pharma", "tourism", "digital", "logistics"),
    "楚雄高新区": ("silicon", "pharma", "digital", "materials"),
    "禄丰市": ("titanium", "silicon", "materials", "logistics"),
    "双柏县": ("agriculture", "silicon", "tourism"),
    "牟定县": ("silicon", "agriculture", "materials"),
    "南华县": ("agriculture", "tourism", "pharma"),
    "姚安县": ("agriculture", "tourism", "silicon"),
    "大姚县": ("agriculture", "materials", "silicon"),
    "永仁县": ("silicon", "agriculture", "materials"),
    "元谋县": ("agriculture", "silicon", "tourism"),
    "武定县": ("titanium", "agriculture", "tourism"),
}

# (project name, cooperation content); {n} a capacity, {s} the site's short name.
PROJECTS: dict[str, tuple[tuple[str, str], ...]] = {
    "silicon": (
        ("年产{n}万吨高纯工业硅项目", "建设年产{n}万吨高纯工业硅生产线及配套余热发电设施"),
        ("年产{n}万吨有机硅单体项目", "建设有机硅单体及下游深加工生产线，年产单体{n}万吨"),
        ("{n}GW单晶硅拉棒及切片项目", "建设{n}GW单晶硅拉棒、切片生产线及配套厂房"),
        ("{s}{n}万千瓦光伏发电项目", "建设集中式光伏电站，装机容量{n}万千瓦，配套升压站及储能设施"),
        ("{n}GW高效光伏组件生产项目", "建设高效光伏组件生产线，年产能{n}GW"),
        ("{s}农光互补光伏电站项目", "利用荒山荒坡建设农光互补光伏电站，装机{n}万千瓦"),
    ),
    "titanium": (
        ("{s}钒钛新材料产业园项目", "建设钒钛新材料产业园，引进钛材深加工企业{n}户"),
        ("年产{n}万吨氯化法钛白粉项目", "建设年产{n}万吨氯化法钛白粉生产线"),
        ("年产{n}万吨海绵钛项目", "建设年产{n}万吨海绵钛及钛锭生产线"),
        ("钛合金精深加工项目", "建设钛合金棒材、板材精深加工生产线，年产{n}千吨"),
        ("年产{n}万立方米钒电池电解液项目", "建设钒电池电解液生产线，年产{n}万立方米"),
    ),
    "pharma": (
        ("{s}彝药产业园项目", "建设彝药研发、生产及仓储基地，引进医药企业{n}户"),
        ("年产{n}千吨中药饮片及配方颗粒项目", "建设中药饮片及配方颗粒生产线，年产{n}千吨"),
        ("{n}万亩道地中药材种植基地项目", "建设重楼、三七等道地中药材种植基地{n}万亩"),
        ("生物医药产业园标准厂房及研发中心项目", "建设标准厂房{n}万平方米及生物医药研发中心"),
        ("重楼、滇黄精精深加工项目", "建设中药材提取及精深加工生产线，年加工{n}千吨"),
    ),
    "tourism": (
        ("{s}康养小镇项目", "建设康养公寓、医养中心及配套设施，占地约{n}00亩"),
        ("{s}文旅综合体项目", "建设民族文化街区、主题酒店及演艺中心，总建筑面积{n}万平方米"),
        ("{s}温泉康养度假区项目", "建设温泉度假酒店及康养设施，占地约{n}00亩"),
        ("{s}彝族文化旅游街区项目", "建设彝族文化体验街区及特色商业，总建筑面积{n}万平方米"),
        ("{s}乡村旅游及民宿集群项目", "建设乡村旅游民宿集群{n}个及游客服务设施"),
    ),
    "agriculture": (
        ("{n}万亩核桃提质增效及精深加工项目", "建设核桃提质增效基地{n}万亩及核桃油、核桃乳加工线"),
        ("野生菌精深加工及冷链项目", "建设野生菌精深加工生产线及冷库，年加工{n}千吨"),
        (
            "年出栏{n}万头肉牛养殖及屠宰加工项目",
            "建设标准化肉牛养殖场及屠宰加工生产线，年出栏{n}万头",
        ),
        ("{n}万亩高原特色果蔬基地及加工项目", "建设高原特色果蔬种植基地{n}万亩及分拣加工中心"),
        ("年产{n}万吨饲料加工项目", "建设饲料加工生产线，年产{n}万吨"),
        ("{s}绿色食品加工产业园项目", "建设绿色食品加工标准厂房{n}万平方米，引进食品加工企业"),
    ),
    "digital": (
        ("{s}绿色数据中心项目", "建设绿色数据中心，规划机架{n}千个"),
        ("智能终端产品制造项目", "建设智能终端产品生产线，年产{n}百万台"),
        ("工业互联网产业园项目", "建设工业互联网平台及产业园，入驻企业{n}户"),
        ("电子元器件生产基地项目", "建设电子元器件生产线，年产{n}亿只"),
    ),
    "logistics": (
        ("{s}现代物流园项目", "建设仓储、分拨及配送中心，占地约{n}00亩"),
        ("{s}冷链物流中心项目", "建设冷库{n}万吨及冷链配送中心"),
        ("公铁多式联运物流枢纽项目", "建设铁路专用线及多式联运物流枢纽，年吞吐量{n}百万吨"),
        ("农产品仓储物流中心项目", "建设农产品仓储、分拣及交易中心，仓储能力{n}万吨"),
    ),
    "materials": (
        ("年产{n}万吨磷酸铁锂正极材料项目", "建设磷酸铁锂正极材料生产线，年产{n}万吨"),
        ("绿色铝精深加工项目", "建设铝型材、铝箔精深加工生产线，年产{n}万吨"),
        ("{s}{n}万千瓦时新型储能电站项目", "建设电化学储能电站，规模{n}万千瓦时"),
        ("铜精深加工及再生资源利用项目", "建设铜材精深加工及再生铜回收生产线，年产{n}万吨"),
        ("年产{n}万吨新型建材项目", "建设装配式建材及新型墙材生产线，年产{n}万吨"),
    ),
}

CAPACITIES = (2, 3, 5, 10, 20, 30, 50)

FIRM_SUFFIXES = {
    "silicon": ("新能源科技有限公司", "光伏科技股份有限公司", "硅业有限公司", "新能源集团有限公司"),
    "titanium": ("钛业股份有限公司", "新材料科技有限公司", "钒钛科技有限公司"),
    "pharma": ("生物医药有限公司", "药业股份有限公司", "健康产业集团有限公司"),
    "tourism": ("文化旅游发展有限公司", "康养产业投资有限公司", "旅游集团有限公司"),
    "agriculture": ("农业发展有限公司", "食品股份有限公司", "农牧科技有限公司"),
    "digital": ("数字科技有限公司", "信息技术有限公司", "电子科技股份有限公司"),
    "logistics": ("供应链管理有限公司", "物流集团有限公司", "国际物流有限公司"),
    "materials": ("新材料有限公司", "能源科技有限公司", "实业集团有限公司"),
}

# Partners are from outside the prefecture: mostly other provinces, sometimes Kunming.
FIRM_CITIES = (
    "上海",
    "江苏",
    "浙江",
    "广东",
    "深圳",
    "四川",
    "成都",
    "重庆",
    "北京",
    "福建",
    "湖南",
    "山东",
    "天津",
    "湖北",
    "杭州",
    "苏州",
    "厦门",
    "云南",
    "昆明",
)
FIRM_BRANDS = (
    "鼎盛",
    "宏图",
    "瑞丰",
    "汇能",
    "博远",
    "新阳",
    "聚源",
    "泰和",
    "锦程",
    "盛达",
    "中锦",
    "恒拓",
    "天睿",
    "华晟",
    "金桥",
    "永昇",
    "弘毅",
    "启明",
    "润泽",
    "远航",
    "卓越",
    "同创",
    "嘉禾",
    "东升",
    "海纳",
    "凯德",
    "祥云",
    "众联",
    "晶华",
    "德润",
)

SURNAMES = ("张", "李", "王", "赵", "刘", "陈", "杨", "黄", "周", "吴", "徐", "孙", "马", "朱")

# Prefecture leaders by rank (fictional 某某 names, fixed for the year).
PREFECTURE_TOP = ("州委书记", "州委副书记、州长")
PREFECTURE_LEADERS = (
    "州委常委、常务副州长",
    "州人民政府副州长",
    "州委常委、州委秘书长",
    "州人大常委会副主任",
    "州政协副主席",
)

OUT_OF_PROVINCE_PLACES = (
    "广东省深圳市",
    "广东省广州市",
    "上海市",
    "江苏省苏州市",
    "浙江省杭州市",
    "四川省成都市",
    "重庆市",
    "北京市",
    "福建省厦门市",
    "山东省青岛市",
    "湖南省长沙市",
    "江苏省无锡市",
    "浙江省宁波市",
    "湖北省武汉市",
)
IN_PROVINCE_PLACES = (
    "云南省昆明市",
    "云南省玉溪市",
    "云南省曲靖市",
    "云南省大理州",
    "云南省红河州",
    "云南省昆明市安宁市",
)
TRIP_EVIDENCE = ("外出报备表、活动总结", "外出报备表、招商方案", "外出报备表")

# 走出去 destinations as the a5 form lists them: every city involved.
OUTBOUND_CITY_SETS = (
    "上海市、苏州市",
    "深圳市、东莞市",
    "成都市",
    "杭州市、宁波市",
    "北京市",
    "厦门市、泉州市",
    "重庆市",
    "广州市、佛山市",
    "长沙市",
    "无锡市、常州市",
    "昆明市",
    "青岛市、济南市",
)

PREFECTURE_DEPARTMENTS = (
    "州投资促进局",
    "州发展和改革委员会",
    "州工业和信息化局",
    "州商务局",
    "州自然资源和规划局",
    "州能源局",
)

ISSUES = (
    ("项目用地报批进度滞后，建设用地指标不足", "州自然资源和规划局"),
    ("项目用电负荷及电价政策尚未落实", "州能源局"),
    ("项目环评手续办理周期较长", "州生态环境局"),
    ("项目涉及林地使用审批", "州林业和草原局"),
    ("项目配套道路建设滞后", "州交通运输局"),
    ("项目能耗指标不足", "州发展和改革委员会"),
)


@dataclass(frozen=True)
class Firm:
    """A company: its full registered name and the short name used in progress notes."""

    name: str
    short: str


def short_place(unit: str) -> str:
    """楚雄市 -> 楚雄, 双柏县 -> 双柏; the zone keeps its full name."""
    if unit.endswith(("市", "县")) and len(unit) > 2:
        return unit[:-1]
    return unit


def firm(rng: random.Random, theme: str, *, local: str | None = None) -> Firm:
    """A fictional firm of a theme, city-prefixed (州外) or prefixed with a local place."""
    brand = rng.choice(FIRM_BRANDS)
    prefix = local if local is not None else rng.choice(FIRM_CITIES)
    return Firm(f"{prefix}{brand}{rng.choice(FIRM_SUFFIXES[theme])}", f"{brand}公司")


def person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)}某某"


def county_top_titles(county: str) -> tuple[str, str]:
    """The two 党政主要领导 of a county-level unit, as written after their names."""
    if county.endswith("高新区"):
        return (f"{county}党工委书记", f"{county}管委会主任")
    if county.endswith("市"):
        return (f"{county}委书记", f"{county}人民政府市长")
    return (f"{county}委书记", f"{county}人民政府县长")
