"""Dispute mediation and screening rounds: checked against grid.domain.mediation, scoped like
records, audited."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.accounts.audit import audit
from api.checks import check_photos, check_time
from api.errors import Conflict, InvalidInput
from api.mediation.schemas import MediationIn, ScreeningIn, SessionIn
from api.models import Cell, Mediation, MediationSession, Record, Screening, User, utcnow
from api.records.service import visible_record
from api.records.view import iso
from api.store import Store
from grid.domain import mediation as rules
from grid.domain.catalog import kinds_with

MEDIATED = frozenset(k.value for k in kinds_with("parties"))  # disputes and petitions


def _dispute(session: Session, scope: Scope, rid: uuid.UUID, write: bool) -> Record:
    """The dispute (or petition) record, visible, and in the caller's cells when writing."""
    if write:
        scope.require_write()
    rec = visible_record(session, scope, rid)
    if write:
        scope.require_cell(rec.cell_code, rec.community_code, ("path", "id"))
    if rec.kind not in MEDIATED:
        raise InvalidInput(f"{rec.kind} records are not mediated", ("path", "id"))
    return rec


def _check(session: Session, scope: Scope, body: MediationIn) -> int | None:
    """Check a mediation body against the outcome and referral tables; the mediator's id."""
    out = rules.outcome(body.outcome) if body.outcome else None
    if body.outcome and out is None:
        codes = ", ".join(o.term.code for o in rules.OUTCOMES)
        raise InvalidInput(
            f"unknown outcome '{body.outcome}'; allowed: {codes}", ("body", "outcome")
        )
    if out is not None and out.referral and body.referred_to not in rules.referral_codes():
        codes = ", ".join(sorted(rules.referral_codes()))
        raise InvalidInput(f"a referral names where: one of {codes}", ("body", "referred_to"))
    if (out is None or not out.referral) and body.referred_to is not None:
        raise InvalidInput("only a referred dispute has referred_to", ("body", "referred_to"))
    if body.mass_incident and body.headcount < 2:
        raise InvalidInput("a mass incident involves at least 2 people", ("body", "headcount"))
    if body.agreement_photo:
        check_photos(session, scope, [body.agreement_photo], ("body", "agreement_photo"))
    if body.mediator is None:
        return None
    uid = session.scalar(select(User.id).where(User.username == body.mediator, User.active))
    if uid is None:
        raise InvalidInput(f"no active user '{body.mediator}'", ("body", "mediator"))
    return int(uid)


def save_mediation(session: Session, scope: Scope, rid: uuid.UUID, body: MediationIn) -> Record:
    """Set a dispute's mediation (one per dispute); an outcome marks it ended."""
    rec = _dispute(session, scope, rid, write=True)
    mediator_id = _check(session, scope, body)
    row = session.get(Mediation, rec.id) or Mediation(record_id=rec.id)
    now = utcnow()
    values = body.model_dump(exclude={"mediator"})
    for k, v in values.items():
        setattr(row, k, v)
    row.mediator_id, row.updated_at = mediator_id, now
    row.ended_at = (row.ended_at or now) if body.outcome else None
    session.add(row)
    audit(
        session,
        scope.user_id,
        "mediation",
        "record",
        rec.id,
        {"outcome": body.outcome, "mass_incident": body.mass_incident},
    )
    session.commit()
    return rec


def add_session(
    session: Session, store: Store, scope: Scope, rid: uuid.UUID, body: SessionIn
) -> Record:
    """Record one mediation session of a dispute, once: the same user sending the same session
    (time and note) again, as the tablet's outbox does after a lost answer, adds nothing."""
    rec = _dispute(session, scope, rid, write=True)
    skew = timedelta(minutes=store.settings.max_future_minutes)
    at = check_time(body.at, "at", utcnow(), skew, ("body", "at"))
    known = session.scalar(
        select(MediationSession.id).where(
            MediationSession.record_id == rec.id,
            MediationSession.user_id == scope.user_id,
            MediationSession.at == at,
            MediationSession.note == body.note,
        )
    )
    if known is None:
        session.add(
            MediationSession(record_id=rec.id, at=at, note=body.note, user_id=scope.user_id)
        )
        session.commit()
    return rec


def mediation_json(session: Session, scope: Scope, rid: uuid.UUID) -> dict[str, Any]:
    """A dispute's mediation and sessions (empty mediation fields when none was recorded)."""
    rec = _dispute(session, scope, rid, write=False)
    row = session.get(Mediation, rec.id)
    mediator = session.get(User, row.mediator_id) if row and row.mediator_id else None
    sessions = session.scalars(
        select(MediationSession)
        .where(MediationSession.record_id == rec.id)
        .order_by(MediationSession.at, MediationSession.id)
    )
    return {
        "record_id": str(rec.id),
        "mediator": mediator.username if mediator else None,
        "mediator_name": row.mediator_name if row else "",
        "outcome": row.outcome if row else None,
        "referred_to": row.referred_to if row else None,
        "agreement": row.agreement if row else "",
        "agreement_photo": row.agreement_photo if row else None,
        "mass_incident": bool(row and row.mass_incident),
        "headcount": row.headcount if row else 0,
        "ended_at": iso(row.ended_at) if row else None,
        "sessions": [{"at": iso(s.at), "note": s.note} for s in sessions],
    }


def add_screening(
    session: Session, store: Store, scope: Scope, body: ScreeningIn
) -> tuple[Screening, bool]:
    """Record a screening round of a cell the caller works in (True), or give back the same
    round resent (False)."""
    scope.require_write()
    known = session.get(Screening, body.id)
    if known is not None:
        if known.cell_code != body.cell_code or known.user_id != scope.user_id:
            raise Conflict("this id is used by another screening round", ("body", "id"))
        return known, False
    skew = timedelta(minutes=store.settings.max_future_minutes)
    at = check_time(body.at, "at", utcnow(), skew, ("body", "at"))
    community = session.scalar(
        select(Cell.community_code).where(Cell.code == body.cell_code, Cell.valid_at(at))
    )
    if community is None:
        raise InvalidInput(f"no cell {body.cell_code} at that time", ("body", "cell_code"))
    scope.require_cell(body.cell_code, community, ("body", "cell_code"))
    row = Screening(
        id=body.id,
        cell_code=body.cell_code,
        community_code=community,
        at=at,
        disputes_found=body.disputes_found,
        note=body.note,
        user_id=scope.user_id,
    )
    session.add(row)
    audit(session, scope.user_id, "create", "screening", body.id, {"cell": body.cell_code})
    session.commit()
    return row, True


def screening_json(row: Screening) -> dict[str, Any]:
    """A screening round as the API answers it."""
    return {
        "id": str(row.id),
        "cell_code": row.cell_code,
        "community_code": row.community_code,
        "at": iso(row.at),
        "disputes_found": row.disputes_found,
        "nothing_found": row.disputes_found == 0,
        "note": row.note,
    }


def list_screenings(
    session: Session, scope: Scope, cell: str | None, start: datetime | None, end: datetime | None
) -> list[dict[str, Any]]:
    """Screening rounds the caller may see, newest first."""
    q = scope.visible(select(Screening), Screening)
    if cell:
        q = q.where(Screening.cell_code == cell)
    if start:
        q = q.where(Screening.at >= start)
    if end:
        q = q.where(Screening.at < end)
    return [screening_json(r) for r in session.scalars(q.order_by(Screening.at.desc()).limit(2000))]
