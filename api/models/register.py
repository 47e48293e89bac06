"""The register (一标三实, DESIGN §3b): standard addresses, rooms, households, persons with their
key-group tags, and organisations.

Personal fields are ``LargeBinary`` ciphertexts (``api.register.crypto``): never a plain name, ID
number, phone or birth date in a table. ID numbers and phones are found through their blind
indexes (``id_index``, ``phone_index``: keyed hashes). Nothing is deleted: a household or a person
moving out gets ``moved_out``, so counts for a past period stay right. Households, persons and
organisations are client-keyed and versioned like places (``api.models.keyed.Keyed``), so a tablet
can send them offline and resend them safely.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base
from api.models.keyed import Keyed


class RegisterAddress(Base):
    """A standard address (标准地址) of a building: the normalised text an import or a search
    matches (``grid.register.addresses.normalise_address``), and the text as given."""

    __tablename__ = "reg_addresses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    address: Mapped[str] = mapped_column(String(300), index=True)
    text: Mapped[str] = mapped_column(String(300), default="")


class Room(Base):
    """A room (实有房屋) of a building: entrance unit, floor, room number, its use and, where the
    room is a watched rental, the place."""

    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("building_id", "unit", "floor", "room"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    unit: Mapped[str] = mapped_column(String(20), default="")
    floor: Mapped[str] = mapped_column(String(10), default="")
    room: Mapped[str] = mapped_column(String(20), default="")
    use: Mapped[str] = mapped_column(String(16), default="own")
    place_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("places.id"), nullable=True)
    cell_code: Mapped[str | None] = mapped_column(String(15), nullable=True, index=True)
    community_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)


class Household(Keyed, Base):
    """A household (户) living in a room from ``moved_in`` until ``moved_out``."""

    __tablename__ = "households"
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    household_no: Mapped[str] = mapped_column(String(40), default="")
    cell_code: Mapped[str | None] = mapped_column(String(15), nullable=True, index=True)
    community_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    moved_in: Mapped[date | None] = mapped_column(Date, nullable=True)
    moved_out: Mapped[date | None] = mapped_column(Date, nullable=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Person(Keyed, Base):
    """A resident (实有人口) of a household; personal fields encrypted, ID number and phone
    blind-indexed."""

    __tablename__ = "persons"
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    cell_code: Mapped[str | None] = mapped_column(String(15), nullable=True, index=True)
    community_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    person_type: Mapped[str] = mapped_column(String(16))
    relation: Mapped[str] = mapped_column(String(16))
    moved_in: Mapped[date | None] = mapped_column(Date, nullable=True)
    moved_out: Mapped[date | None] = mapped_column(Date, nullable=True)
    name: Mapped[bytes] = mapped_column(LargeBinary)
    id_number: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    phone: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    birth_date: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    id_index: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    phone_index: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class PersonTag(Base):
    """A person's membership of a key group (``grid.register.catalog.KEY_GROUPS``) from ``start``
    until ``end`` (open: still a member; a group's term may end it sooner)."""

    __tablename__ = "person_tags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), index=True)
    group: Mapped[str] = mapped_column(String(32))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date, nullable=True)
    # issue 12: the day a released person re-offended (重新犯罪率), a note, and a version so
    # two offline edits of one tag do not overwrite each other
    reoffended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative form


class Organisation(Keyed, Base):
    """An organisation (实有单位) with its licence data; the contact person's name and phone are
    personal and encrypted."""

    __tablename__ = "organisations"
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    org_type: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(300), default="")
    contact: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    phone: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    employees: Mapped[int | None] = mapped_column(Integer, nullable=True)
    place_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("places.id"), nullable=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    cell_code: Mapped[str | None] = mapped_column(String(15), nullable=True, index=True)
    community_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
