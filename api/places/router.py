"""Places: GeoJSON list, create (idempotent by client UUID) and versioned patch."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.dependencies import BBoxDep, Limit, ScopeDep, SessionDep, StoreDep
from api.edge.responses import (
    SIGNED_IN,
    WRITE,
    FeatureCollection,
    PlaceFeature,
    PlaceProps,
    answers,
)
from api.places import service
from api.places.schemas import PlaceIn, PlacePatch
from grid.domain.catalog import PlaceKind

router = APIRouter(tags=["places"])


@router.get(
    "/places", response_model=None, responses=answers(FeatureCollection[PlaceProps], *SIGNED_IN)
)
def list_(
    scope: ScopeDep,
    session: SessionDep,
    bbox: BBoxDep,
    cell: str | None = None,
    kind: PlaceKind | None = None,
    limit: Limit = 5000,
) -> dict[str, Any]:
    """Places the user may see, as GeoJSON."""
    rows = service.list_places(session, scope, cell=cell, kind=kind, bbox=bbox, limit=limit)
    return {
        "type": "FeatureCollection",
        "features": [service.place_feature(p, scope) for p in rows],
    }


@router.post(
    "/places",
    status_code=201,
    response_model=None,
    responses=answers(PlaceFeature, *WRITE, status=201, also=(200,)),
)
def create(body: PlaceIn, scope: ScopeDep, session: SessionDep, store: StoreDep) -> JSONResponse:
    """Store a place; the same id and content again answers 200 with the stored place."""
    place, created = service.create_place(session, store, scope, body)
    return JSONResponse(service.place_feature(place, scope), status_code=201 if created else 200)


@router.patch("/places/{id}", response_model=None, responses=answers(PlaceFeature, *WRITE, 404))
def patch(
    id: uuid.UUID, body: PlacePatch, scope: ScopeDep, session: SessionDep, store: StoreDep
) -> dict[str, Any]:
    """Change a place at the version the client saw (409 with the current one when stale)."""
    return service.place_feature(service.patch_place(session, store, scope, id, body), scope)
