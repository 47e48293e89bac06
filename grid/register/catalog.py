"""The register's vocabulary as data: person types, relations, room uses, organisation types and
key groups, with their import aliases.

One source of truth (DESIGN §1, §3): the import maps spreadsheet words to these codes, the API
masks and schedules by them, and ``register_meta()`` serves them through ``/meta``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grid.domain.catalog import PlaceKind, Term


@dataclass(frozen=True)
class Coded:
    """A coded register term with the extra words an import file may use for it."""

    term: Term
    aliases: tuple[str, ...] = ()

    @property
    def code(self) -> str:
        """The stable code stored and served."""
        return self.term.code


@dataclass(frozen=True)
class OrgType:
    """An organisation type, with the place kind it overlaps (an internet café is both)."""

    term: Term
    place_kind: PlaceKind | None = None
    aliases: tuple[str, ...] = ()

    @property
    def code(self) -> str:
        """The stable code stored and served."""
        return self.term.code


#: Roles that see the identities of every key group's members in their reach (with a purpose).
STAFF_ROLES: tuple[str, ...] = ("admin", "street", "officer")
#: Staff roles plus the police: the access rule of groups whose identities the policy gives police.
WITH_POLICE: tuple[str, ...] = (*STAFF_ROLES, "police")


@dataclass(frozen=True)
class KeyGroup:
    """A key group of people (重点人群) with its rules as data: which roles may see members'
    identities (the access rule), how often officers visit its members (the visit rule; None:
    no schedule), and the years a membership lasts from its start (``term_years``: the 5-year
    帮教 window of released prisoners; None: until the tag ends)."""

    term: Term
    identity_roles: tuple[str, ...]
    visit_every_days: int | None
    term_years: int | None = None

    @property
    def code(self) -> str:
        """The stable code stored and served."""
        return self.term.code

    @property
    def police_identity(self) -> bool:
        """Whether police may see members' identities (the access rule names them)."""
        return "police" in self.identity_roles


PERSON_TYPES: tuple[Coded, ...] = (
    Coded(Term("registered", "户籍", "Registered"), ("户籍人口", "户籍人员", "hukou")),
    Coded(Term("resident", "常住", "Resident"), ("常住人口", "常住人员", "permanent")),
    Coded(
        Term("floating", "流动", "Floating"),
        ("流动人口", "流动人员", "暂住", "暂住人口", "migrant", "temporary"),
    ),
    Coded(
        Term("foreign", "境外", "Foreign"),
        ("境外人员", "境外人口", "外籍", "外籍人员", "foreigner", "overseas"),
    ),
)

RELATIONS: tuple[Coded, ...] = (
    Coded(Term("self", "户主", "Householder"), ("本人", "户主本人", "householder", "head")),
    Coded(Term("spouse", "配偶", "Spouse"), ("妻", "夫", "妻子", "丈夫", "wife", "husband")),
    Coded(
        Term("child", "子女", "Child"),
        ("子", "女", "儿子", "女儿", "长子", "长女", "次子", "次女", "son", "daughter"),
    ),
    Coded(Term("parent", "父母", "Parent"), ("父亲", "母亲", "父", "母", "father", "mother")),
    Coded(
        Term("grandchild", "孙子女", "Grandchild"),
        ("孙子", "孙女", "外孙", "外孙女", "grandson", "granddaughter"),
    ),
    Coded(
        Term("grandparent", "祖父母", "Grandparent"),
        ("祖父", "祖母", "外祖父", "外祖母", "grandfather", "grandmother"),
    ),
    Coded(
        Term("sibling", "兄弟姐妹", "Sibling"),
        ("兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹", "brother", "sister"),
    ),
    Coded(
        Term("in_law", "儿媳/女婿", "Child-in-law"),
        ("儿媳", "女婿", "daughter-in-law", "son-in-law"),
    ),
    Coded(Term("tenant", "租户", "Tenant"), ("租客", "承租人", "renter")),
    Coded(Term("other", "其他", "Other"), ("其它", "亲属", "非亲属", "保姆")),
)

ROOM_USES: tuple[Coded, ...] = (
    Coded(Term("own", "自住", "Owner-occupied"), ("自用", "self-occupied")),
    Coded(Term("rented", "出租", "Rented"), ("出租房", "租赁", "rental", "let")),
    Coded(Term("vacant", "空置", "Vacant"), ("空房", "闲置", "empty")),
    Coded(Term("business", "经营", "Business"), ("经营性", "商用", "commercial")),
)

