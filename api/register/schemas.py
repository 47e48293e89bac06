"""Request bodies of the register: shapes and types; the rules (codes, checksums, dates, scope)
are checked in the services, each as a 422 naming the field."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field, StrictInt

from api.schemas import Float, Located, Strict

Code = Field(min_length=1, max_length=32)
Short = Field(default="", max_length=20)


class TagIn(Strict):
    """A key-group membership (``grid.register.catalog.KEY_GROUPS``) from ``start`` to ``end``."""

    group: str = Field(min_length=1, max_length=32)
    start: date
    end: date | None = None


class HouseholdIn(Strict):
    """A new household in a room of a building (the room is made when it is new)."""

    id: uuid.UUID
    building_id: StrictInt = Field(ge=1)
    unit: str = Short
    floor: str = Field(default="", max_length=10)
    room: str = Short
    household_no: str = Field(default="", max_length=40)
    use: str | None = Field(default=None, max_length=16)
    moved_in: date | None = None


class HouseholdPatch(Strict):
    """Changes to a household at the version the client saw; ``moved_out`` closes it and every
    person still living in it."""

    version: StrictInt = Field(ge=1)
    household_no: str | None = Field(default=None, max_length=40)
    use: str | None = Field(default=None, max_length=16)
    moved_out: date | None = None


class PersonIn(Strict):
    """A new resident of a household."""

    id: uuid.UUID
    household_id: uuid.UUID
    name: str = Field(min_length=1, max_length=50)
    id_number: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=30)
    person_type: str = Code
    relation: str = Code
    moved_in: date | None = None
    tags: list[TagIn] = Field(default_factory=list, max_length=20)


class PersonPatch(Strict):
    """Changes to a resident at the version the client saw; ``moved_out`` closes the residence
    (nothing is deleted). A personal field sent back exactly as it was shown (masked) is kept."""

    version: StrictInt = Field(ge=1)
    name: str | None = Field(default=None, min_length=1, max_length=50)
    phone: str | None = Field(default=None, max_length=30)
    person_type: str | None = Field(default=None, min_length=1, max_length=32)
    relation: str | None = Field(default=None, min_length=1, max_length=32)
    moved_out: date | None = None
    tags: list[TagIn] | None = Field(default=None, max_length=20)


class OrganisationIn(Located):
    """A new organisation, located by its building or by a point."""

    id: uuid.UUID
    name: str = Field(min_length=1, max_length=200)
    credit_code: str | None = Field(default=None, max_length=30)
    org_type: str = Code
    address: str = Field(default="", max_length=300)
    contact: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, max_length=30)
    employees: StrictInt | None = Field(default=None, ge=0, le=1_000_000)
    building_id: StrictInt | None = Field(default=None, ge=1)
    place_id: uuid.UUID | None = None
    lon: Float | None = None
    lat: Float | None = None


class OrganisationPatch(Strict):
    """Changes to an organisation at the version the client saw."""

    version: StrictInt = Field(ge=1)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    org_type: str | None = Field(default=None, min_length=1, max_length=32)
    address: str | None = Field(default=None, max_length=300)
    contact: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, max_length=30)
    employees: StrictInt | None = Field(default=None, ge=0, le=1_000_000)
