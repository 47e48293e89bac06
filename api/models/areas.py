"""The administrative hierarchy and its cells (DESIGN §2): district → street → community → cell.

Cells are versioned: redrawing closes old cells (``valid_to``) instead of deleting them, so counts
for a past period use the cells valid then. ``generations`` counts changes to cells so that every
process can rebuild its point-in-cell index when (and only when) cells change.

Dated rows (cell versions, leader assignments) are in force on the half-open span [from, to), with
no end meaning open-ended: ``in_force`` is that rule in Python and ``Cell.valid_at`` /
``LeaderAssignment.active_at`` the same rule in SQL, so no query spells the dates out itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    and_,
    case,
    or_,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column

from api.models.base import Base, UTCDateTime, geometry


def in_force(start: datetime, end: datetime | None, at: datetime) -> bool:
    """Whether a row dated [start, end) is in force at ``at`` (no end: still in force), in Python
    for the rows held in memory (the cell cache, a scope's leader assignments)."""
    return start <= at and (end is None or at < end)


def _during_sql(
    start_col: InstrumentedAttribute[datetime],
    end_col: InstrumentedAttribute[datetime | None],
    start: datetime | None,
    end: datetime | None,
) -> ColumnElement[bool]:
    """SQL: a row's span [start_col, end_col) overlaps [start, end) (an open bound is
    unbounded)."""
    conds = []
    if end is not None:
        conds.append(start_col < end)
    if start is not None:
        conds.append(or_(end_col.is_(None), end_col > start))
    return and_(*conds) if conds else true()


def _in_force_sql(
    start: InstrumentedAttribute[datetime],
    end: InstrumentedAttribute[datetime | None],
    at: datetime,
) -> ColumnElement[bool]:
    """``in_force`` as a SQL condition on a row's start and end columns."""
    return and_(start <= at, or_(end.is_(None), end > at))


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

    @classmethod
    def valid_at(cls, at: datetime) -> ColumnElement[bool]:
        """SQL: this version of the cell is in force at ``at`` (valid_from <= at < valid_to)."""
        return _in_force_sql(cls.valid_from, cls.valid_to, at)

    @classmethod
    def valid_during(cls, start: datetime | None, end: datetime | None) -> ColumnElement[bool]:
        """SQL: this version is in force at some time in [start, end) (an open bound is
        unbounded), i.e. its span [valid_from, valid_to) overlaps the period."""
        return _during_sql(cls.valid_from, cls.valid_to, start, end)

    @classmethod
    def latest(cls) -> ColumnElement[bool]:
        """SQL: the newest version of its code (no ``valid_to`` yet): the one a redraw closes and
        an import or assignment refers to. It is the version in force now unless a redraw was
        loaded with a ``valid_from`` still in the future."""
        return cls.valid_to.is_(None)


class VerticalCell(Base):
    """One version of a vertical cell (楼栋网格): a range of entrance units or floors of a tall
    building, below its 2D cell and coded ``<cell code>-NN`` (``grid.domain.codes``); loaded,
    closed and dated with the cells."""

    __tablename__ = "vertical_cells"
    __table_args__ = (Index("ix_vertical_cells_code_valid", "code", "valid_from"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(18))
    cell_code: Mapped[str] = mapped_column(String(15), index=True)
    community_code: Mapped[str] = mapped_column(String(12), index=True)
    building: Mapped[str | None] = mapped_column(String(64), nullable=True)
    households: Mapped[int] = mapped_column(Integer, default=0)
    split: Mapped[str] = mapped_column(String(8))
    unit_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unit_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    floor_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    floor_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    others: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)

    @classmethod
    def valid_at(cls, at: datetime) -> ColumnElement[bool]:
        """SQL: this version is in force at ``at`` (valid_from <= at < valid_to)."""
        return _in_force_sql(cls.valid_from, cls.valid_to, at)

    @classmethod
    def valid_during(cls, start: datetime | None, end: datetime | None) -> ColumnElement[bool]:
        """SQL: this version is in force at some time in [start, end), as for cells."""
        return _during_sql(cls.valid_from, cls.valid_to, start, end)

    @classmethod
    def latest(cls) -> ColumnElement[bool]:
        """SQL: the newest version of its code (no ``valid_to`` yet), as for cells."""
        return cls.valid_to.is_(None)


class RosterEntry(Base):
    """One holder of a role on a cell's duty roster (一格多元, ``grid.domain.roster``) from when to
    when: an account or a named contact, per cell, building or building unit, with its own
    published duty phone when it has one. Entries are closed (``ended_at``), never deleted, so
    the roster of any past day can be read back.

    The leader role's entries ARE the leader assignments: ``LeaderAssignment`` is this table
    seen through the ``leader`` role, so there is one write path for both.
    """

    __tablename__ = "roster_entries"
    __table_args__ = (Index("ix_roster_entries_cell_role", "cell_code", "role"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: A 2D cell's code, or a vertical cell's (楼栋网格, ``<cell code>-NN``): each has its leader.
    cell_code: Mapped[str] = mapped_column(String(18), index=True)
    role: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    contact_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    duty_phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), nullable=True)
    unit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    __mapper_args__ = {
        # leader rows load as LeaderAssignment, every other role as a plain entry
        "polymorphic_on": case((role == "leader", "leader"), else_="member"),
        "polymorphic_identity": "member",
    }

    @classmethod
    def active_at(cls, at: datetime) -> ColumnElement[bool]:
        """SQL: the entry is in force at ``at`` (started_at <= at < ended_at)."""
        return _in_force_sql(cls.started_at, cls.ended_at, at)

    @classmethod
    def latest(cls) -> ColumnElement[bool]:
        """SQL: the entry not yet closed (no ``ended_at``): the one a new holder of a single
        role (leader, backup) closes."""
        return cls.ended_at.is_(None)


class LeaderAssignment(RosterEntry):
    """Who leads a cell from when to when: the roster's ``leader`` entries (assigning a new
    leader closes the previous one). Queries on it see only leader rows."""

    __mapper_args__ = {"polymorphic_identity": "leader"}

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("role", "leader")
        super().__init__(**kw)


class Absence(Base):
    """A leader away from their cell from ``starts_at`` to ``ends_at`` (leave, training): while
    it lasts the cell's backup (AB岗) holds the cell's reads and writes (``load_scope``)."""

    __tablename__ = "absences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cell_code: Mapped[str] = mapped_column(String(15), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    @classmethod
    def active_at(cls, at: datetime) -> ColumnElement[bool]:
        """SQL: the absence lasts at ``at`` (starts_at <= at < ends_at)."""
        return and_(cls.starts_at <= at, cls.ends_at > at)


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
