"""Records: idempotent creation, versioned updates and the case loop, each audited.

Which cell and H3 a record falls in comes from grid (through the per-process CellCache); the case
loop, deadlines and roles come from grid.domain.caseflow.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from geoalchemy2 import WKTElement
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.accounts.audit import audit, audit_diff, changes
from api.areas.stacks import vertical_code_at
from api.checks import (
    check_category,
    check_order,
    check_photos,
    check_point,
    check_time,
    check_visit,
)
from api.errors import InvalidInput, NotFound
from api.models import (
    CaseTransition,
    Checkin,
    Party,
    Record,
    RecordPhoto,
    User,
    utcnow,
)
from api.models.keyed import (
    Shown,
    commit_versioned,
    content_hash,
    create_or_resend,
    point_wkt,
    resend_of,
    stale,
)
from api.records.schemas import RecordIn, RecordPatch, TransitionIn
from api.records.view import record_json
from api.roster import dispatch
from api.store import Store
from grid.domain import caseflow
from grid.domain.caseflow import Priority
from grid.domain.catalog import kind_names, kinds_with, record_rule

# The account residents' reports are written by (api.residents, migration 0005_cases).
RESIDENTS_USER = "_residents"

# The kinds that follow the case loop (grid.domain.catalog.RECORD_KIND_RULES).
CASE_KINDS = frozenset(kinds_with("case_loop"))


def utc(value: datetime | None) -> datetime | None:
    """An aware datetime in UTC, as the database gives it back (so a new record's answer and a
    resend's, read from the database, are the same)."""
    return value.astimezone(UTC) if value is not None else None


def _check_times(body: RecordIn, now: datetime, skew: timedelta) -> None:
    """Refuse impossible dates (future, before 2000, or an end before its start), the times of
    check-ins and track points included: a stored time must also be one the database holds."""
    check_time(body.occurred_at, "occurred_at", now, skew)
    for name in ("started_at", "ended_at"):
        if getattr(body, name) is not None:
            check_time(getattr(body, name), name, now, skew)
    check_order(body.started_at, body.ended_at, "ended_at")
    for i, c in enumerate(body.checkins):
        check_time(c.at, "check-in time", now, skew, ("body", "checkins", i, "at"))
    for i, (_, _, t) in enumerate(body.track or ()):
        check_time(t, "track time", now, skew, ("body", "track", i))


def _track(body: RecordIn) -> tuple[WKTElement | None, list[str] | None]:
    """The track as a LineString and its point times, each point checked; only kinds whose rule
    allows a track (patrols) carry one."""
    if not body.track:
        return None, None
    if not record_rule(body.kind).track:
        raise InvalidInput(
            f"only {kind_names(kinds_with('track'))} carry a track", ("body", "track")
        )
    least = record_rule(body.kind).min_track_points
    if len(body.track) < least:
        raise InvalidInput(f"a track needs at least {least} points", ("body", "track"))
    coords = [check_point(x, y, ("body", "track", i)) for i, (x, y, _) in enumerate(body.track)]
    times = [t for _, _, t in body.track]
    if any(b < a for a, b in zip(times, times[1:], strict=False)):
        raise InvalidInput("track times must not go backwards", ("body", "track"))
    wkt = "LINESTRING(" + ", ".join(f"{x!r} {y!r}" for x, y in coords) + ")"
    return WKTElement(wkt, srid=4326), [t.isoformat() for t in times]


def _priority(body: RecordIn) -> str | None:
    """The case priority (routine by default); kinds whose rule has no priority (patrols) have
    none."""
    if not record_rule(body.kind).priority:
        if body.priority is not None:
            raise InvalidInput(f"{kind_names([body.kind])} have no priority", ("body", "priority"))
        return None
    return (body.priority or Priority.ROUTINE).value


def _checkins(session: Session, scope: Scope, body: RecordIn, at: datetime) -> list[Checkin]:
    """Check-in rows for a record whose kind allows them (a patrol), each at a place or building
    in the caller's reach at the record's time ``at`` (``check_visit``)."""
    if body.checkins and not record_rule(body.kind).checkins:
        msg = f"only {kind_names(kinds_with('checkins'))} carry check-ins"
        raise InvalidInput(msg, ("body", "checkins"))
    rows = []
    for i, c in enumerate(body.checkins):
        loc = ("body", "checkins", i)
        if (c.place_id is None) == (c.building_id is None):
            raise InvalidInput("give exactly one of place_id and building_id", loc)
        lon, lat = check_point(c.lon, c.lat, loc)
        target = check_visit(session, scope, c.place_id, c.building_id, at, loc)
        rows.append(
            Checkin(
                record_id=body.id,
                place_id=c.place_id,
                building_id=c.building_id,
                at=c.at,
                lon=lon,
                lat=lat,
                cell_code=target.cell_code,
            )
        )
    return rows


def shown(session: Session, scope: Scope) -> Shown[Record]:
    """How ``scope`` sees records: those in its cells/communities, and those it wrote (an officer
    moved to other cells still gets their own record back when their tablet resends it), as
    ``record_json``."""
    return Shown(
        Record,
        lambda r: r.author_id == scope.user_id or dispatch.works_on(scope, r),
        lambda r: record_json(session, scope, r),
    )


def existing_record(
    session: Session, scope: Scope, record_id: uuid.UUID, digest: str
) -> Record | None:
    """The stored record for a resent id (None when the id is free), by the rule places share
    (``api.models.keyed.resend_of``): 409 on other content or a record the caller may not see."""
    return resend_of(session, shown(session, scope), record_id, digest)


def plan_record(store: Store, scope: Scope, body: RecordIn) -> dict[str, Any]:
    """Check a new record without touching the database and work out the values to store: its
    cell, community and H3 from grid (through the CellCache), status, times and content hash."""
    scope.require_write()
    digest = content_hash(body)
    now = utcnow()
    _check_times(body, now, timedelta(minutes=store.settings.max_future_minutes))
    check_category(body.kind, body.category)
    priority = _priority(body)
    track, track_times = _track(body)
    lon, lat = body.lon, body.lat
    if lon is None and lat is None and body.track:
        lon, lat = body.track[0][0], body.track[0][1]
    lon, lat = check_point(lon, lat)
    where = store.cells.locate(lon, lat, body.occurred_at, ("body", "lon"))
    scope.require_cell_at(where.cell_code, where.community_code, body.occurred_at, ("body", "lon"))
    return {
        "id": body.id,
        "kind": body.kind.value,
        "category": body.category,
        "priority": priority,
        "status": caseflow.INITIAL_STATUS.value if body.kind in CASE_KINDS else None,
        "description": body.description,
        "occurred_at": utc(body.occurred_at),
        "lon": lon,
        "lat": lat,
        "geom": point_wkt(lon, lat),
        "cell_code": where.cell_code,
        "community_code": where.community_code,
        "h3": where.h3,
        "author_id": scope.user_id,
        "created_at": now,
        "updated_at": now,
        "track": track,
        "track_times": track_times,
        "started_at": utc(body.started_at),
        "ended_at": utc(body.ended_at),
        "content_hash": digest,
    }


def create_record(
    session: Session, store: Store, scope: Scope, body: RecordIn
) -> tuple[Record, bool]:
    """Check and store a new record without a server (the demo, scripts): ``plan_record``, then
    ``insert_record``. The API stores through ``api.records.create.store_new``."""
    return insert_record(session, scope, body, plan_record(store, scope, body))


def insert_record(
    session: Session, scope: Scope, body: RecordIn, values: dict[str, Any]
) -> tuple[Record, bool]:
    """Store a planned record through the ORM with its check-ins, parties and photos (True), or
    return the same one already stored for this id (False). Every check runs before the first
    write; the heat counts follow from ``api.analytics.heatagg``'s mapper events."""
    check_photos(session, scope, body.photos)
    checkins = _checkins(session, scope, body, values["occurred_at"])
    if body.floor is not None or body.unit is not None:
        # In place: the caller answers from these values.
        values.update(
            floor=body.floor,
            unit=body.unit,
            vertical_code=vertical_code_at(
                session, values["cell_code"], values["occurred_at"], body.unit, body.floor
            ),
        )

    def write() -> Record:
        rec = Record(**values)
        session.add(rec)
        if checkins or body.parties or body.photos:
            session.flush()  # the record row first: the rows below point at it
        session.add_all(checkins)
        session.add_all(Party(record_id=body.id, **p.model_dump()) for p in body.parties)
        photos = dict.fromkeys(body.photos)
        session.add_all(RecordPhoto(record_id=body.id, sha256=h) for h in photos)
        audit(session, scope.user_id, "create", "record", body.id, audit_diff(values))
        return rec

    return create_or_resend(session, shown(session, scope), body.id, values["content_hash"], write)


def visible_record(session: Session, scope: Scope, record_id: uuid.UUID) -> Record:
    """The record if it exists and the user may see it (404 otherwise, to leak nothing)."""
    rec = session.get(Record, record_id)
    if rec is None or not dispatch.works_on(scope, rec):
        raise NotFound(f"no record {record_id}", ("path", "id"))
    return rec


def _snapshot(rec: Record) -> dict[str, Any]:
    """The patchable fields of a record, for audit diffs."""
    keys = (
        "category",
        "priority",
        "description",
        "occurred_at",
        "lon",
        "lat",
        "cell_code",
        "deadline",
        "status",
    )
    return {k: getattr(rec, k) for k in keys}


def patch_record(
    session: Session, store: Store, scope: Scope, record_id: uuid.UUID, body: RecordPatch
) -> Record:
    """Apply a versioned change to a record; a moved point is re-located and must stay in scope."""
    scope.require_write()
    rec = visible_record(session, scope, record_id)
    scope.require_cell(rec.cell_code, rec.community_code, ("path", "id"))
    stale(shown(session, scope), rec, body.version)
    before = _snapshot(rec)
    now = utcnow()
    if body.category is not None:
        check_category(rec.kind, body.category)
        rec.category = body.category
    if body.priority is not None:
        if not record_rule(rec.kind).priority:
            raise InvalidInput(f"{kind_names([rec.kind])} have no priority", ("body", "priority"))
        rec.priority = body.priority.value
        if rec.dispatched_at is not None:
            rec.deadline = caseflow.deadline(rec.dispatched_at, rec.priority)
    if body.description is not None:
        rec.description = body.description
    if body.occurred_at is not None:
        rec.occurred_at = check_time(
            body.occurred_at,
            "occurred_at",
            now,
            timedelta(minutes=store.settings.max_future_minutes),
        )
    if body.lon is not None or body.lat is not None or body.occurred_at is not None:
        lon, lat = check_point(
            body.lon if body.lon is not None else rec.lon,
            body.lat if body.lat is not None else rec.lat,
        )
        where = store.cells.locate(lon, lat, rec.occurred_at, ("body", "lon"))
        scope.require_cell(where.cell_code, where.community_code, ("body", "lon"))
        rec.lon, rec.lat, rec.geom = lon, lat, point_wkt(lon, lat)
        rec.cell_code, rec.community_code, rec.h3 = where.cell_code, where.community_code, where.h3
    if body.parties is not None:
        session.execute(delete(Party).where(Party.record_id == rec.id))
        session.add_all(Party(record_id=rec.id, **p.model_dump()) for p in body.parties)
    rec.updated_at = now
    diff = changes(before, _snapshot(rec))
    if body.parties is not None:
        diff["parties"] = ["replaced", len(body.parties)]
    audit(session, scope.user_id, "update", "record", rec.id, diff)
    commit_versioned(session, shown(session, scope), rec.id)
    return rec


def apply_transition(
    session: Session, scope: Scope, record_id: uuid.UUID, body: TransitionIn
) -> Record:
    """Move a case one step along the loop; dispatch starts the deadline clock."""
    scope.require_write()
    rec = visible_record(session, scope, record_id)
    if rec.assigned_user_id != scope.user_id:  # the assignee works the case wherever it is
        scope.require_cell(rec.cell_code, rec.community_code, ("path", "id"))
    if rec.status is None:
        raise InvalidInput("patrols do not follow the case loop", ("body", "action"))
    stale(shown(session, scope), rec, body.version)
    step = caseflow.transition(rec.status, body.action, scope.role)
    now = utcnow()
    if step.asks == caseflow.Ask.REASON and not body.note.strip():
        raise InvalidInput(f"'{step.action}' needs a reason in the note", ("body", "note"))
    assignee = dispatch.receiver_of(session, step, rec, body.receiver, now)
    if assignee is not None:
        rec.assigned_member_id = assignee.member_id
        rec.assigned_user_id = assignee.user_id
        rec.assigned_department = assignee.department
    if step.target == caseflow.CLOCK_STARTS and rec.dispatched_at is None:
        rec.dispatched_at = now
        rec.deadline = caseflow.deadline(now, rec.priority or Priority.ROUTINE)
    if caseflow.is_closed(step.target) and rec.closed_at is None:
        rec.closed_at = now
    rec.status = step.target.value
    rec.updated_at = now
    session.add(
        CaseTransition(
            record_id=rec.id,
            action=step.action,
            from_status=step.source.value,
            to_status=step.target.value,
            user_id=scope.user_id,
            at=now,
            note=body.note,
        )
    )
    audit(
        session,
        scope.user_id,
        "transition",
        "record",
        rec.id,
        {
            "action": step.action,
            "status": [step.source.value, step.target.value],
            "note": body.note,
            **({"receiver": body.receiver} if body.receiver else {}),
        },
    )
    commit_versioned(session, shown(session, scope), rec.id)
    return rec


def list_records(
    session: Session,
    scope: Scope,
    *,
    kind: str | None,
    status: str | None,
    cell: str | None,
    mine: bool,
    assigned: bool = False,
    overdue: bool,
    since: datetime | None,
    limit: int,
) -> list[Record]:
    """Records visible to the user, newest first (with ``since``: changed since, oldest change
    first), filtered as the list endpoint allows."""
    if assigned:  # dispatched to me (or to the leader I cover), wherever it is
        q = select(Record).where(dispatch.assigned_to(scope))
    else:
        q = scope.visible(select(Record), Record)
    if kind:
        q = q.where(Record.kind == kind)
    if status:
        q = q.where(Record.status == status)
    if cell:
        q = q.where(Record.cell_code == cell)
    if mine:  # what I wrote, and the residents' reports in my reach, mine to verify and handle
        residents = select(User.id).where(User.username == RESIDENTS_USER).scalar_subquery()
        q = q.where(or_(Record.author_id == scope.user_id, Record.author_id == residents))
    if overdue:
        open_ = [s.value for s in caseflow.Status if caseflow.is_open(s)]
        q = q.where(Record.deadline < utcnow(), Record.status.in_(open_))
    if since:  # incremental sync: oldest change first, so the next page starts at the last seen
        q = q.where(Record.updated_at >= since).order_by(Record.updated_at, Record.id)
    else:
        q = q.order_by(Record.occurred_at.desc())
    return list(session.scalars(q.limit(limit)))
