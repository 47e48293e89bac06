"""The hazard rectification loop as data (DESIGN §3b: 整改 → 复查 → 销号), like the case loop.

found (发现) → ordered (整改通知, with a deadline by the hazard's severity) → re-inspected (复查:
a visit with photos) → closed (销号); a re-inspection that finds it not fixed escalates it
(上报升级), and an escalated hazard is ordered again with a new deadline. The API enforces these
steps, ``/meta`` serves them to the tablet, and the KPIs (整改率, 按期整改率) read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from grid.domain.caseflow import Role
from grid.domain.catalog import PlaceKind, Term


class Stage(StrEnum):
    """Where a hazard's rectification stands."""

    FOUND = "found"
    ORDERED = "ordered"
    REINSPECTED = "reinspected"
    CLOSED = "closed"
    ESCALATED = "escalated"


@dataclass(frozen=True)
class StageInfo:
    """A stage with its labels and whether the hazard still needs work there."""

    term: Term
    is_open: bool
    is_closed: bool


STAGES: dict[Stage, StageInfo] = {
    Stage.FOUND: StageInfo(Term("found", "已发现", "Found"), True, False),
    Stage.ORDERED: StageInfo(Term("ordered", "限期整改", "Rectification ordered"), True, False),
    Stage.REINSPECTED: StageInfo(Term("reinspected", "已复查", "Re-inspected"), True, False),
    Stage.CLOSED: StageInfo(Term("closed", "已销号", "Closed"), False, True),
    Stage.ESCALATED: StageInfo(Term("escalated", "已升级", "Escalated"), True, False),
}

# The place kinds whose hazards go through this loop.
RECTIFIED_KINDS: tuple[PlaceKind, ...] = (PlaceKind.HAZARD,)

INITIAL_STAGE = Stage.FOUND
# The deadline is set when a hazard enters this stage (from the severity's days).
CLOCK_STARTS = Stage.ORDERED


@dataclass(frozen=True)
class Step:
    """An action of the loop: from which stage to which, who may take it, whether it needs
    photos (a re-inspection is a visit with photos) and an escalation target."""

    action: str
    source: Stage
    target: Stage
    roles: frozenset[Role]
    term: Term
    photos: bool = False
    escalation: bool = False


_FIELD = frozenset({Role.ADMIN, Role.STREET, Role.OFFICER})
_STAFF = frozenset({Role.ADMIN, Role.STREET})

STEPS: tuple[Step, ...] = (
    Step("order", Stage.FOUND, Stage.ORDERED, _FIELD, Term("order", "下达整改通知", "Order")),
    Step(
        "reinspect",
        Stage.ORDERED,
        Stage.REINSPECTED,
        _FIELD,
        Term("reinspect", "复查合格", "Re-inspect: fixed"),
        photos=True,
    ),
    Step(
        "escalate",
        Stage.ORDERED,
        Stage.ESCALATED,
        _FIELD,
        Term("escalate", "复查未整改，升级", "Re-inspect: not fixed, escalate"),
        photos=True,
        escalation=True,
    ),
    Step("close", Stage.REINSPECTED, Stage.CLOSED, _STAFF, Term("close", "销号", "Close")),
    Step(
        "reorder",
        Stage.ESCALATED,
        Stage.ORDERED,
        _STAFF,
        Term("reorder", "重新限期整改", "Order again"),
    ),
)

# Days allowed to rectify, by hazard severity (grid.domain.catalog.HAZARD_SEVERITIES codes).
DEADLINE_DAYS: dict[str, int] = {"general": 7, "major": 15, "serious": 30}
DEFAULT_SEVERITY = "general"

# Who an escalated hazard goes to (上报): the street office, or a competent department.
ESCALATION_TARGETS: tuple[Term, ...] = (
    Term("street_office", "街道办事处", "Street office"),
    Term("fire_department", "消防救援机构", "Fire and rescue"),
    Term("safety_supervision", "应急管理部门", "Emergency management"),
    Term("housing_department", "住建部门", "Housing and construction"),
    Term("market_supervision", "市场监管部门", "Market supervision"),
)


