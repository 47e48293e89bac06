"""The domain vocabulary as data: place kinds, record kinds, categories and risk levels.

One source of truth (DESIGN §1, §3): the API seeds its lookup tables from here, the web app reads it
through ``GET /api/v1/meta``, and analytics group by these codes. Codes are stable English
identifiers; labels are shown to users in zh-CN (default) or English.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    """Kinds of field records; what each carries is in RECORD_KIND_RULES."""

    PATROL = "patrol"
    INCIDENT = "incident"
    DISPUTE = "dispute"
    PETITION = "petition"


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
    RecordKind.PETITION: Term("petition", "信访", "Petition"),
}


@dataclass(frozen=True)
class RecordKindRule:
    """What a record kind carries and how it is handled: the one table the API checks records
    against and the web app builds its forms from (through ``/meta``).

    ``case_loop``: a record of this kind opens a case (status, dispatch, deadline; caseflow).
    ``priority``: it has a case priority (routine by default). ``track`` and ``checkins``: it may
    carry a GPS track and check-ins at places and buildings, and the tablet records it on a patrol
    rather than with the point form. ``parties``: the tablet's form asks for the parties involved
    (the API accepts parties on any record, as it always has). ``min_track_points``: a track, when
    one is sent, has at least this many points (a patrol that barely moved is sent without one).
    """

    kind: RecordKind
    case_loop: bool
    priority: bool
    track: bool
    checkins: bool
    parties: bool
    min_track_points: int = 2


RECORD_KIND_RULES: dict[RecordKind, RecordKindRule] = {
    r.kind: r
    for r in (
        RecordKindRule(
            RecordKind.PATROL,
            case_loop=False,
            priority=False,
            track=True,
            checkins=True,
            parties=False,
        ),
        RecordKindRule(
            RecordKind.INCIDENT,
            case_loop=True,
            priority=True,
            track=False,
            checkins=False,
            parties=False,
        ),
        RecordKindRule(
            RecordKind.DISPUTE,
            case_loop=True,
            priority=True,
            track=False,
            checkins=False,
            parties=True,
        ),
        RecordKindRule(
            RecordKind.PETITION,
            case_loop=True,
            priority=True,
            track=False,
            checkins=False,
            parties=True,
        ),
    )
}


def record_rule(kind: RecordKind | str) -> RecordKindRule:
    """The rule of record ``kind`` (looked up at call time, so the table is the only source)."""
    return RECORD_KIND_RULES[RecordKind(kind)]


def kinds_with(flag: str) -> tuple[RecordKind, ...]:
    """The record kinds whose rule has ``flag`` (a boolean field of RecordKindRule) set, in
    catalog order."""
    return tuple(k for k, r in RECORD_KIND_RULES.items() if getattr(r, flag))


def kind_names(kinds: Sequence[RecordKind | str]) -> str:
    """Kinds named in an English message, e.g. "patrols" or "incidents and disputes"."""
    names = [f"{RecordKind(k).value}s" for k in kinds] or ["no records"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


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
    Term(
        "dangerous_goods", "易燃易爆有毒放射性物品", "Flammable/explosive/toxic/radioactive storage"
    ),
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

PETITION_TYPES: tuple[Term, ...] = (
    Term("letter", "来信", "Letter"),
    Term("visit", "来访", "Visit in person"),
    Term("online", "网上信访", "Online"),
    Term("collective", "集体访", "Collective visit"),
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
    RecordKind.PETITION: PETITION_TYPES,
}


def category_codes(kind: RecordKind | str) -> frozenset[str]:
    """The category codes allowed for a record kind."""
    return frozenset(t.code for t in CATEGORIES[RecordKind(kind)])


def is_category(kind: RecordKind | str, code: str) -> bool:
    """Whether ``code`` is a known category of record ``kind``."""
    return code in category_codes(kind)


# --- Place attributes (DESIGN §3): the kind-specific fields of a place, as data ----------------


class AttrType(StrEnum):
    """The value type of a place attribute, as the API checks it and the app enters it."""

    TEXT = "text"  # a string of at most ``max_length`` characters
    INT = "int"  # a whole number in [min, max]
    NUMBER = "number"  # any finite number in [min, max]
    DATE = "date"  # an ISO date, YYYY-MM-DD
    ENUM = "enum"  # one of ``options`` (by code)
    BOOL = "bool"  # true or false
    PERSONS = "persons"  # a list of {name, phone?, id_number?} (at most ``max`` entries)
    PHOTOS = "photos"  # a list of uploaded photos' SHA-256 hashes (at most ``max``)


class Personal(StrEnum):
    """Which kind of personal data an attribute holds; the API masks it per role
    (api/accounts/access.py)."""

    NAME = "name"
    PHONE = "phone"
    ID_NUMBER = "id_number"
    PERSONS = "persons"  # people, each masked field by field (name, phone, id_number)


@dataclass(frozen=True)
class AttrField:
    """One attribute of a place kind: code and labels, type, allowed values and limits."""

    term: Term
    type: AttrType
    options: tuple[Term, ...] = ()
    required: bool = False
    personal: Personal | None = None
    min: float | None = None
    max: float | None = None
    max_length: int = 200

    @property
    def code(self) -> str:
        """The key of the attribute in a place's ``attrs``."""
        return self.term.code

    def option_codes(self) -> frozenset[str]:
        """The codes an enum attribute may take."""
        return frozenset(t.code for t in self.options)


