"""Field-level checks of single values the tablet sends: coordinates, times, categories, photos."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from api.accounts.access import Scope, visible_photos
from api.errors import InvalidInput, Loc
from api.models import Building, Place
from grid.domain import catalog

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_INT32 = 2**31 - 1  # the largest integer id a column holds on both backends


def check_point(lon: float | None, lat: float | None, loc: Loc = ("body",)) -> tuple[float, float]:
    """(lon, lat) when both are given, finite and in WGS84 range; the error names the field and
    says when the two look swapped."""
    if lon is None or lat is None:
        missing = "lon" if lon is None else "lat"
        raise InvalidInput("a location (lon and lat) is required", (*loc, missing))
    for name, v in (("lon", lon), ("lat", lat)):
        if not math.isfinite(v):
            raise InvalidInput(f"{name} must be a finite number", (*loc, name))
    if abs(lat) > 90:
        hint = "; lon and lat look swapped" if abs(lon) <= 90 else ""
        raise InvalidInput(f"latitude {lat} is outside [-90, 90]{hint}", (*loc, "lat"))
    if abs(lon) > 180:
        raise InvalidInput(f"longitude {lon} is outside [-180, 180]", (*loc, "lon"))
    return float(lon), float(lat)


def check_time(
    value: datetime, name: str, now: datetime, max_future: timedelta, loc: Loc | None = None
) -> datetime:
    """``value`` in UTC when it is neither before 2000 nor beyond ``now + max_future`` (clock
    skew); the error is at ``loc`` (the body field ``name`` by default)."""
    where = loc or ("body", name)
    if value > now + max_future:
        raise InvalidInput(f"{name} {value.isoformat()} is in the future", where)
    if value < EARLIEST:
        raise InvalidInput(f"{name} {value.isoformat()} is before 2000", where)
    return value.astimezone(UTC)


def check_order(start: datetime | None, end: datetime | None, end_name: str) -> None:
    """Refuse an end before its start."""
    if start is not None and end is not None and end < start:
        raise InvalidInput(f"{end_name} is before the start", ("body", end_name))


def check_category(kind: str, category: str) -> None:
    """Refuse a category unknown for the record kind (grid.domain.catalog)."""
    if not catalog.is_category(kind, category):
        allowed = ", ".join(sorted(catalog.category_codes(kind)))
        raise InvalidInput(
            f"unknown {kind} category '{category}'; allowed: {allowed}", ("body", "category")
        )


def check_filter_category(kinds: Iterable[str] | None, category: str, loc: Loc) -> None:
    """Refuse a ``category`` query filter that belongs to none of ``kinds`` (any kind when None),
    so an unknown filter value is a 422 naming the parameter instead of a silent zero."""
    chosen = list(kinds) if kinds else [k.value for k in catalog.RecordKind]
    if not any(catalog.is_category(k, category) for k in chosen):
        raise InvalidInput(
            f"unknown category '{category}' for kind {', '.join(kinds or ['any'])}", loc
        )


def check_filter_code(value: str, allowed: Iterable[str], name: str, loc: Loc) -> None:
    """Refuse a query filter ``value`` not among the catalog's ``allowed`` codes."""
    codes = sorted(allowed)
    if value not in codes:
        raise InvalidInput(f"unknown {name} '{value}'; allowed: {', '.join(codes)}", loc)


def check_photos(
    session: Session, scope: Scope, hashes: list[str], loc: Loc = ("body", "photos")
) -> None:
    """Refuse photo hashes (a record's ``photos``, a place's ``attrs.photos`` at ``loc``) that
    were not uploaded first or that ``scope`` may not see (the rule of ``GET /photos/{sha256}``):
    linking one would make it readable. Both get the same answer, so a refusal does not tell
    whether someone else uploaded that image."""
    if not hashes:
        return
    with session.no_autoflush:  # a change being checked is not written to look the photos up
        visible = visible_photos(session, scope, hashes)
    for i, h in enumerate(hashes):
        if h not in visible:
            raise InvalidInput(f"photo {h} was not uploaded; POST /photos first", (*loc, i))


def check_visit(
    session: Session,
    scope: Scope,
    place_id: uuid.UUID | None,
    building_id: int | None,
    at: datetime,
    loc: Loc,
) -> Place | Building:
    """The place or building a check-in at ``loc`` names, when it is in ``scope``'s reach at
    time ``at`` (``Scope.covers_at``). An unknown id (one beyond the column's range included)
    and one out of reach get the same answer, so a refusal does not tell which ids exist."""
    target: Place | Building | None = None
    if place_id is not None:
        target = session.get(Place, place_id)
    elif building_id is not None and 0 < building_id <= MAX_INT32:
        target = session.get(Building, building_id)
    if target is None or not scope.covers_at(target.cell_code, target.community_code, at):
        field = "place_id" if place_id is not None else "building_id"
        raise InvalidInput(f"no such {field.removesuffix('_id')}", (*loc, field))
    return target