class StepError(ValueError):
    """A rectification action not allowed from the current stage, or not for this role."""


def allowed_steps(stage: Stage | str, role: Role | str | None = None) -> list[Step]:
    """The steps open from ``stage``, limited to those ``role`` may take when given."""
    st = Stage(stage)
    return [s for s in STEPS if s.source == st and (role is None or Role(role) in s.roles)]


def step(stage: Stage | str, action: str, role: Role | str) -> Step:
    """The step ``action`` takes from ``stage`` for ``role``; StepError names the legal ones."""
    st = Stage(stage)
    for s in STEPS:
        if s.source == st and s.action == action:
            if Role(role) not in s.roles:
                allowed = ", ".join(sorted(r.value for r in s.roles))
                raise StepError(f"role '{role}' may not '{action}'; allowed roles: {allowed}")
            return s
    legal = ", ".join(s.action for s in allowed_steps(st)) or "none"
    raise StepError(f"cannot '{action}' a hazard that is '{st.value}'; allowed actions: {legal}")


def deadline(ordered_at: datetime, severity: str | None) -> datetime:
    """When a hazard of ``severity`` ordered at ``ordered_at`` must be rectified."""
    return ordered_at + timedelta(days=DEADLINE_DAYS[severity or DEFAULT_SEVERITY])


def is_overdue(stage: Stage | str, deadline_at: datetime | None, now: datetime) -> bool:
    """Whether an open rectification is past its deadline."""
    return deadline_at is not None and STAGES[Stage(stage)].is_open and deadline_at < now


# The hazard place's attributes the loop owns (``grid.domain.catalog``: 整改期限, 整改状态): once a
# hazard has a rectification they are written from it at each step, never typed by hand.
DEADLINE_ATTR = "rectification_deadline"
STATUS_ATTR = "rectification_status"
LOOP_ATTRS: tuple[str, ...] = (DEADLINE_ATTR, STATUS_ATTR)
# The place's rectification status in each stage (``catalog.RECTIFICATION_STATUSES`` codes);
# "overdue" is not stored but read from the deadline day (``shown_status``).
STAGE_STATUS: dict[Stage, str] = {
    Stage.FOUND: "pending",
    Stage.ORDERED: "rectifying",
    Stage.REINSPECTED: "rectifying",
    Stage.ESCALATED: "rectifying",
    Stage.CLOSED: "rectified",
}
OVERDUE_STATUS = "overdue"
OPEN_STATUSES = frozenset({"pending", "rectifying"})
# The deadline is shown as a local calendar day (Asia/Shanghai, where the offices work).
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def loop_attrs(stage: Stage | str, deadline_at: datetime | None) -> dict[str, str | None]:
    """The loop-owned attributes of a hazard place whose rectification is at ``stage`` with
    ``deadline_at``: the status of the stage and the deadline's local day."""
    day = deadline_at.astimezone(LOCAL_TZ).date().isoformat() if deadline_at else None
    return {DEADLINE_ATTR: day, STATUS_ATTR: STAGE_STATUS[Stage(stage)]}


def shown_status(attrs: Mapping[str, Any], today: date) -> str | None:
    """The status a hazard place shows: the stored one, or "overdue" while it is still open
    after its deadline day (so overdue needs no write when the day passes)."""
    status, day = attrs.get(STATUS_ATTR), attrs.get(DEADLINE_ATTR)
    if status in OPEN_STATUSES and isinstance(day, str) and day < today.isoformat():
        return OVERDUE_STATUS
    return status if isinstance(status, str) or status is None else str(status)


def local_today(now: datetime) -> date:
    """The local calendar day of ``now``."""
    return now.astimezone(LOCAL_TZ).date()
