"""Cases carried through (issue 13): hazard rectification, dispute mediation and screening,
residents' reports with their tickets, satisfaction ratings and Open311 client systems."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, UTCDateTime, utcnow


class Rectification(Base):
    """One rectification of a hazard place through the loop of ``grid.domain.rectification``."""

    __tablename__ = "rectifications"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    place_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("places.id"), index=True)
    cell_code: Mapped[str] = mapped_column(String(15), index=True)
    community_code: Mapped[str] = mapped_column(String(12), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16), index=True)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ordered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    escalated_to: Mapped[str | None] = mapped_column(String(32), nullable=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative API


class RectificationStep(Base):
    """One step of a rectification: who, when, which action, the note and the photos taken."""

    __tablename__ = "rectification_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rectification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rectifications.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_stage: Mapped[str] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[Any]] = mapped_column(JSON, default=list)


class Mediation(Base):
    """The mediation of a dispute record (``grid.domain.mediation``)."""

    __tablename__ = "mediations"
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), primary_key=True)
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    mediator_name: Mapped[str] = mapped_column(String(100), default="")
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    referred_to: Mapped[str | None] = mapped_column(String(32), nullable=True)
    agreement: Mapped[str] = mapped_column(Text, default="")
    agreement_photo: Mapped[str | None] = mapped_column(String(64), nullable=True)
    mass_incident: Mapped[bool] = mapped_column(Boolean, default=False)
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MediationSession(Base):
    """One mediation session of a dispute."""

    __tablename__ = "mediation_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Screening(Base):
    """A screening round (排查) of a cell; ``disputes_found`` 0 is "nothing found", counted."""

    __tablename__ = "screenings"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    cell_code: Mapped[str] = mapped_column(String(15), index=True)
    community_code: Mapped[str] = mapped_column(String(12), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    disputes_found: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class ResidentReport(Base):
    """A case reported by a resident (public page or Open311): its unguessable ticket, channel,
    the optional phone (personal data: encrypted with the register's field cipher, masked by
    role) and the keyed hashes the rate limits count by (the phone's blind index; the raw IP is
    never stored)."""

    __tablename__ = "resident_reports"
    ticket: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("open311_clients.id"), nullable=True)
    phone: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    phone_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    ip_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Rating(Base):
    """A satisfaction rating of a closed case: the resident's own, or an officer's call-back."""

    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    rating: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class Open311Client(Base):
    """A client system allowed to POST Open311 requests; only its key's hash is kept."""

    __tablename__ = "open311_clients"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
