"""Places: idempotent creation by client UUID and versioned updates, each audited."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.accounts.access import Scope, show_attrs, unmask_attrs
from api.accounts.audit import audit, changes
from api.areas.cellcache import Location
from api.checks import check_photos, check_point
from api.edge.text_rules import clean
from api.errors import NotFound
from api.models import Place, utcnow
from api.models.keyed import (
    Shown,
    commit_versioned,
    content_hash,
    create_or_resend,
    point_wkt,
    resend_of,
    stale,
)
from api.places import loop_attrs
from api.places.attrs import check_attrs
from api.places.schemas import PlaceIn, PlacePatch
from api.records.view import iso
from api.store import Store


def place_props(p: Place, scope: Scope | None = None) -> dict[str, Any]:
    """The properties of a place as GeoJSON and JSON answers show them (to ``scope``: personal
    attributes masked by role; unmasked only for the audit trail). Stored text that could not
    be answered (a lone surrogate saved before ``api.edge.text_rules``) is shown repaired."""
    attrs = loop_attrs.shown(p.kind, clean(p.attrs))
    return {
        "id": str(p.id),
        "kind": p.kind,
        "name": p.name,
        "address": p.address,
        "risk_level": p.risk_level,
        "attrs": attrs if scope is None else show_attrs(scope, p.kind, attrs, p.cell_code),
        "cell_code": p.cell_code,
        "community_code": p.community_code,
        "h3": p.h3,
        "version": p.version,
        "updated_at": iso(p.updated_at),
    }


def place_feature(p: Place, scope: Scope) -> dict[str, Any]:
    """A place as a GeoJSON Feature, as ``scope`` may see it."""
    return {
        "type": "Feature",
        "id": str(p.id),
        "properties": place_props(p, scope),
        "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
    }


def shown(scope: Scope) -> Shown[Place]:
    """How ``scope`` sees places: those in its cells/communities, and those it made (its tablet's
    resend after a move to other cells gets its own place back), as GeoJSON features."""
    return Shown(
        Place,
        lambda p: p.author_id == scope.user_id or scope.sees_cell(p.cell_code, p.community_code),
        lambda p: place_feature(p, scope),
    )


def place_row(
    body: PlaceIn, attrs: dict[str, Any], where: Location, author: int, now: datetime
) -> Place:
    """The row of a new place: one builder for the API and the file import, so both store the
    same columns and content hash (a tablet resending an imported place is answered as a
    resend)."""
    return Place(
        id=body.id,
        kind=body.kind.value,
        name=body.name,
        address=body.address,
        risk_level=body.risk_level.value,
        attrs=attrs,
        lon=body.lon,
        lat=body.lat,
        geom=point_wkt(body.lon, body.lat),
        cell_code=where.cell_code,
        community_code=where.community_code,
        h3=where.h3,
        author_id=author,
        created_at=now,
        updated_at=now,
        content_hash=content_hash(body),
    )


def create_place(session: Session, store: Store, scope: Scope, body: PlaceIn) -> tuple[Place, bool]:
    """Store a new place (True) or return the identical one stored before (False)."""
    scope.require_write()
    digest = content_hash(body)
    # a resend is answered before the checks, so a place stored before a rule changed still
    # answers its resend; the same rule as records (``api.models.keyed.resend_of``)
    found = resend_of(session, shown(scope), body.id, digest)
    if found is not None:
        return found, False
    lon, lat = check_point(body.lon, body.lat)
    attrs = check_attrs(body.kind, body.attrs)
    check_photos(session, scope, attrs.get("photos", []), ("body", "attrs", "photos"))
    where = store.cells.locate(lon, lat, utcnow(), ("body", "lon"))
    scope.require_cell(where.cell_code, where.community_code, ("body", "lon"))
    p = place_row(body, attrs, where, scope.user_id, utcnow())

    def write() -> Place:
        session.add(p)
        diff = {"kind": p.kind, "name": p.name, "cell_code": p.cell_code}
        audit(session, scope.user_id, "create", "place", body.id, diff)
        return p

    return create_or_resend(session, shown(scope), body.id, digest, write)


def visible_place(session: Session, scope: Scope, place_id: uuid.UUID) -> Place:
    """The place if it exists and the user may see it."""
    p = session.get(Place, place_id)
    if p is None or not scope.sees_cell(p.cell_code, p.community_code):
        raise NotFound(f"no place {place_id}", ("path", "id"))
    return p


def patch_place(
    session: Session, store: Store, scope: Scope, place_id: uuid.UUID, body: PlacePatch
) -> Place:
    """Apply a versioned change to a place; a moved place is re-located and must stay in scope."""
    scope.require_write()
    p = visible_place(session, scope, place_id)
    scope.require_cell(p.cell_code, p.community_code, ("path", "id"))
    stale(shown(scope), p, body.version)
    before = place_props(p) | {"lon": p.lon, "lat": p.lat}
    for field in ("name", "address"):
        if getattr(body, field) is not None:
            setattr(p, field, getattr(body, field))
    if body.risk_level is not None:
        p.risk_level = body.risk_level.value
    if body.attrs is not None:
        sent = unmask_attrs(scope, p.kind, body.attrs, p.attrs, p.cell_code)
        sent = loop_attrs.keep_loop_attrs(session, p, sent)
        p.attrs = check_attrs(p.kind, sent)
        check_photos(session, scope, p.attrs.get("photos", []), ("body", "attrs", "photos"))
    if body.lon is not None or body.lat is not None:
        lon, lat = check_point(
            body.lon if body.lon is not None else p.lon, body.lat if body.lat is not None else p.lat
        )
        where = store.cells.locate(lon, lat, utcnow(), ("body", "lon"))
        scope.require_cell(where.cell_code, where.community_code, ("body", "lon"))
        p.lon, p.lat, p.geom = lon, lat, point_wkt(lon, lat)
        p.cell_code, p.community_code, p.h3 = where.cell_code, where.community_code, where.h3
    p.updated_at = utcnow()
    after = place_props(p) | {"lon": p.lon, "lat": p.lat}
    diff = changes(before, after)
    diff.pop("updated_at", None)
    audit(session, scope.user_id, "update", "place", p.id, diff)
    commit_versioned(session, shown(scope), place_id)
    return p


def list_places(
    session: Session,
    scope: Scope,
    *,
    cell: str | None,
    kind: str | None,
    bbox: tuple[float, float, float, float] | None,
    limit: int,
) -> list[Place]:
    """Places visible to the user, filtered by cell, kind and bounding box."""
    q = scope.visible(select(Place), Place)
    if cell:
        q = q.where(Place.cell_code == cell)
    if kind:
        q = q.where(Place.kind == kind)
    if bbox:
        q = q.where(
            Place.lon >= bbox[0], Place.lat >= bbox[1], Place.lon <= bbox[2], Place.lat <= bbox[3]
        )
    return list(session.scalars(q.order_by(Place.name).limit(limit)))


def count_places(session: Session) -> int:
    """How many places are stored."""
    return session.scalar(select(func.count()).select_from(Place)) or 0
