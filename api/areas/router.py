"""Cells as GeoJSON (valid at a moment), point location, and buildings."""

from __future__ import annotations

from typing import Annotated, Any

import shapely
from fastapi import APIRouter, Query
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from sqlalchemy import select

from api.accounts.access import Scope, mask_phone
from api.areas.leaders import leaders_at
from api.areas.stacks import holding_rows, record_counts, stack_at
from api.checks import check_point
from api.dependencies import BBoxDep, Limit, ScopeDep, SessionDep, StoreDep
from api.edge.responses import (
    SIGNED_IN,
    BuildingProps,
    CellProps,
    FeatureCollection,
    Location,
    VerticalCellProps,
    answers,
)
from api.models import Building, Cell, User, utcnow
from api.periods import Moment
from grid.domain.caseflow import Role

router = APIRouter(tags=["cells"])


def _leader_json(scope: Scope, user: User | None) -> dict[str, Any] | None:
    """A cell's leader; the phone in full only for staff and the leader themselves."""
    if user is None:
        return None
    full = scope.role in (Role.ADMIN, Role.STREET) or user.id == scope.user_id
    return {
        "username": user.username,
        "display_name": user.display_name,
        "phone": user.phone if full else mask_phone(user.phone),
    }


@router.get(
    "/cells", response_model=None, responses=answers(FeatureCollection[CellProps], *SIGNED_IN)
)
def cells(
    scope: ScopeDep,
    session: SessionDep,
    bbox: BBoxDep,
    community: str | None = None,
    at: Moment | None = None,
) -> dict[str, Any]:
    """The cells valid at ``at`` (default now) that the user may see, as GeoJSON."""
    at = at or utcnow()
    q = select(Cell).where(Cell.valid_at(at))
    if community:
        q = q.where(Cell.community_code == community)
    if scope.communities is not None:
        q = q.where(Cell.community_code.in_(scope.communities))
    rows = list(session.scalars(q.order_by(Cell.code)))
    geoms = [to_shape(c.geom) for c in rows]
    if bbox:
        box = shapely.box(*bbox)
        keep = [i for i, g in enumerate(geoms) if g.intersects(box)]
        rows, geoms = [rows[i] for i in keep], [geoms[i] for i in keep]
    leaders = leaders_at(session, at, [c.code for c in rows])
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": c.code,
                "geometry": mapping(g),
                "properties": {
                    "code": c.code,
                    "community_code": c.community_code,
                    "households": c.households,
                    "valid_from": c.valid_from.isoformat(),
                    "valid_to": c.valid_to.isoformat() if c.valid_to else None,
                    "leader": _leader_json(scope, leaders.get(c.code)),
                },
            }
            for c, g in zip(rows, geoms, strict=True)
        ],
    }


@router.get("/cells/{code}/stack", response_model=None,
            responses=answers(list[VerticalCellProps], *SIGNED_IN))
def stack(
    scope: ScopeDep, session: SessionDep, code: str, at: Moment | None = None,
    floor: Annotated[int | None, Query(ge=-10, le=300)] = None,
    unit: Annotated[int | None, Query(ge=1, le=99)] = None,
) -> list[dict[str, Any]]:
    """The vertical cells (楼栋网格) below cell ``code`` valid at ``at`` (default now), lowest
    unit and floor first, or only those holding ``floor`` and ``unit`` when asked (the rule
    ``grid.partition.vertical.holding``), each with its count of records; empty for a cell
    without a tall building or out of the user's sight."""
    at = at or utcnow()
    if not scope.sees_cell(code, code[:12]):
        return []
    rows = holding_rows(stack_at(session, code, at), unit, floor)
    counts = record_counts(session, [v.code for v in rows])
    cols = ("code", "cell_code", "building", "households", "split", "unit_from", "unit_to",
            "floor_from", "floor_to", "others")
    return [{**{c: getattr(v, c) for c in cols}, "records": counts.get(v.code, 0)} for v in rows]


@router.get("/cells/locate", response_model=None, responses=answers(Location, *SIGNED_IN))
def locate(
    scope: ScopeDep,
    store: StoreDep,
    lon: Annotated[float, Query()],
    lat: Annotated[float, Query()],
) -> dict[str, str]:
    """The cell and community containing a point now; 422 outside every cell."""
    lon, lat = check_point(lon, lat, ("query",))
    where = store.cells.locate(lon, lat, utcnow(), ("query", "lon"))
    return {"cell_code": where.cell_code, "community_code": where.community_code, "h3": where.h3}


@router.get(
    "/buildings",
    response_model=None,
    responses=answers(FeatureCollection[BuildingProps], *SIGNED_IN),
)
def buildings(
    scope: ScopeDep,
    session: SessionDep,
    bbox: BBoxDep,
    cell: str | None = None,
    limit: Limit = 5000,
) -> dict[str, Any]:
    """Buildings the user may see, as GeoJSON."""
    q = select(Building)
    if cell:
        q = q.where(Building.cell_code == cell)
    q = scope.visible(q, Building)
    feats = []
    box = shapely.box(*bbox) if bbox else None
    for b in session.scalars(q.order_by(Building.id)):
        g = to_shape(b.geom)
        if box is not None and not g.intersects(box):
            continue
        feats.append(
            {
                "type": "Feature",
                "id": b.id,
                "geometry": mapping(g),
                "properties": {
                    "id": b.id,
                    "cell_code": b.cell_code,
                    "households": b.households,
                    "households_estimated": b.households_estimated,
                    "name": b.name,
                },
            }
        )
        if len(feats) >= limit:
            break
    return {"type": "FeatureCollection", "features": feats}