HAZARD_SEVERITIES: tuple[Term, ...] = (
    Term("general", "一般", "General"),
    Term("major", "较大", "Major"),
    Term("serious", "重大", "Serious"),
)

RECTIFICATION_STATUSES: tuple[Term, ...] = (
    Term("pending", "待整改", "Pending"),
    Term("rectifying", "整改中", "Being rectified"),
    Term("rectified", "已整改", "Rectified"),
    Term("overdue", "逾期未改", "Overdue"),
)

ENTERTAINMENT_TYPES: tuple[Term, ...] = (
    Term("ktv", "歌舞厅/KTV", "Dance hall / KTV"),
    Term("bar", "酒吧", "Bar"),
    Term("game_hall", "游艺厅", "Amusement arcade"),
    Term("other", "其他", "Other"),
)

# Fields several kinds share, defined once.
_LICENCE = AttrField(Term("licence_no", "许可证号", "Licence no."), AttrType.TEXT, max_length=64)
_OPERATOR = AttrField(Term("operator", "经营者", "Operator"), AttrType.TEXT, max_length=100)
_CONTACT_PHONE = AttrField(
    Term("contact_phone", "联系电话", "Contact phone"),
    AttrType.TEXT,
    personal=Personal.PHONE,
    max_length=32,
)
_STAFF = AttrField(Term("staff_count", "从业人员数", "Staff"), AttrType.INT, min=0, max=10000)

# Attributes every place may carry: the app's free note and the photos taken on site.
COMMON_ATTRS: tuple[AttrField, ...] = (
    AttrField(Term("note", "备注", "Note"), AttrType.TEXT, max_length=2000),
    AttrField(Term("photos", "照片", "Photos"), AttrType.PHOTOS, max=20),
)

PLACE_ATTRS: dict[PlaceKind, tuple[AttrField, ...]] = {
    PlaceKind.RENTAL: (
        AttrField(
            Term("landlord", "房东姓名", "Landlord"),
            AttrType.TEXT,
            personal=Personal.NAME,
            max_length=100,
        ),
        AttrField(
            Term("landlord_phone", "房东电话", "Landlord phone"),
            AttrType.TEXT,
            personal=Personal.PHONE,
            max_length=32,
        ),
        AttrField(Term("tenant_count", "租住人数", "Tenants"), AttrType.INT, min=0, max=500),
        AttrField(
            Term("floating_population", "流动人口数", "Floating population"),
            AttrType.INT,
            min=0,
            max=500,
        ),
        AttrField(
            Term("tenants", "租住人员", "Tenant list"),
            AttrType.PERSONS,
            personal=Personal.PERSONS,
            max=50,
        ),
    ),
    PlaceKind.INTERNET_CAFE: (
        _LICENCE,
        AttrField(Term("seats", "座位数", "Seats"), AttrType.INT, min=0, max=5000),
        _OPERATOR,
        _CONTACT_PHONE,
    ),
    PlaceKind.HAZARD: (
        AttrField(
            Term("category", "隐患类别", "Hazard category"),
            AttrType.ENUM,
            HAZARD_CATEGORIES,
            required=True,
        ),
        AttrField(Term("severity", "隐患等级", "Severity"), AttrType.ENUM, HAZARD_SEVERITIES),
        AttrField(Term("rectification_deadline", "整改期限", "Rectify by"), AttrType.DATE),
        AttrField(
            Term("rectification_status", "整改状态", "Rectification status"),
            AttrType.ENUM,
            RECTIFICATION_STATUSES,
        ),
    ),
    PlaceKind.BATHHOUSE: (
        _LICENCE,
        _OPERATOR,
        _CONTACT_PHONE,
        _STAFF,
        AttrField(Term("rooms", "房间数", "Rooms"), AttrType.INT, min=0, max=1000),
        AttrField(Term("open_late", "夜间营业", "Open at night"), AttrType.BOOL),
    ),
    PlaceKind.BBQ: (
        _LICENCE,
        _OPERATOR,
        _CONTACT_PHONE,
        AttrField(Term("outdoor", "露天/占道经营", "Outdoor grilling"), AttrType.BOOL),
        AttrField(Term("fume_purifier", "油烟净化设施", "Fume purifier"), AttrType.BOOL),
    ),
    PlaceKind.DIRECT_SALES: (
        _LICENCE,
        AttrField(Term("company", "所属企业", "Company"), AttrType.TEXT, max_length=200),
        _OPERATOR,
        _CONTACT_PHONE,
        AttrField(Term("registered", "已备案", "Registered"), AttrType.BOOL),
    ),
    PlaceKind.ENTERTAINMENT: (
        _LICENCE,
        AttrField(Term("venue_type", "场所类型", "Venue type"), AttrType.ENUM, ENTERTAINMENT_TYPES),
        _OPERATOR,
        _CONTACT_PHONE,
        AttrField(Term("capacity", "核定人数", "Capacity"), AttrType.INT, min=0, max=10000),
        _STAFF,
    ),
}


def place_attrs(kind: PlaceKind | str) -> dict[str, AttrField]:
    """The attributes a place of ``kind`` may carry, by code: its own, then the common ones."""
    fields = (*PLACE_ATTRS[PlaceKind(kind)], *COMMON_ATTRS)
    return {f.code: f for f in fields}
