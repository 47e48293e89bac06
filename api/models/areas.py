"""The administrative hierarchy and its cells (DESIGN §2): district → street → community → cell.

Cells are versioned: redrawing closes old cells (``valid_to``) instead of deleting them, so counts
for a past period use the cells valid then. ``generations`` counts changes to cells so that every
process can rebuild its point-in-cell index when (and only when) cells change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, UTCDateTime, geometry


class District(Base):
    """A district (区), keyed by its 6-digit GB/T 2260 code."""

    __tablename__ = "districts"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    geom = mapped_column(geometry("MULTIPOLYGON"), nullable=True)


class Street(Base):
    """A street office (街道), keyed by its 9-digit code."""

    __tablename__ = "streets"
    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    geom = mapped_column(geometry("MULTIPOLYGON"), nullable=True)


class Community(Base):
    """A community (社区/居委会), keyed by its 12-digit statistical division code."""

    __tablename__ = "communities"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    street_code: Mapped[str] = mapped_column(ForeignKey("streets.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    geom = mapped_column(geometry("MULTIPOLYGON"), nullable=False)


class Cell(Base):
    """One version of a grid cell (网格): community code + 3-digit sequence, valid in a period."""

    __tablename__ = "cells"
    __table_args__ = (Index("ix_cells_code_valid", "code", "valid_from"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(15))
    community_code: Mapped[str] = mapped_column(ForeignKey("communities.code"), index=True)
    households: Mapped[int] = mapped_column(Integer, default=0)
    n_buildings: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    geom = mapped_column(geometry("MULTIPOLYGON"), nullable=False)


class LeaderAssignment(Base):
    """Who leads a cell from when to when; assigning a new leader closes the previous row."""

    __tablename__ = "leader_assignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cell_code: Mapped[str] = mapped_column(String(15), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Building(Base):
    """A building footprint with its (possibly estimated) households and its cell."""

    __tablename__ = "buildings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    cell_code: Mapped[str | None] = mapped_column(String(15), nullable=True, index=True)
    community_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    households: Mapped[int] = mapped_column(Integer, default=0)
    households_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    levels: Mapped[float | None] = mapped_column(Float, nullable=True)
    geom = mapped_column(geometry("MULTIPOLYGON"), nullable=False)


class Generation(Base):
    """A change counter per dataset (``cells``): bumped in the transaction that changes it."""

    __tablename__ = "generations"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
