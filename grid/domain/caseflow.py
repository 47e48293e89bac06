"""The case loop for incidents and disputes as data (DESIGN §3, GB/T 30428).

reported → registered | cancelled → dispatched (the deadline clock starts) → handled → fed back →
closed (verified) → evaluated; a failed verification sends the case back to dispatched. The API
enforces these transitions, the web app shows the allowed actions, and the KPIs decide what is
open, closed and due — all from the tables below, as FixMyStreet keeps its states as data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from grid.domain.catalog import Term


class Status(StrEnum):
    """Where a case stands in the loop."""

    REPORTED = "reported"
    REGISTERED = "registered"
    CANCELLED = "cancelled"
    DISPATCHED = "dispatched"
    HANDLED = "handled"
    FED_BACK = "fed_back"
    CLOSED = "closed"
    EVALUATED = "evaluated"


class Role(StrEnum):
    """Account roles (DESIGN §1): who may do what is decided from this enum and the tables here."""

    ADMIN = "admin"
    STREET = "street"
    OFFICER = "officer"
    POLICE = "police"


class Priority(StrEnum):
    """Case priority; each has a default deadline counted from dispatch."""

    URGENT = "urgent"
    HAZARD = "hazard"
    ROUTINE = "routine"


@dataclass(frozen=True)
class StatusInfo:
    """A status with its labels and whether it counts as open (Open311 open/closed)."""

    term: Term
    is_open: bool
    is_closed: bool


STATUSES: dict[Status, StatusInfo] = {
    Status.REPORTED: StatusInfo(Term("reported", "已上报", "Reported"), True, False),
    Status.REGISTERED: StatusInfo(Term("registered", "已立案", "Registered"), True, False),
    Status.CANCELLED: StatusInfo(Term("cancelled", "已撤销", "Cancelled"), False, False),
    Status.DISPATCHED: StatusInfo(Term("dispatched", "已派遣", "Dispatched"), True, False),
    Status.HANDLED: StatusInfo(Term("handled", "已处置", "Handled"), True, False),
    Status.FED_BACK: StatusInfo(Term("fed_back", "已反馈", "Fed back"), True, False),
    Status.CLOSED: StatusInfo(Term("closed", "已结案", "Closed"), False, True),
    Status.EVALUATED: StatusInfo(Term("evaluated", "已评价", "Evaluated"), False, True),
}

INITIAL_STATUS = Status.REPORTED


class Ask(StrEnum):
    """What the person taking an action is asked for before it is sent: a reason (kept as the
    transition's note) or the receiver the case is handed to (a leader of the case's community)."""

    NOTHING = ""
    REASON = "reason"
    RECEIVER = "receiver"


@dataclass(frozen=True)
class Transition:
    """An action that moves a case from one status to another, the roles allowed to take it, and
    what the person taking it is asked for first (``asks``)."""

    action: str
    source: Status
    target: Status
    roles: frozenset[Role]
    term: Term
    asks: Ask = Ask.NOTHING


_STAFF = frozenset({Role.ADMIN, Role.STREET})
_FIELD = frozenset({Role.ADMIN, Role.STREET, Role.OFFICER})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "register", Status.REPORTED, Status.REGISTERED, _FIELD, Term("register", "立案", "Register")
    ),
    Transition(
        "cancel",
        Status.REPORTED,
        Status.CANCELLED,
        _FIELD,
        Term("cancel", "撤销", "Cancel"),
        Ask.REASON,
    ),
    Transition(
        "dispatch",
        Status.REGISTERED,
        Status.DISPATCHED,
        _FIELD,
        Term("dispatch", "派遣", "Dispatch"),
        Ask.RECEIVER,
    ),
    Transition(
        "handle", Status.DISPATCHED, Status.HANDLED, _FIELD, Term("handle", "处置", "Handle")
    ),
    Transition(
        "feedback", Status.HANDLED, Status.FED_BACK, _FIELD, Term("feedback", "反馈", "Feed back")
    ),
    Transition(
        "verify",
        Status.FED_BACK,
        Status.CLOSED,
        _STAFF,
        Term("verify", "核查结案", "Verify and close"),
    ),
    Transition(
        "reject",
        Status.FED_BACK,
        Status.DISPATCHED,
        _STAFF,
        Term("reject", "核查不通过", "Send back"),
        Ask.REASON,
    ),
    Transition(
        "evaluate", Status.CLOSED, Status.EVALUATED, _STAFF, Term("evaluate", "评价", "Evaluate")
    ),
)

# The clock starts when a case enters this status; the deadline is that moment plus the
# priority's hours.
CLOCK_STARTS = Status.DISPATCHED

DEADLINE_HOURS: dict[Priority, float] = {
    Priority.URGENT: 2.0,
    Priority.HAZARD: 24.0,
    Priority.ROUTINE: 72.0,
}

PRIORITIES: dict[Priority, Term] = {
    Priority.URGENT: Term("urgent", "紧急", "Urgent"),
    Priority.HAZARD: Term("hazard", "隐患", "Hazard"),
    Priority.ROUTINE: Term("routine", "一般", "Routine"),
}


class TransitionError(ValueError):
    """An action that is not allowed from the case's current status, or not for this role."""


def allowed_actions(status: Status | str, role: Role | str | None = None) -> list[Transition]:
    """The transitions open from ``status``, limited to those ``role`` may take when given."""
    st = Status(status)
    return [t for t in TRANSITIONS if t.source == st and (role is None or Role(role) in t.roles)]


def transition(status: Status | str, action: str, role: Role | str) -> Transition:
    """The transition ``action`` takes from ``status`` for ``role``.

    Raises TransitionError when the action is illegal from that status or for that role.
    """
    st = Status(status)
    for t in TRANSITIONS:
        if t.source == st and t.action == action:
            if Role(role) not in t.roles:
                raise TransitionError(
                    f"role '{role}' may not '{action}' a case; allowed roles: "
                    + ", ".join(sorted(r.value for r in t.roles))
                )
            return t
    legal = ", ".join(t.action for t in allowed_actions(st)) or "none"
    raise TransitionError(
        f"cannot '{action}' a case that is '{st.value}'; allowed actions: {legal}"
    )


def deadline(
    clock_start: datetime, priority: Priority | str, hours: dict[Priority, float] | None = None
) -> datetime:
    """When a case dispatched at ``clock_start`` with ``priority`` must be closed."""
    table = hours or DEADLINE_HOURS
    return clock_start + timedelta(hours=table[Priority(priority)])


def is_open(status: Status | str) -> bool:
    """Whether a case in ``status`` still needs work."""
    return STATUSES[Status(status)].is_open


def is_closed(status: Status | str) -> bool:
    """Whether a case in ``status`` was verified and closed (cancelled cases are neither)."""
    return STATUSES[Status(status)].is_closed
