"""Visits (走访, issue 12): an officer's visit to a household, a building or a place, who was
met, the needs raised and the case each follow-up need became.

A visit is client-keyed, versioned and located like a record (``api.models.keyed.KeyedPoint``):
a tablet sends it offline and may send it again. Due dates are not stored: they are computed from
tags, the group rules and these rows (``grid.register.visits``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, UTCDateTime
from api.models.keyed import KeyedPoint


class Visit(KeyedPoint, Base):
    """One visit: exactly one target (household, building or place), its purpose, notes and
    photos; the cell is the target's at the visit's time."""

    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_cell_visited", "cell_code", "visited_at"),)
    cell_code: Mapped[str] = mapped_column(String(15))
    household_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("households.id"), nullable=True, index=True
    )
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), nullable=True)
    place_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("places.id"), nullable=True)
    purpose: Mapped[str] = mapped_column(String(32))
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[Any]] = mapped_column(JSON, default=list)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)


class VisitPerson(Base):
    """A person met on a visit (closes their due items)."""

    __tablename__ = "visit_persons"
    visit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("visits.id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("persons.id"), primary_key=True, index=True
    )


class VisitNeed(Base):
    """A need (诉求) raised on a visit, numbered from 0 in the order sent; a follow-up need may
    become a case (``record_id``)."""

    __tablename__ = "visit_needs"
    visit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("visits.id"), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    record_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("records.id"), nullable=True, unique=True
    )
