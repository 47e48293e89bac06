"""What happens where: places, records (patrols, incidents, disputes) and what hangs off them.

Records and places are located, keyed by the client's UUID and versioned: their shared columns and
rules are ``api.models.keyed``'s.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, UTCDateTime, geometry, utcnow
from api.models.keyed import KeyedPoint


class Place(KeyedPoint, Base):
    """A geolocated place officers keep track of (rental, internet café, hazard...)."""

    __tablename__ = "places"
    kind: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    risk_level: Mapped[str] = mapped_column(String(16))
    attrs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cell_code: Mapped[str] = mapped_column(String(15), index=True)
    h3: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Record(KeyedPoint, Base):
    """A patrol, incident or dispute; incidents and disputes move through the case loop."""

    __tablename__ = "records"
    __table_args__ = (Index("ix_records_cell_occurred", "cell_code", "occurred_at"),)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    category: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    cell_code: Mapped[str] = mapped_column(String(15))
    h3: Mapped[str] = mapped_column(String(16), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    track = mapped_column(geometry("LINESTRING"), nullable=True)
    track_times: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Floor and entrance unit given for a record in a tall building, and the vertical cell
    #: (楼栋网格) they put it in (``grid.partition.vertical.holding``).
    floor: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    vertical_code: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    #: Whom the case was dispatched to (the ``dispatch`` receiver): a roster member (and their
    #: account when they have one, for "dispatched to me") or a street-office department.
    assigned_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    assigned_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("roster_entries.id"), nullable=True
    )
    assigned_department: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Checkin(Base):
    """A patrol's visit to a place or a building."""

    __tablename__ = "checkins"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), index=True)
    place_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("places.id"), nullable=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    cell_code: Mapped[str | None] = mapped_column(String(15), nullable=True, index=True)


class Party(Base):
    """A person in a dispute or a tenant: personal data, masked by role on the way out."""

    __tablename__ = "parties"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("records.id"), nullable=True, index=True
    )
    place_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("places.id"), nullable=True, index=True
    )
    role: Mapped[str] = mapped_column(String(32), default="party")
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    id_number: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Photo(Base):
    """An uploaded image, stored once per content hash on disk; ``uploaded_by`` is its first
    uploader (provenance only: who may see it is ``PhotoUpload``'s, every uploader)."""

    __tablename__ = "photos"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PhotoUpload(Base):
    """One user's upload of a photo: every user who sent the same bytes has a row, so a photo
    stored once is each uploader's to read and link (``api.accounts.access.visible_photos``)."""

    __tablename__ = "photo_uploads"
    sha256: Mapped[str] = mapped_column(ForeignKey("photos.sha256"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordPhoto(Base):
    """Which photos belong to which record."""

    __tablename__ = "record_photos"
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("photos.sha256"), primary_key=True)


class CaseTransition(Base):
    """One step of the case loop: who moved the case, when, from which status to which."""

    __tablename__ = "transitions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
