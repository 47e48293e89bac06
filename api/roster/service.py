"""The roster's one write path (members, their end, leaders' absences) and how it reads back.

Every write is checked before anything changes, audited, and bumps the ``leaders`` counter so
every process reloads the scopes it depends on (leaders and covering backups).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.accounts.audit import audit
from api.areas.cellcache import bump_generation
from api.checks import check_time
from api.errors import Forbidden, InvalidInput, NotFound
from api.models import (
    Absence,
    Building,
    Cell,
    LeaderAssignment,
    RosterEntry,
    User,
    VerticalCell,
    utcnow,
)
from api.roster.schemas import AbsenceIn, MemberIn
from grid.domain import roster
from grid.domain.caseflow import Role

SKEW = timedelta(days=366)  # how far ahead a roster change or an absence may be planned


def current_cell(session: Session, code: str) -> Cell:
    """The newest version of cell ``code`` (404 at the path when there is none); for a vertical
    cell's code (楼栋网格, ``<cell code>-NN``, which has its own leader) the 2D cell it stacks in,
    whose community and scope it shares."""
    if len(code) > 15:
        below = session.scalar(
            select(VerticalCell.cell_code).where(VerticalCell.code == code, VerticalCell.latest())
        )
        if below is None:
            raise NotFound(f"no current cell or vertical cell {code}", ("path", "code"))
        code = below
    cell = session.scalar(select(Cell).where(Cell.code == code, Cell.latest()))
    if cell is None:
        raise NotFound(f"no current cell {code}", ("path", "code"))
    return cell


def require_manager(scope: Scope, cell: Cell) -> None:
    """Only admin and the street office of the cell's community change a roster."""
    if scope.role not in (Role.ADMIN, Role.STREET):
        raise Forbidden(f"role '{scope.role.value}' may not change a roster", ("body",))
    scope.require_cell(cell.code, cell.community_code, ("path", "code"))


def _holder(session: Session, rule: roster.RosterRole, body: MemberIn) -> User | None:
    """The account filling the role (None for a named contact), by the role's fill rule: an
    unknown or disabled account, or one of a role the roster role does not take, is refused."""
    if (body.user_id is None) == (body.contact_name is None):
        raise InvalidInput("give exactly one of user_id and contact_name", ("body", "user_id"))
    if body.user_id is None:
        if rule.fill == roster.Fill.ACCOUNT:
            raise InvalidInput(f"a {rule.code} must be an account", ("body", "user_id"))
        return None
    if rule.fill == roster.Fill.CONTACT:
        raise InvalidInput(f"a {rule.code} is a named contact", ("body", "contact_name"))
    user = session.get(User, body.user_id)
    if user is None:
        raise InvalidInput(f"no account {body.user_id}", ("body", "user_id"))
    if not user.active:
        raise InvalidInput(f"account {user.username} is disabled", ("body", "user_id"))
    if rule.account_roles and user.role not in rule.account_roles:
        allowed = ", ".join(rule.account_roles)
        raise InvalidInput(f"a {rule.code} must be a {allowed} account", ("body", "user_id"))
    return user


def _place(session: Session, rule: roster.RosterRole, body: MemberIn, cell: Cell) -> None:
    """Refuse a building or unit the role is not per, or a building outside the cell."""
    if rule.per == roster.Per.CELL:
        for name in ("building_id", "unit"):
            if getattr(body, name) is not None:
                raise InvalidInput(f"a {rule.code} is for the whole cell", ("body", name))
        return
    if body.building_id is None:
        raise InvalidInput(f"a {rule.code} needs a building", ("body", "building_id"))
    b = session.get(Building, body.building_id)
    if b is None or b.cell_code != cell.code:
        raise InvalidInput(
            f"no building {body.building_id} in cell {cell.code}", ("body", "building_id")
        )
    if rule.per == roster.Per.UNIT and body.unit is None:
        raise InvalidInput(f"a {rule.code} needs a unit", ("body", "unit"))
    if rule.per == roster.Per.BUILDING and body.unit is not None:
        raise InvalidInput(f"a {rule.code} is for the whole building", ("body", "unit"))


