"""Response models of the register's operations, for the OpenAPI document (they only describe:
the answers are built by ``api.register.view`` and ``api.register.orgs``)."""

from __future__ import annotations

from api.edge.responses import Out


class TagOut(Out):
    """A key-group membership."""

    id: int | None = None
    group: str
    start: str
    end: str | None
    reoffended_on: str | None = None


class PersonOut(Out):
    """A resident as the caller may see them (``masked`` says which)."""

    id: str
    household_id: str
    building_id: int
    cell_code: str | None
    person_type: str
    relation: str
    moved_in: str | None
    moved_out: str | None
    name: str | None
    id_number: str | None
    phone: str | None
    birth_date: str | None
    masked: bool
    tags: list[TagOut] | None
    version: int


class HouseholdOut(Out):
    """A household with its room (and its persons in a building's register)."""

    id: str
    building_id: int
    room_id: int
    unit: str
    floor: str
    room: str
    use: str
    household_no: str
    cell_code: str | None
    moved_in: str | None
    moved_out: str | None
    version: int
    persons: list[PersonOut] | None


class RoomOut(Out):
    """A room and the households living in it now."""

    id: int
    room: str
    use: str
    households: list[HouseholdOut]


class FloorOut(Out):
    """A floor of an entrance unit."""

    floor: str
    rooms: list[RoomOut]


class UnitOut(Out):
    """An entrance unit."""

    unit: str
    floors: list[FloorOut]


class BuildingRegister(Out):
    """A building's register: units → floors → rooms → households → persons."""

    building_id: int
    name: str | None
    cell_code: str | None
    households: int
    persons: int
    units: list[UnitOut]


class BuildingHit(Out):
    """A building an address search found."""

    id: int
    name: str | None
    cell_code: str | None
    address: str


class SearchOut(Out):
    """What a register search found: persons (by name, ID number or phone) and buildings (by
    address)."""

    q: str
    by: str
    persons: list[PersonOut]
    buildings: list[BuildingHit]


class OrganisationOut(Out):
    """An organisation as the caller may see it (contact masked unless read with a purpose)."""

    id: str
    name: str
    credit_code: str | None
    org_type: str
    address: str
    contact: str | None
    phone: str | None
    employees: int | None
    building_id: int | None
    place_id: str | None
    lon: float | None
    lat: float | None
    cell_code: str | None
    community_code: str | None
    masked: bool
    version: int


class OrganisationList(Out):
    """Organisations the caller may see."""

    organisations: list[OrganisationOut]


class RegisterCountRow(Out):
    """The register's counts for one cell, community or street."""

    code: str
    households: int
    registered: int
    resident: int
    floating: int
    foreign: int
    residents: int
    rooms: int
    vacant_rooms: int
    rented_rooms: int


class RegisterCounts(Out):
    """Counts from the register on a day."""

    by: str
    on: str
    rows: list[RegisterCountRow]
