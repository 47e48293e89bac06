"""The register over HTTP: a building's register, households and persons (client-keyed,
versioned), search, organisations and the admin's audited export of personal data."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse, Response

from api.checks import MAX_INT32
from api.dependencies import ScopeDep, SessionDep, StoreDep
from api.edge.responses import SIGNED_IN, WRITE, answers
from api.register import counts, export, orgs, people, rules, search
from api.register.crypto import DataCipher, cipher_for
from api.register.responses import (
    BuildingRegister,
    HouseholdOut,
    OrganisationList,
    OrganisationOut,
    PersonOut,
    RegisterCounts,
    SearchOut,
)
from api.register.schemas import (
    HouseholdIn,
    HouseholdPatch,
    OrganisationIn,
    OrganisationPatch,
    PersonIn,
    PersonPatch,
)
from api.register.view import Reader, building_register

router = APIRouter(tags=["register"])

#: A building's id as the database holds it (a 32-bit integer on both backends): larger is a 422.
BuildingId = Annotated[int, Path(ge=1, le=MAX_INT32)]
Purpose = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="why personal data is read in full; without it every value is masked, "
        "with it each person shown in full is audited",
    ),
]


async def get_cipher(store: StoreDep) -> DataCipher:
    """The data cipher of the store's settings."""
    return cipher_for(store.settings)


CipherDep = Annotated[DataCipher, Depends(get_cipher)]


@router.get(
    "/buildings/{id}/register",
    response_model=None,
    responses=answers(BuildingRegister, *SIGNED_IN, 404),
)
def building(
    id: BuildingId, scope: ScopeDep, session: SessionDep, cipher: CipherDep, purpose: Purpose = None
) -> dict[str, Any]:
    """A building's units, floors, rooms, and the households and persons living there now."""
    reader = Reader(session, scope, cipher, purpose)
    out = building_register(reader, id)
    reader.finish()
    return out


def _household(reader: Reader, h: Any) -> dict[str, Any]:
    """A household as answered after a write (its persons are read separately)."""
    return people.household_view(reader).show(h)


@router.post(
    "/households",
    status_code=201,
    response_model=None,
    responses=answers(HouseholdOut, *WRITE, 404, status=201, also=(200,)),
)
def create_household(
    body: HouseholdIn, scope: ScopeDep, session: SessionDep, cipher: CipherDep
) -> JSONResponse:
    """Register a household in a room of a building (the same id and content again: 200)."""
    reader = Reader(session, scope, cipher)
    h, created = people.create_household(reader, body)
    return JSONResponse(_household(reader, h), status_code=201 if created else 200)


@router.patch("/households/{id}", response_model=None, responses=answers(HouseholdOut, *WRITE, 404))
def patch_household(
    id: uuid.UUID, body: HouseholdPatch, scope: ScopeDep, session: SessionDep, cipher: CipherDep
) -> dict[str, Any]:
    """Change a household; ``moved_out`` closes it and its persons."""
    reader = Reader(session, scope, cipher)
    return _household(reader, people.patch_household(reader, id, body))


@router.post(
    "/persons",
    status_code=201,
    response_model=None,
    responses=answers(PersonOut, *WRITE, status=201, also=(200,)),
)
def create_person(
    body: PersonIn, scope: ScopeDep, session: SessionDep, cipher: CipherDep
) -> JSONResponse:
    """Register a resident of a household (answered masked; the same id and content: 200)."""
    reader = Reader(session, scope, cipher)
    p, created = people.create_person(reader, cipher, body)
    return JSONResponse(reader.persons([p])[0], status_code=201 if created else 200)


@router.get("/persons/{id}", response_model=None, responses=answers(PersonOut, *SIGNED_IN, 404))
def get_person(
    id: uuid.UUID, scope: ScopeDep, session: SessionDep, cipher: CipherDep, purpose: Purpose = None
) -> dict[str, Any]:
    """One resident, masked unless read with a purpose by a role that may (audited)."""
    reader = Reader(session, scope, cipher, purpose)
    out = reader.persons([people.visible_person(reader, id)])[0]
    reader.finish()
    return out


