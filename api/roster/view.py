"""How the assignee of a dispatched case is shown on the record."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import Record, RosterEntry, User
from grid.domain import roster


def assignee_json(session: Session, recs: list[Record]) -> dict[uuid.UUID, dict[str, Any]]:
    """The assignee of each dispatched record among ``recs``: the roster member (role, cell,
    account's display name or the contact's name) or the department, loaded in one go."""
    members = {r.assigned_member_id for r in recs if r.assigned_member_id is not None}
    users = {r.assigned_user_id for r in recs if r.assigned_user_id is not None}
    entries = (
        {e.id: e for e in session.scalars(select(RosterEntry).where(RosterEntry.id.in_(members)))}
        if members
        else {}
    )
    accounts = (
        {u.id: u for u in session.scalars(select(User).where(User.id.in_(users)))} if users else {}
    )
    out: dict[uuid.UUID, dict[str, Any]] = {}
    for r in recs:
        if r.assigned_department is not None:
            dept = roster.DEPARTMENT_CODES.get(r.assigned_department)
            out[r.id] = {
                "kind": "department",
                "department": r.assigned_department,
                "name": dept.term.zh if dept else r.assigned_department,
                "member_id": None,
                "role": None,
                "cell_code": None,
                "username": None,
            }
        elif r.assigned_member_id is not None or r.assigned_user_id is not None:
            e = entries.get(r.assigned_member_id) if r.assigned_member_id else None
            u = accounts.get(r.assigned_user_id) if r.assigned_user_id else None
            name = (u.display_name or u.username) if u else (e.contact_name if e else None)
            out[r.id] = {
                "kind": "member",
                "department": None,
                "name": name or "",
                "member_id": e.id if e else None,
                "role": e.role if e else None,
                "cell_code": e.cell_code if e else None,
                "username": u.username if u else None,
            }
    return out
