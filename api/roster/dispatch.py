"""Whom a case is dispatched to: a roster member of a cell of the case's community, a
street-office department (``grid.domain.roster.DEPARTMENTS``), or, as before the roster, a
leader of such a cell named by username."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from api.accounts.access import WRITERS, Scope
from api.areas.leaders import community_leaders
from api.errors import InvalidInput
from api.models import Cell, LeaderAssignment, Record, RosterEntry, User
from grid.domain import caseflow, roster
from grid.domain.caseflow import Role

LOC = ("body", "receiver")


@dataclass(frozen=True)
class Assignee:
    """Where a dispatched case goes: a roster entry and its account, or a department."""

    member_id: int | None = None
    user_id: int | None = None
    department: str | None = None


def _member(session: Session, rec: Record, entry_id: str, now: datetime) -> Assignee:
    """A roster entry in force now in a current cell of the case's community."""
    if not entry_id.isdigit() or int(entry_id) > 2**31 - 1:
        raise InvalidInput(f"'{entry_id}' is not a roster entry id", LOC)
    cells = select(Cell.code).where(Cell.community_code == rec.community_code, Cell.valid_at(now))
    row = session.execute(
        select(RosterEntry, User)
        .outerjoin(User, User.id == RosterEntry.user_id)
        .where(
            RosterEntry.id == int(entry_id),
            RosterEntry.active_at(now),
            RosterEntry.cell_code.in_(cells),
        )
    ).first()
    if row is None:
        raise InvalidInput(
            f"roster entry {entry_id} is not on a roster of community {rec.community_code} now", LOC
        )
    entry, user = row
    if user is not None and not user.active:
        raise InvalidInput(f"account {user.username} is disabled", LOC)
    if user is not None and Role(user.role) not in WRITERS:
        raise InvalidInput(f"account {user.username} is read-only and cannot handle a case", LOC)
    return Assignee(member_id=entry.id, user_id=entry.user_id)


def _leader(session: Session, rec: Record, username: str, now: datetime) -> Assignee:
    """A leader of a current cell of the case's community, by username: their leader entry."""
    user = community_leaders(session, now, rec.community_code).get(username)
    if user is None:
        raise InvalidInput(f"{username} leads no cell of community {rec.community_code}", LOC)
    cells = select(Cell.code).where(Cell.community_code == rec.community_code, Cell.valid_at(now))
    entry = session.scalars(
        select(LeaderAssignment)
        .where(
            LeaderAssignment.user_id == user.id,
            LeaderAssignment.active_at(now),
            LeaderAssignment.cell_code.in_(cells),
        )
        .order_by(LeaderAssignment.cell_code != rec.cell_code, LeaderAssignment.cell_code)
    ).first()
    return Assignee(member_id=entry.id if entry else None, user_id=user.id)


def resolve(session: Session, rec: Record, receiver: str, now: datetime) -> Assignee:
    """The assignee a ``receiver`` names (``roster:<id>``, ``dept:<code>`` or a leader's
    username); 422 at ``receiver`` for anything else."""
    if receiver.startswith(roster.RECEIVER_MEMBER):
        return _member(session, rec, receiver.removeprefix(roster.RECEIVER_MEMBER), now)
    if receiver.startswith(roster.RECEIVER_DEPARTMENT):
        code = receiver.removeprefix(roster.RECEIVER_DEPARTMENT)
        if code not in roster.DEPARTMENT_CODES:
            known = ", ".join(roster.DEPARTMENT_CODES)
            raise InvalidInput(f"unknown department '{code}'; known: {known}", LOC)
        return Assignee(department=code)
    return _leader(session, rec, receiver, now)


def receiver_of(
    session: Session, step: caseflow.Transition, rec: Record, receiver: str | None, now: datetime
) -> Assignee | None:
    """The assignee a case-loop action's receiver names (``resolve``), named only on an action
    that asks for one (dispatch)."""
    if receiver is None:
        return None
    if step.asks != caseflow.Ask.RECEIVER:
        raise InvalidInput(f"'{step.action}' takes no receiver", LOC)
    return resolve(session, rec, receiver, now)


def works_on(scope: Scope, rec: Record) -> bool:
    """Whether the user may see and work a case: in their cells, or dispatched to them (or to
    the leader whose absence they cover as the cell's backup)."""
    if scope.sees_cell(rec.cell_code, rec.community_code):
        return True
    mine = rec.assigned_user_id is not None and rec.assigned_user_id == scope.user_id
    return mine or (rec.cell_code, rec.assigned_user_id) in scope.covering


def assigned_to(scope: Scope) -> ColumnElement[bool]:
    """SQL: the case is dispatched to the user, or to a leader whose absence they cover in that
    cell."""
    covered = [and_(Record.cell_code == c, Record.assigned_user_id == u) for c, u in scope.covering]
    return or_(Record.assigned_user_id == scope.user_id, *covered)