ORG_TYPES: tuple[OrgType, ...] = (
    OrgType(Term("shop", "商铺", "Shop"), None, ("商店", "店铺", "个体工商户", "个体")),
    OrgType(Term("company", "企业", "Company"), None, ("公司", "企业单位", "enterprise")),
    OrgType(Term("school", "学校", "School"), None, ("幼儿园", "中学", "小学", "kindergarten")),
    OrgType(Term("hospital", "医疗机构", "Hospital / clinic"), None, ("医院", "诊所", "clinic")),
    OrgType(Term("government", "机关", "Government office"), None, ("机关单位", "事业单位")),
    OrgType(Term("ngo", "社会组织", "Social organisation"), None, ("社团", "民办非企业")),
    OrgType(
        Term("internet_cafe", "网吧", "Internet café"),
        PlaceKind.INTERNET_CAFE,
        ("网咖", "上网服务场所"),
    ),
    OrgType(
        Term("bathhouse", "洗浴/足浴", "Bathhouse / foot massage"),
        PlaceKind.BATHHOUSE,
        ("洗浴", "足浴", "浴池"),
    ),
    OrgType(Term("bbq", "烧烤店", "BBQ shop"), PlaceKind.BBQ, ("烧烤",)),
    OrgType(
        Term("entertainment", "娱乐场所", "Entertainment venue"),
        PlaceKind.ENTERTAINMENT,
        ("KTV", "歌厅", "酒吧", "娱乐"),
    ),
    OrgType(
        Term("direct_sales", "直销网点", "Direct-sales outlet"),
        PlaceKind.DIRECT_SALES,
        ("直销",),
    ),
    OrgType(Term("other", "其他", "Other"), None, ("其它",)),
)

KEY_GROUPS: tuple[KeyGroup, ...] = (
    KeyGroup(Term("community_correction", "社区矫正", "Community correction"), WITH_POLICE, 7),
    KeyGroup(Term("released", "刑释解教", "Released prisoner"), WITH_POLICE, 30, term_years=5),
    KeyGroup(Term("drug", "吸毒人员", "Drug user"), WITH_POLICE, 30),
    KeyGroup(Term("mental_health", "严重精神障碍", "Severe mental disorder"), WITH_POLICE, 14),
    KeyGroup(Term("youth_at_risk", "重点青少年", "Youth at risk"), STAFF_ROLES, 30),
    KeyGroup(Term("elderly_alone", "独居老人", "Elderly living alone"), STAFF_ROLES, 7),
    KeyGroup(Term("low_income", "低保", "Low income (dibao)"), STAFF_ROLES, 90),
    KeyGroup(Term("disabled", "残疾人", "Disabled"), STAFF_ROLES, 90),
    KeyGroup(Term("veteran", "优抚对象", "Veteran / entitled group"), STAFF_ROLES, 90),
)

# Person fields that are personal data: encrypted at rest, masked by role, audited when read.
PERSONAL_FIELDS: tuple[str, ...] = ("name", "id_number", "phone", "birth_date")


def alias_table(terms: tuple[Coded, ...] | tuple[OrgType, ...]) -> dict[str, str]:
    """Every word an import may use for a term (code, labels, aliases), folded to lower case
    without spaces, mapped to the term's code."""
    out: dict[str, str] = {}
    for t in terms:
        for word in (t.code, t.term.zh, t.term.en, *t.aliases):
            out[fold(word)] = t.code
    return out


def fold(word: str) -> str:
    """A word as aliases are compared: stripped, lower case, without inner spaces."""
    return "".join(str(word).split()).lower()


def key_group(code: str) -> KeyGroup:
    """The key group with ``code`` (KeyError when unknown)."""
    return {g.code: g for g in KEY_GROUPS}[code]


def police_identity_groups() -> frozenset[str]:
    """Codes of the key groups whose members' identities police may see."""
    return identity_groups("police")


def identity_groups(role: str) -> frozenset[str]:
    """Codes of the key groups whose access rule lets ``role`` see members' identities (read
    from the table at every call, so a changed rule applies everywhere at once)."""
    return frozenset(g.code for g in KEY_GROUPS if role in g.identity_roles)


def _term(t: Term) -> dict[str, str]:
    """A term as /meta serves it."""
    return {"code": t.code, "zh": t.zh, "en": t.en}


def register_meta() -> dict[str, Any]:
    """The register's vocabulary as a JSON-able dict for ``/meta``."""
    return {
        "person_types": [_term(t.term) for t in PERSON_TYPES],
        "relations": [_term(t.term) for t in RELATIONS],
        "room_uses": [_term(t.term) for t in ROOM_USES],
        "org_types": [
            {**_term(t.term), "place_kind": t.place_kind.value if t.place_kind else None}
            for t in ORG_TYPES
        ],
        "key_groups": [
            {
                **_term(g.term),
                "police_identity": g.police_identity,
                "identity_roles": list(g.identity_roles),
                "visit_every_days": g.visit_every_days,
                "term_years": g.term_years,
            }
            for g in KEY_GROUPS
        ],
        "personal_fields": list(PERSONAL_FIELDS),
    }
