"""Reading visits (the 民情日志: an officer's visits of a local day) and turning a visit's
follow-up need into a case."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.errors import InvalidInput, NotFound
from api.models import Record, User
from api.models.visits import Visit, VisitNeed
from api.periods import ZONE, Period
from api.records.schemas import RecordIn
from api.records.service import create_record
from api.records.view import record_json
from api.store import Store
from api.visits.service import visits_json
from grid.register.visits import purpose

MAX_LISTED = 2000  # the most visits one answer lists (newest first)


def list_visits(
    s: Session,
    scope: Scope,
    user: str | None,
    day: date | None,
    cell: str | None,
    period: Period,
) -> list[dict[str, Any]]:
    """Visits the caller may see, newest first: of ``user``, on local ``day``, in ``cell``,
    within ``period``."""
    q = scope.visible(select(Visit), Visit)
    if user is not None:
        uid = s.scalar(select(User.id).where(User.username == user))
        if uid is None:
            raise InvalidInput(f"no user {user}", ("query", "user"))
        q = q.where(Visit.author_id == uid)
    if day is not None:
        start = datetime.combine(day, time(), ZONE)
        q = q.where(Visit.visited_at >= start, Visit.visited_at < start + timedelta(days=1))
    if cell is not None:
        q = q.where(Visit.cell_code == cell)
    if period.start is not None:
        q = q.where(Visit.visited_at >= period.start)
    if period.end is not None:
        q = q.where(Visit.visited_at < period.end)
    rows = list(s.scalars(q.order_by(Visit.visited_at.desc(), Visit.id).limit(MAX_LISTED)))
    return visits_json(s, scope, rows)


def visible_visit(s: Session, scope: Scope, visit_id: uuid.UUID) -> Visit:
    """The visit when it exists and the caller may see it (404 otherwise)."""
    v = s.get(Visit, visit_id)
    if v is None or not (
        v.author_id == scope.user_id or scope.sees_cell(v.cell_code, v.community_code)
    ):
        raise NotFound(f"no visit {visit_id}", ("path", "id"))
    return v


def need_case(
    s: Session, store: Store, scope: Scope, visit_id: uuid.UUID, n: int
) -> tuple[dict[str, Any], bool]:
    """Turn follow-up need ``n`` of a visit into a case (a record of the kind and category the
    visit's purpose names, at the visit's point and time) linked to the need (True); asked again,
    the same case (False). The record's id is derived from the visit and the need, so a resend
    that lost its answer stores nothing twice."""
    scope.require_write()
    v = visible_visit(s, scope, visit_id)
    need = s.get(VisitNeed, (v.id, n)) if 0 <= n < 1000 else None
    if need is None:
        raise NotFound(f"no need {n} on visit {visit_id}", ("path", "n"))
    if not need.follow_up:
        raise InvalidInput("only a need marked follow_up becomes a case", ("path", "n"))
    if need.record_id is not None:
        rec = s.get_one(Record, need.record_id)
        return record_json(s, scope, rec), False
    kind, category = purpose(v.purpose).case
    body = RecordIn(
        id=uuid.uuid5(v.id, f"need/{n}"),
        kind=kind,
        category=category,
        description=need.text,
        occurred_at=v.visited_at,
        lon=v.lon,
        lat=v.lat,
    )
    rec, _ = create_record(s, store, scope, body)
    need = s.get_one(VisitNeed, (v.id, n))
    need.record_id = rec.id
    s.commit()
    return record_json(s, scope, rec), True
