"""Each cell's duty roster (一格多元) as data: the roles of the team that serves a cell and the
street office's departments a case may be dispatched to.

One source of truth (DESIGN §1): the API checks roster entries against these rules, the notice
board prints roles in this order, and ``roster_meta()`` serves both tables through ``/meta``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from grid.domain.catalog import Term


class Fill(StrEnum):
    """Who may fill a role: a signed-in account, a named contact without one, or either."""

    ACCOUNT = "account"
    CONTACT = "contact"
    EITHER = "either"


class Per(StrEnum):
    """What one holder of a role is for: the whole cell, one building, or one building's unit."""

    CELL = "cell"
    BUILDING = "building"
    UNIT = "unit"


@dataclass(frozen=True)
class RosterRole:
    """A role on a cell's roster: who may fill it, what it is per, whether only one holder is in
    force at a time (a new one closes the previous), whether it carries a published duty phone,
    and the account role (``grid.domain.caseflow.Role``) a holder's account must have if any."""

    term: Term
    fill: Fill
    per: Per = Per.CELL
    single: bool = False
    duty_phone: bool = False
    account_roles: tuple[str, ...] = ()

    @property
    def code(self) -> str:
        """The stable code stored and served."""
        return self.term.code


LEADER = "leader"
BACKUP = "backup"

ROSTER_ROLES: tuple[RosterRole, ...] = (
    RosterRole(
        Term(LEADER, "网格长", "Grid leader"),
        Fill.ACCOUNT,
        single=True,
        duty_phone=True,
        account_roles=("officer",),
    ),
    RosterRole(
        Term(BACKUP, "AB岗（后备网格员）", "Backup officer"),
        Fill.ACCOUNT,
        single=True,
        duty_phone=True,
        account_roles=("officer",),
    ),
    RosterRole(
        Term("police", "社区民警", "Community police"),
        Fill.EITHER,
        duty_phone=True,
        account_roles=("police",),
    ),
    RosterRole(Term("mediator", "调解员", "Mediator"), Fill.EITHER, duty_phone=True),
    RosterRole(Term("building_leader", "楼栋长", "Building leader"), Fill.EITHER, Per.BUILDING),
    RosterRole(Term("unit_leader", "单元长", "Unit leader"), Fill.EITHER, Per.UNIT),
    RosterRole(Term("volunteer", "志愿者", "Volunteer"), Fill.EITHER),
)
ROLES: dict[str, RosterRole] = {r.code: r for r in ROSTER_ROLES}

# Which account role's published duty phone (``Settings.duty_phones``) a roster role falls back
# to when neither the entry nor the settings name one for the roster role itself.
DUTY_PHONE_FALLBACK: dict[str, str] = {LEADER: "officer", BACKUP: "officer", "police": "police"}


@dataclass(frozen=True)
class Department:
    """A department of the street office a case may be dispatched to (职能部门), with its
    published duty phone when it has one."""

    term: Term
    duty_phone: str | None = None

    @property
    def code(self) -> str:
        """The stable code stored and served."""
        return self.term.code


DEPARTMENTS: tuple[Department, ...] = (
    Department(Term("comprehensive_governance", "综治中心", "Comprehensive governance centre")),
    Department(Term("urban_management", "城管执法", "Urban management")),
    Department(Term("civil_affairs", "民政", "Civil affairs")),
    Department(Term("market_supervision", "市场监管", "Market supervision")),
    Department(Term("fire_safety", "消防安全", "Fire safety")),
    Department(Term("housing", "住建物业", "Housing and property")),
    Department(Term("police_station", "派出所", "Police station")),
)
DEPARTMENT_CODES: dict[str, Department] = {d.code: d for d in DEPARTMENTS}

# How a case's ``receiver`` names a roster member or a department (``roster:12``, ``dept:...``);
# a bare username still names the leader of a cell of the case's community.
RECEIVER_MEMBER = "roster:"
RECEIVER_DEPARTMENT = "dept:"


def role_rule(code: str) -> RosterRole | None:
    """The rule of roster role ``code`` (None when there is no such role)."""
    return ROLES.get(code)


def role_order(code: str) -> int:
    """Where a role comes on the roster and the notice board (leader first)."""
    return next((i for i, r in enumerate(ROSTER_ROLES) if r.code == code), len(ROSTER_ROLES))


def duty_phone(role: str, own: str | None, configured: dict[str, str]) -> str | None:
    """The published duty number of a roster entry: its own, else the one configured for its
    roster role, else the one configured for its account role; None when none is."""
    if own:
        return own
    rule = ROLES.get(role)
    if rule is None or not rule.duty_phone:
        return None
    return configured.get(role) or configured.get(DUTY_PHONE_FALLBACK.get(role, "")) or None


def roster_meta() -> dict[str, Any]:
    """The roster roles and the departments as ``/meta`` serves them."""
    return {
        "roles": [
            {
                "code": r.code,
                "zh": r.term.zh,
                "en": r.term.en,
                "fill": r.fill.value,
                "per": r.per.value,
                "single": r.single,
                "duty_phone": r.duty_phone,
                "account_roles": list(r.account_roles),
            }
            for r in ROSTER_ROLES
        ],
        "departments": [
            {"code": d.code, "zh": d.term.zh, "en": d.term.en, "duty_phone": d.duty_phone}
            for d in DEPARTMENTS
        ],
        "receiver_prefixes": {"member": RECEIVER_MEMBER, "department": RECEIVER_DEPARTMENT},
    }
