"""Service centres: the one write path to add, move, change and retire them (admin and street
staff, inside their communities), each change audited.

A centre's point decides its community (``store.cells.locate``); a move re-derives it and is
checked against the caller's scope both where the centre was and where it goes. Retiring a centre
(``DELETE /analytics/centres/{id}`` or ``PATCH`` with ``"retired": true``) keeps it, with when and
by whom, out of the coverage and siting views from then on; ``PATCH`` with ``"retired": false``
puts it back in service. Coverage as of a past date uses the centres in service then.
"""

from __future__ import annotations

from typing import Any

from geoalchemy2 import WKTElement
from pydantic import Field, StrictBool, StrictInt
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.accounts.audit import audit
from api.areas.cellcache import CellCache
from api.checks import check_point
from api.errors import Forbidden, InvalidInput, NotFound
from api.models import User, utcnow
from api.models.analytics import Centre
from api.schemas import Float, Strict
from grid.analysis.coverage import CENTRE_KINDS, MAX_CAPACITY
from grid.domain.caseflow import Role

PLANNERS = (Role.ADMIN, Role.STREET)


class CentreIn(Strict):
    """A new service centre; radius and capacity default to its kind's."""

    kind: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    lon: Float
    lat: Float
    radius_m: Float | None = Field(default=None, gt=0, le=5000)
    capacity: StrictInt | None = Field(default=None, ge=0, le=MAX_CAPACITY)
    community_code: str | None = Field(default=None, pattern=r"^\d{12}$")


class CentrePatch(Strict):
    """A move (both ``lon`` and ``lat``) and/or a new name, radius or capacity."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    lon: Float | None = None
    lat: Float | None = None
    radius_m: Float | None = Field(default=None, gt=0, le=5000)
    capacity: StrictInt | None = Field(default=None, ge=0, le=MAX_CAPACITY)
    retired: StrictBool | None = Field(
        default=None, description="true retires the centre (as DELETE does), false restores it"
    )


def out(c: Centre, retired_by: str | None = None) -> dict[str, Any]:
    """A centre as the API answers it (``retired_by``: the username of who retired it)."""
    return {
        "id": c.id,
        "kind": c.kind,
        "name": c.name,
        "lon": c.lon,
        "lat": c.lat,
        "radius_m": c.radius_m,
        "capacity": c.capacity,
        "community_code": c.community_code,
        "in_service_from": c.in_service_from.isoformat() if c.in_service_from else None,
        "retired_at": c.retired_at.isoformat() if c.retired_at else None,
        "retired_by": retired_by if c.retired_at else None,
    }


def _planner(scope: Scope, verb: str) -> None:
    """Refuse roles other than admin and street staff."""
    if scope.role not in PLANNERS:
        raise Forbidden(f"role '{scope.role.value}' may not {verb} centres", ("body",))


def _name(text: str) -> str:
    """A centre's name without surrounding blanks; a blank name is refused."""
    name = text.strip()
    if not name:
        raise InvalidInput("name must not be blank", ("body", "name"))
    return name


def _place(cells: CellCache, scope: Scope, lon: float, lat: float) -> tuple[float, float, str]:
    """A checked point inside the caller's area, and the community it lies in."""
    lon, lat = check_point(lon, lat)
    where = cells.locate(lon, lat, utcnow(), ("body", "lon"))
    scope.require_cell(where.cell_code, where.community_code, ("body", "lon"))
    return lon, lat, where.community_code


def add(session: Session, cells: CellCache, scope: Scope, body: CentreIn) -> dict[str, Any]:
    """Add a centre where ``body`` says, with its kind's radius and capacity unless given."""
    _planner(scope, "add")
    if body.kind not in CENTRE_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(CENTRE_KINDS)}", ("body", "kind"))
    name = _name(body.name)
    lon, lat, community = _place(cells, scope, body.lon, body.lat)
    if body.community_code is not None and body.community_code != community:
        raise InvalidInput(
            f"the point lies in community {community}, not {body.community_code}",
            ("body", "community_code"),
        )
    spec = CENTRE_KINDS[body.kind]
    c = Centre(
        kind=body.kind,
        name=name,
        community_code=community,
        lon=lon,
        lat=lat,
        geom=WKTElement(f"POINT({lon!r} {lat!r})", srid=4326),
        radius_m=body.radius_m or spec.radius_m,
        capacity=spec.capacity if body.capacity is None else body.capacity,
        in_service_from=utcnow(),
    )
    session.add(c)
    session.flush()
    audit(session, scope.user_id, "create", "centre", c.id, _diff(c))
    session.commit()
    return out(c)


def _mine(session: Session, scope: Scope, centre_id: int, *, retired: bool = True) -> Centre:
    """The centre ``centre_id`` if it lies in the caller's communities (and is in service,
    unless ``retired`` ones are asked for too)."""
    c = session.get(Centre, centre_id)
    if (
        c is None
        or (scope.communities is not None and c.community_code not in scope.communities)
        or (not retired and c.retired_at is not None)
    ):
        what = "centre" if retired else "centre in service"
        raise NotFound(f"no {what} {centre_id} in your area", ("path", "centre_id"))
    return c


def change(
    session: Session, cells: CellCache, scope: Scope, centre_id: int, body: CentrePatch
) -> dict[str, Any]:
    """Move a centre, change its name, radius or capacity, and/or retire or restore it."""
    _planner(scope, "change")
    if (body.lon is None) != (body.lat is None):
        raise InvalidInput("a move needs both lon and lat", ("body", "lat"))
    c = _mine(session, scope, centre_id)
    if body.lon is not None and body.lat is not None:
        c.lon, c.lat, c.community_code = _place(cells, scope, body.lon, body.lat)
        c.geom = WKTElement(f"POINT({c.lon!r} {c.lat!r})", srid=4326)
    if body.name is not None:
        c.name = _name(body.name)
    if body.radius_m is not None:
        c.radius_m = body.radius_m
    if body.capacity is not None:
        c.capacity = body.capacity
    action = "update"
    if body.retired is not None and body.retired != (c.retired_at is not None):
        action = "retire" if body.retired else "restore"
        c.retired_at, c.retired_by = (utcnow(), scope.user_id) if body.retired else (None, None)
    audit(session, scope.user_id, action, "centre", c.id, _diff(c))
    session.commit()
    return out(c, _username(session, c.retired_by))


def retire(session: Session, scope: Scope, centre_id: int) -> None:
    """Take a centre in service out of service, keeping it with when and by whom (audited)."""
    _planner(scope, "retire")
    c = _mine(session, scope, centre_id, retired=False)
    c.retired_at, c.retired_by = utcnow(), scope.user_id
    audit(session, scope.user_id, "retire", "centre", c.id, _diff(c))
    session.commit()


def _username(session: Session, user_id: int | None) -> str | None:
    """The username of ``user_id`` (None for none)."""
    if user_id is None:
        return None
    return session.scalar(select(User.username).where(User.id == user_id))


def _diff(c: Centre) -> dict[str, Any]:
    """What the audit log keeps about a centre."""
    return {
        "kind": c.kind,
        "name": c.name,
        "community_code": c.community_code,
        "lon": c.lon,
        "lat": c.lat,
        "radius_m": c.radius_m,
        "capacity": c.capacity,
        "retired_at": c.retired_at.isoformat() if c.retired_at else None,
    }
