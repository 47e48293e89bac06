"""How records leave the API: JSON with allowed actions, overdue flag and personal data masked."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.access import Scope, show_person
from api.models import (
    CaseTransition,
    Checkin,
    Party,
    Record,
    RecordPhoto,
    ResidentReport,
    User,
    utcnow,
)
from api.roster.view import assignee_json
from grid.domain import caseflow
from grid.domain.residents import Channel

OFFICER = Channel.OFFICER.value  # the source of a record no resident reported


def iso(value: datetime | None) -> str | None:
    """An aware datetime as ISO 8601, or None."""
    return value.isoformat() if value is not None else None


def is_overdue(rec: Record, now: datetime) -> bool:
    """Whether an open case is past its deadline."""
    return bool(rec.deadline and rec.status and caseflow.is_open(rec.status) and rec.deadline < now)


def _people(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Parties of the given records, grouped by record."""
    out: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    if ids:
        for p in session.scalars(select(Party).where(Party.record_id.in_(ids)).order_by(Party.id)):
            assert p.record_id is not None  # the IN filter leaves out NULL (a place's parties)
            out[p.record_id].append(
                {"role": p.role, "name": p.name, "phone": p.phone, "id_number": p.id_number}
            )
    return out


def _photos(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Photo hashes of the given records, grouped by record, in hash order (a record's photos
    are a set)."""
    out: dict[uuid.UUID, list[str]] = defaultdict(list)
    if ids:
        rows = session.execute(
            select(RecordPhoto.record_id, RecordPhoto.sha256)
            .where(RecordPhoto.record_id.in_(ids))
            .order_by(RecordPhoto.sha256)
        )
        for rid, sha in rows:
            out[rid].append(sha)
    return out


def _sources(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The channel of each given record residents reported (``grid.domain.residents.Channel``);
    records missing here are officers'."""
    if not ids:
        return {}
    q = select(ResidentReport.record_id, ResidentReport.channel)
    return {rid: ch for rid, ch in session.execute(q.where(ResidentReport.record_id.in_(ids)))}


def _usernames(session: Session, user_ids: set[int]) -> dict[int, str]:
    """Usernames by id."""
    if not user_ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all())


def records_json(
    session: Session, scope: Scope, recs: list[Record], detail: bool = False
) -> list[dict[str, Any]]:
    """The JSON of several records, loading their parties, photos and authors in batch."""
    ids = [r.id for r in recs]
    parties, photos = _people(session, ids), _photos(session, ids)
    names = _usernames(session, {r.author_id for r in recs})
    channels = _sources(session, ids)
    assignees = assignee_json(session, recs)
    now = utcnow()
    out = []
    for r in recs:
        item = _item(
            scope, r, parties.get(r.id, []), photos.get(r.id, []), names.get(r.author_id), now
        )
        item["source"] = channels.get(r.id, OFFICER)
        item["assignee"] = assignees.get(r.id)
        if detail:
            item.update(_details(session, r))
        out.append(item)
    return out


def _item(
    scope: Scope,
    r: Record,
    parties: list[dict[str, Any]],
    photos: list[str],
    author: str | None,
    now: datetime,
) -> dict[str, Any]:
    """The JSON of one record from already loaded parts."""
    actions = [t.action for t in caseflow.allowed_actions(r.status, scope.role)] if r.status else []
    return {
        "id": str(r.id),
        "kind": r.kind,
        "category": r.category,
        "priority": r.priority,
        "status": r.status,
        "description": r.description,
        "occurred_at": iso(r.occurred_at),
        "lon": r.lon,
        "lat": r.lat,
        "cell_code": r.cell_code,
        "community_code": r.community_code,
        "h3": r.h3,
        "author": author,
        "created_at": iso(r.created_at),
        "updated_at": iso(r.updated_at),
        "version": r.version,
        "deadline": iso(r.deadline),
        "dispatched_at": iso(r.dispatched_at),
        "closed_at": iso(r.closed_at),
        "started_at": iso(r.started_at),
        "ended_at": iso(r.ended_at),
        "floor": r.floor,
        "unit": r.unit,
        "vertical_code": r.vertical_code,
        "overdue": is_overdue(r, now),
        "allowed_actions": actions if scope.can_write else [],
        "photos": photos,
        "parties": [show_person(scope, p, r.cell_code) for p in parties],
    }


def new_record_json(
    scope: Scope, rec: Record, parties: list[dict[str, Any]], photos: list[str]
) -> dict[str, Any]:
    """The JSON of a record just created by ``scope``, without reading back what it sent: the
    same as a later read gives (photos in hash order, times as stored)."""
    item = _item(scope, rec, parties, sorted(set(photos)), scope.username, utcnow())
    item["source"] = OFFICER
    item["assignee"] = None
    return item


def _details(session: Session, r: Record) -> dict[str, Any]:
    """The heavier parts of one record: track, check-ins and transitions."""
    track = None
    if r.track is not None:
        coords = list(to_shape(r.track).coords)
        times = r.track_times or [None] * len(coords)
        track = [[x, y, t] for (x, y), t in zip(coords, times, strict=False)]
    steps = list(
        session.scalars(
            select(CaseTransition)
            .where(CaseTransition.record_id == r.id)
            .order_by(CaseTransition.at, CaseTransition.id)
        )
    )
    names = _usernames(session, {s.user_id for s in steps})
    checkins = session.scalars(
        select(Checkin).where(Checkin.record_id == r.id).order_by(Checkin.at)
    )
    return {
        "track": track,
        "checkins": [
            {
                "place_id": str(c.place_id) if c.place_id else None,
                "building_id": c.building_id,
                "at": iso(c.at),
                "lon": c.lon,
                "lat": c.lat,
                "cell_code": c.cell_code,
            }
            for c in checkins
        ],
        "transitions": [
            {
                "action": s.action,
                "from": s.from_status,
                "to": s.to_status,
                "by": names.get(s.user_id),
                "at": iso(s.at),
                "note": s.note,
            }
            for s in steps
        ],
    }


def record_json(session: Session, scope: Scope, rec: Record, detail: bool = True) -> dict[str, Any]:
    """The JSON of one record, with its transitions when ``detail``."""
    return records_json(session, scope, [rec], detail)[0]