def _check_member(
    session: Session, cell: Cell, body: MemberIn
) -> tuple[roster.RosterRole, User | None]:
    """Every rule of a new roster entry, before anything is written."""
    rule = roster.role_rule(body.role)
    if rule is None:
        known = ", ".join(r.code for r in roster.ROSTER_ROLES)
        raise InvalidInput(f"unknown role '{body.role}'; known: {known}", ("body", "role"))
    user = _holder(session, rule, body)
    _place(session, rule, body, cell)
    if body.duty_phone is not None and not rule.duty_phone:
        raise InvalidInput(f"a {rule.code} publishes no duty phone", ("body", "duty_phone"))
    return rule, user


def _check_overlap(
    session: Session,
    code: str,
    rule: roster.RosterRole,
    user: User | None,
    body: MemberIn,
    at: datetime,
) -> None:
    """Refuse a single role's holder starting before a later one already on the roster, or a
    holder of another role already in force at the same place (cell, building, unit)."""
    same = select(RosterEntry).where(RosterEntry.cell_code == code, RosterEntry.role == rule.code)
    if rule.single:
        later = session.scalar(same.where(RosterEntry.started_at > at).limit(1))
        if later is not None:
            raise InvalidInput(
                f"a later {rule.code} starts {later.started_at.isoformat()}", ("body", "started_at")
            )
    else:
        who = (
            RosterEntry.user_id == user.id
            if user
            else RosterEntry.contact_name == body.contact_name
        )
        spot = (
            RosterEntry.building_id.is_(None)
            if body.building_id is None
            else RosterEntry.building_id == body.building_id,
            RosterEntry.unit.is_(None) if body.unit is None else RosterEntry.unit == body.unit,
        )
        dup = same.where(who, *spot, RosterEntry.active_at(at))
        if session.scalar(dup.limit(1)) is not None:
            raise InvalidInput(
                f"already a {rule.code} of cell {code}",
                ("body", "user_id" if user else "contact_name"),
            )


def add_member(session: Session, scope: Scope | None, code: str, body: MemberIn) -> RosterEntry:
    """Put a holder on cell ``code``'s roster from ``started_at`` (default now); a single role
    (leader, backup) closes its previous holder then. ``scope`` None: the command line."""
    cell = current_cell(session, code)
    if scope is not None:
        require_manager(scope, cell)
    rule, user = _check_member(session, cell, body)
    now = utcnow()
    at = check_time(body.started_at or now, "started_at", now, SKEW)
    _check_overlap(session, code, rule, user, body, at)
    if rule.single:
        session.execute(
            update(RosterEntry)
            .where(
                RosterEntry.cell_code == code, RosterEntry.role == rule.code, RosterEntry.latest()
            )
            .values(ended_at=at)
            .execution_options(synchronize_session=False)
        )
    kind = LeaderAssignment if rule.code == roster.LEADER else RosterEntry
    entry = kind(
        cell_code=code,
        role=rule.code,
        user_id=user.id if user else None,
        contact_name=body.contact_name,
        duty_phone=body.duty_phone,
        building_id=body.building_id,
        unit=body.unit,
        started_at=at,
    )
    session.add(entry)
    session.flush()
    audit(
        session,
        scope.user_id if scope else None,
        "create",
        "roster",
        entry.id,
        {
            "cell": code,
            "role": rule.code,
            "user": user.username if user else None,
            "contact": body.contact_name,
        },
    )
    bump_generation(session, "leaders")
    return entry


def end_member(session: Session, scope: Scope, entry_id: int, ended_at: datetime) -> RosterEntry:
    """Close a roster entry at ``ended_at`` (kept in the history, never deleted)."""
    entry = session.get(RosterEntry, entry_id)
    if entry is None:
        raise NotFound(f"no roster entry {entry_id}", ("path", "id"))
    require_manager(scope, current_cell(session, entry.cell_code))
    if entry.ended_at is not None:
        raise InvalidInput(
            f"entry {entry_id} already ended {entry.ended_at.isoformat()}", ("body", "ended_at")
        )
    at = check_time(ended_at, "ended_at", utcnow(), SKEW)
    if at < entry.started_at:
        raise InvalidInput("ended_at is before the start", ("body", "ended_at"))
    entry.ended_at = at
    audit(session, scope.user_id, "end", "roster", entry.id, {"ended_at": at})
    bump_generation(session, "leaders")
    return entry


