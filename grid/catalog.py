"""The domain vocabulary as data: place kinds, record kinds, categories and risk levels.

One source of truth (DESIGN §1, §3): the API seeds its lookup tables from here, the web app reads it
through ``GET /api/v1/meta``, and analytics group by these codes. Codes are stable English
identifiers; labels are shown to users in zh-CN (default) or English.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Term:
    """A coded term with its Chinese and English labels."""

    code: str
    zh: str
    en: str

    def label(self, lang: str = "zh") -> str:
        """The label in ``lang`` ("zh" or "en"); Chinese when the language is unknown."""
        return self.en if lang == "en" else self.zh


class PlaceKind(StrEnum):
    """Kinds of geolocated places that grid officers keep track of."""

    RENTAL = "rental"
    INTERNET_CAFE = "internet_cafe"
    HAZARD = "hazard"
    BATHHOUSE = "bathhouse"
    BBQ = "bbq"
    DIRECT_SALES = "direct_sales"
    ENTERTAINMENT = "entertainment"


class RecordKind(StrEnum):
    """Kinds of field records; incidents and disputes follow the case loop, patrols do not."""

    PATROL = "patrol"
    INCIDENT = "incident"
    DISPUTE = "dispute"


class RiskLevel(StrEnum):
    """Risk level of a place, from least to most supervision."""

    NORMAL = "normal"
    WATCH = "watch"
    STRICT = "strict"


PLACE_KINDS: dict[PlaceKind, Term] = {
    PlaceKind.RENTAL: Term("rental", "出租房屋", "Rental unit"),
    PlaceKind.INTERNET_CAFE: Term("internet_cafe", "网吧", "Internet café"),
    PlaceKind.HAZARD: Term("hazard", "安全隐患点", "Hazard point"),
    PlaceKind.BATHHOUSE: Term("bathhouse", "洗浴/足浴", "Bathhouse / foot massage"),
    PlaceKind.BBQ: Term("bbq", "烧烤店", "BBQ shop"),
    PlaceKind.DIRECT_SALES: Term("direct_sales", "直销网点", "Direct-sales outlet"),
    PlaceKind.ENTERTAINMENT: Term("entertainment", "娱乐场所", "Entertainment venue"),
}

RECORD_KINDS: dict[RecordKind, Term] = {
    RecordKind.PATROL: Term("patrol", "巡查", "Patrol"),
    RecordKind.INCIDENT: Term("incident", "事件", "Incident"),
    RecordKind.DISPUTE: Term("dispute", "矛盾纠纷", "Dispute"),
}

RISK_LEVELS: dict[RiskLevel, Term] = {
    RiskLevel.NORMAL: Term("normal", "一般", "Normal"),
    RiskLevel.WATCH: Term("watch", "关注", "Watch"),
    RiskLevel.STRICT: Term("strict", "严管", "Strict"),
}

HAZARD_CATEGORIES: tuple[Term, ...] = (
    Term("fire_equipment", "消防设施", "Fire equipment"),
    Term("gas", "燃气", "Gas"),
    Term("electrical_wiring", "私拉乱接电线", "Electrical wiring"),
    Term("ebike_charging", "电动车飞线充电", "E-bike charging"),
    Term("building_structure", "房屋结构", "Building structure"),
    Term("escape_route", "生命通道堵塞", "Blocked escape route"),
    Term("dangerous_goods", "易燃易爆有毒放射性物品", "Flammable/explosive/toxic/radioactive storage"),
    Term("three_in_one", "三合一场所", "Living in work or storage premises"),
    Term("flood", "防汛", "Flood"),
    Term("other", "其他隐患", "Other hazard"),
)

DISPUTE_TYPES: tuple[Term, ...] = (
    Term("neighbour", "邻里纠纷", "Neighbours"),
    Term("marriage_family", "婚姻家庭", "Marriage and family"),
    Term("housing_land", "房屋土地", "Housing and land"),
    Term("property_management", "物业纠纷", "Property management"),
    Term("consumer", "消费纠纷", "Consumer"),
    Term("labour", "劳动纠纷", "Labour"),
    Term("damages", "损害赔偿", "Damages"),
    Term("demolition", "征地拆迁", "Demolition and compensation"),
    Term("environment", "环境污染", "Environment"),
    Term("other", "其他纠纷", "Other dispute"),
)

INCIDENT_CATEGORIES: tuple[Term, ...] = (
    Term("public_order", "治安", "Public order"),
    Term("fire", "火情", "Fire"),
    Term("traffic", "交通", "Traffic"),
    Term("environment_sanitation", "环境卫生", "Environment and sanitation"),
    Term("facility_damage", "设施损坏", "Damaged facility"),
    Term("illegal_construction", "违章建设", "Illegal construction"),
    Term("hazard", "安全隐患", "Safety hazard"),
    Term("vulnerable_person", "特殊人群", "Person needing help"),
    Term("other", "其他事件", "Other incident"),
)

PATROL_CATEGORIES: tuple[Term, ...] = (
    Term("routine", "日常巡查", "Routine patrol"),
    Term("special", "专项巡查", "Special patrol"),
    Term("night", "夜间巡查", "Night patrol"),
)

CATEGORIES: dict[RecordKind, tuple[Term, ...]] = {
    RecordKind.PATROL: PATROL_CATEGORIES,
    RecordKind.INCIDENT: INCIDENT_CATEGORIES,
    RecordKind.DISPUTE: DISPUTE_TYPES,
}


def category_codes(kind: RecordKind | str) -> frozenset[str]:
    """The category codes allowed for a record kind."""
    return frozenset(t.code for t in CATEGORIES[RecordKind(kind)])


def is_category(kind: RecordKind | str, code: str) -> bool:
    """Whether ``code`` is a known category of record ``kind``."""
    return code in category_codes(kind)


def hazard_category_codes() -> frozenset[str]:
    """The hazard category codes a hazard place may carry."""
    return frozenset(t.code for t in HAZARD_CATEGORIES)