@router.patch("/persons/{id}", response_model=None, responses=answers(PersonOut, *WRITE, 404))
def patch_person(
    id: uuid.UUID, body: PersonPatch, scope: ScopeDep, session: SessionDep, cipher: CipherDep
) -> dict[str, Any]:
    """Change a resident; ``moved_out`` closes the residence."""
    reader = Reader(session, scope, cipher)
    return reader.persons([people.patch_person(reader, cipher, id, body)])[0]


@router.get("/register/search", response_model=None, responses=answers(SearchOut, *SIGNED_IN))
def search_(
    scope: ScopeDep,
    session: SessionDep,
    cipher: CipherDep,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    purpose: Purpose = None,
) -> dict[str, Any]:
    """Persons by exact ID number or phone (blind index), by name within the caller's scope,
    and buildings by address."""
    reader = Reader(session, scope, cipher, purpose)
    out = search.search(reader, q)
    reader.finish()
    return out


@router.get("/organisations", response_model=None, responses=answers(OrganisationList, *SIGNED_IN))
def list_organisations(
    scope: ScopeDep,
    session: SessionDep,
    cipher: CipherDep,
    cell: Annotated[str | None, Query(max_length=15)] = None,
    purpose: Purpose = None,
) -> dict[str, Any]:
    """Organisations the caller may see (contacts masked unless read with a purpose)."""
    reader = Reader(session, scope, cipher, purpose)
    out = {"organisations": orgs.list_organisations(reader, cell)}
    reader.finish()
    return out


@router.post(
    "/organisations",
    status_code=201,
    response_model=None,
    responses=answers(OrganisationOut, *WRITE, status=201, also=(200,)),
)
def create_organisation(
    body: OrganisationIn, scope: ScopeDep, session: SessionDep, store: StoreDep, cipher: CipherDep
) -> JSONResponse:
    """Register an organisation (the same id and content again: 200)."""
    reader = Reader(session, scope, cipher)
    o, created = orgs.create_organisation(reader, store, body)
    return JSONResponse(orgs.organisation_json(reader, o), status_code=201 if created else 200)


@router.patch(
    "/organisations/{id}", response_model=None, responses=answers(OrganisationOut, *WRITE, 404)
)
def patch_organisation(
    id: uuid.UUID,
    body: OrganisationPatch,
    scope: ScopeDep,
    session: SessionDep,
    cipher: CipherDep,
) -> dict[str, Any]:
    """Change an organisation at the version the client saw."""
    reader = Reader(session, scope, cipher)
    return orgs.organisation_json(reader, orgs.patch_organisation(reader, id, body))


@router.get("/stats/register", response_model=None, responses=answers(RegisterCounts, *SIGNED_IN))
def stats(
    scope: ScopeDep,
    session: SessionDep,
    by: Annotated[str, Query(pattern="^(cell|community|street)$")] = "cell",
    on: Annotated[date | None, Query(description="the day counted (default today)")] = None,
) -> dict[str, Any]:
    """Registered households, residents by type, floating population, vacant and rented rooms
    per cell, community or street on a day, within the caller's scope."""
    day = rules.check_day(on, ("query", "on")) or rules.today()
    return {
        "by": by,
        "on": day.isoformat(),
        "rows": counts.register_counts(session, scope, by, day),
    }


@router.get(
    "/register/export",
    response_model=None,
    responses=answers(
        None,
        *SIGNED_IN,
        403,
        media={"text/csv": {}, export.XLSX: {}},
    ),
)
def export_(
    scope: ScopeDep,
    session: SessionDep,
    cipher: CipherDep,
    purpose: Annotated[str, Query(min_length=1, max_length=200)],
    format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv",
) -> Response:
    """Every resident living in the district now, in full: admin only, audited."""
    return export.export_register(session, scope, cipher, purpose, format)