def add_absence(session: Session, scope: Scope, code: str, body: AbsenceIn) -> Absence:
    """The cell's leader at ``from`` is away until ``to``; the backup covers meanwhile."""
    cell = current_cell(session, code)
    require_manager(scope, cell)
    now = utcnow()
    start = check_time(body.from_, "from", now, SKEW)
    end = check_time(body.to, "to", now, SKEW)
    if end <= start:
        raise InvalidInput("to is not after from", ("body", "to"))
    leader = session.scalar(
        select(RosterEntry.user_id).where(
            RosterEntry.cell_code == code,
            RosterEntry.role == roster.LEADER,
            RosterEntry.active_at(start),
        )
    )
    if leader is None:
        raise InvalidInput(f"cell {code} has no leader at {start.isoformat()}", ("body", "from"))
    absence = Absence(
        cell_code=code,
        user_id=leader,
        starts_at=start,
        ends_at=end,
        reason=body.reason,
        created_by=scope.user_id,
    )
    session.add(absence)
    session.flush()
    audit(
        session,
        scope.user_id,
        "create",
        "absence",
        absence.id,
        {"cell": code, "from": start, "to": end},
    )
    bump_generation(session, "leaders")
    return absence


def _user_json(user: User | None) -> dict[str, Any] | None:
    """An account as the roster shows it: login name and display name, never a private phone."""
    return None if user is None else {"username": user.username, "display_name": user.display_name}


def member_json(entry: RosterEntry, user: User | None, phones: dict[str, str]) -> dict[str, Any]:
    """One roster entry, with its published duty phone (its own, else the configured one)."""
    return {
        "id": entry.id,
        "cell_code": entry.cell_code,
        "role": entry.role,
        "user": _user_json(user),
        "contact_name": entry.contact_name,
        "duty_phone": roster.duty_phone(entry.role, entry.duty_phone, phones),
        "building_id": entry.building_id,
        "unit": entry.unit,
        "started_at": entry.started_at.isoformat(),
        "ended_at": entry.ended_at.isoformat() if entry.ended_at else None,
    }


def members_at(
    session: Session, codes: list[str], at: datetime
) -> list[tuple[RosterEntry, User | None]]:
    """The roster entries of cells ``codes`` in force at ``at``, in role order."""
    rows = session.execute(
        select(RosterEntry, User)
        .outerjoin(User, User.id == RosterEntry.user_id)
        .where(RosterEntry.cell_code.in_(codes), RosterEntry.active_at(at))
        .order_by(
            RosterEntry.cell_code,
            RosterEntry.building_id,
            RosterEntry.unit,
            RosterEntry.started_at,
            RosterEntry.id,
        )
    ).all()
    return sorted(
        ((e, u) for e, u in rows), key=lambda r: (r[0].cell_code, roster.role_order(r[0].role))
    )


def absence_json(session: Session, a: Absence) -> dict[str, Any]:
    """An absence with the leader away and the backup covering at its start."""
    backup = session.scalar(
        select(User)
        .join(RosterEntry, RosterEntry.user_id == User.id)
        .where(
            RosterEntry.cell_code == a.cell_code,
            RosterEntry.role == roster.BACKUP,
            RosterEntry.active_at(a.starts_at),
        )
    )
    return {
        "id": a.id,
        "cell_code": a.cell_code,
        "user": _user_json(session.get(User, a.user_id)),
        "from": a.starts_at.isoformat(),
        "to": a.ends_at.isoformat(),
        "reason": a.reason,
        "covered_by": _user_json(backup),
    }


def roster_json(
    session: Session, code: str, at: datetime, phones: dict[str, str]
) -> dict[str, Any]:
    """Cell ``code``'s roster at ``at``: members in role order and the leaders away then (of a
    cell since closed too, for a past ``at``)."""
    if session.scalar(select(Cell.id).where(Cell.code == code).limit(1)) is None:
        raise NotFound(f"no cell {code}", ("path", "code"))
    away = session.scalars(
        select(Absence).where(Absence.cell_code == code, Absence.active_at(at)).order_by(Absence.id)
    )
    return {
        "cell_code": code,
        "at": at.isoformat(),
        "members": [member_json(e, u, phones) for e, u in members_at(session, [code], at)],
        "away": [absence_json(session, a) for a in away],
    }
