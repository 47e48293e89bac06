"""How a resident's report leaves the API: the public ticket (nothing about anyone else: no
officer names, no notes, no parties) and the officers' view of its source, phone and ratings."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.access import Scope, show_person
from api.accounts.audit import audit
from api.models import CaseTransition, Rating, Record, RecordPhoto, ResidentReport, User
from api.records.view import iso
from api.register.crypto import DataCipher
from api.residents.limits import PHONE_FIELD
from grid.domain import residents


def _photos(session: Session, record_id: uuid.UUID) -> list[str]:
    """The record's photo hashes, in hash order."""
    q = select(RecordPhoto.sha256).where(RecordPhoto.record_id == record_id)
    return sorted(session.scalars(q))


def ticket_json(session: Session, report: ResidentReport, rec: Record) -> dict[str, Any]:
    """What the ticket page shows: the resident's own report and where it stands, with the
    dates of each step but not who took them or their notes."""
    steps = session.execute(
        select(CaseTransition.to_status, CaseTransition.at)
        .where(CaseTransition.record_id == rec.id)
        .order_by(CaseTransition.at, CaseTransition.id)
    ).all()
    rating = session.scalar(
        select(Rating.rating).where(Rating.record_id == rec.id, Rating.source == "resident")
    )
    status = rec.status or "reported"
    return {
        "ticket": report.ticket,
        "category": rec.category,
        "description": rec.description,
        "status": status,
        "state": residents.open311_status(status),
        "cell_code": rec.cell_code,
        "created_at": iso(report.created_at),
        "updated_at": iso(rec.updated_at),
        "closed_at": iso(rec.closed_at),
        "photos": _photos(session, rec.id),
        "history": [{"status": s, "at": iso(at)} for s, at in steps],
        "can_rate": residents.may_rate(status) and rating is None,
        "rating": rating,
    }


def reporter_phone(
    session: Session, scope: Scope, rec: Record, report: ResidentReport | None, cipher: DataCipher
) -> str | None:
    """The reporter's phone, decrypted, as ``scope`` may see it; a read in full adds an audit row
    (who, which report) like the register's unmasked reads, committed here."""
    phone = cipher.decrypt(PHONE_FIELD, report.phone) if report else None
    if phone is None:
        return None
    shown: str = show_person(scope, {"phone": phone}, rec.cell_code)["phone"]
    if shown == phone:
        audit(
            session, scope.user_id, "read_personal", "resident_report", rec.id, {"field": "phone"}
        )
        session.commit()
    return shown


def ratings_json(session: Session, scope: Scope, rec: Record, cipher: DataCipher) -> dict[str, Any]:
    """A case's channel, the reporter's phone as ``scope`` may see it, and its ratings."""
    report = session.scalar(select(ResidentReport).where(ResidentReport.record_id == rec.id))
    rows = session.execute(
        select(Rating, User.username)
        .outerjoin(User, User.id == Rating.user_id)
        .where(Rating.record_id == rec.id)
        .order_by(Rating.at, Rating.id)
    ).all()
    shown = reporter_phone(session, scope, rec, report, cipher)
    return {
        "record_id": str(rec.id),
        "source": report.channel if report else residents.Channel.OFFICER.value,
        "phone": shown,
        "ratings": [
            {"source": r.source, "rating": r.rating, "at": iso(r.at), "by": name, "note": r.note}
            for r, name in rows
        ],
    }
