"""Loading the hierarchy, cells, buildings, places and accounts into the store.

Used by the CLI imports and the demo load. Every loader works inside the caller's session so a
whole file goes in or nothing does; cells are versioned (old ones closed, never deleted).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import geopandas as gpd
import shapely
from geoalchemy2 import WKTElement
from sqlalchemy import Integer, String, select, update
from sqlalchemy.orm import Session

from api.accounts.audit import audit, changes
from api.accounts.security import hash_password
from api.areas.cellcache import bump_generation
from api.errors import InvalidInput, Loc
from api.models import (
    Base,
    Building,
    Cell,
    Community,
    District,
    Street,
    User,
    VerticalCell,
    utcnow,
)
from grid.domain.caseflow import Role


def multipolygon(geom: shapely.Geometry) -> WKTElement:
    """A polygon or multipolygon as a WGS84 MULTIPOLYGON value."""
    if geom is None or geom.is_empty:
        raise InvalidInput("empty geometry", ("geometry",))
    if geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    if geom.geom_type != "MultiPolygon":
        raise InvalidInput(f"expected a polygon, got {geom.geom_type}", ("geometry",))
    return WKTElement(geom.wkt, srid=4326)


INT_MAX = 2**31 - 1  # PostgreSQL's INTEGER; SQLite takes more, which PostGIS would then refuse


def fits(model: type[Base], values: dict[str, Any], loc: Loc) -> dict[str, Any]:
    """``values`` when each fits its column of ``model`` on both backends: text without NUL and
    no longer than the column, integers within PostgreSQL's INTEGER; otherwise InvalidInput at
    ``loc`` naming the field (a file's bad row must be an error, not a driver's crash)."""
    columns = model.__table__.columns
    for name, value in values.items():
        column = columns.get(name)
        if column is None or value is None:
            continue
        if isinstance(value, str):
            length = column.type.length if isinstance(column.type, String) else None
            if "\x00" in value:
                raise InvalidInput(f"{name} must not contain the NUL character", loc)
            if length is not None and len(value) > length:
                raise InvalidInput(f"{name} is longer than {length} characters", loc)
        elif isinstance(column.type, Integer) and isinstance(value, int) and abs(value) > INT_MAX:
            raise InvalidInput(f"{name} {value} is too large", loc)
    return values


def count(value: object, name: str, loc: Loc) -> int:
    """A count column's value (households, buildings): 0 when blank, else a whole number
    ≥ 0 that fits an INTEGER column; InvalidInput at ``loc`` otherwise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if not (math.isfinite(number) and number.is_integer() and 0 <= number <= INT_MAX):
        raise InvalidInput(f"{name} {value!r} is not a whole number in [0, {INT_MAX}]", loc)
    return int(number)


def load_area(session: Session, level: str, rows: gpd.GeoDataFrame) -> int:
    """Insert or replace districts, streets or communities (columns: code, name, parent code)."""
    model = {"district": District, "street": Street, "community": Community}[level]
    parent = {"street": "district_code", "community": "street_code"}.get(level)
    n = 0
    for i, (_, row) in enumerate(rows.iterrows(), start=1):
        values = {
            "code": str(row["code"]),
            "name": str(row.get("name") or row["code"]),
            "geom": multipolygon(row.geometry),
        }
        if parent:
            values[parent] = (
                str(row[parent])
                if parent in row and row[parent]
                else str(row["code"])[: {"street_code": 9, "district_code": 6}[parent]]
            )
        fits(model, values, ("row", i))
        existing = session.get(model, values["code"])
        if existing is None:
            session.add(model(**values))
        else:
            for k, v in values.items():
                setattr(existing, k, v)
        n += 1
    session.flush()
    return n


def load_cells(
    session: Session, cells: gpd.GeoDataFrame, valid_from: datetime | None = None
) -> int:
    """Make ``cells`` (code, community_code, households, geometry) the current cells of their
    communities from ``valid_from``, closing the cells they replace."""
    at = valid_from or utcnow()
    communities = sorted({str(c) for c in cells["community_code"]})
    session.execute(
        update(Cell).where(Cell.community_code.in_(communities), Cell.latest()).values(valid_to=at)
    )
    for i, (_, row) in enumerate(cells.iterrows(), start=1):
        loc = ("row", i)
        values = {
            "code": str(row["code"]),
            "community_code": str(row["community_code"]),
            "households": count(row.get("households"), "households", loc),
            "n_buildings": count(row.get("n_buildings"), "n_buildings", loc),
        }
        fits(Cell, values, loc)
        session.add(Cell(**values, valid_from=at, valid_to=None, geom=multipolygon(row.geometry)))
    bump_generation(session, "cells")
    session.flush()
    return len(cells)


def _range_end(value: object) -> int | None:
    """A unit or floor number of a vertical cell: None when not known (NaN)."""
    return None if value is None or value != value else int(value)  # type: ignore[call-overload]


def load_vertical_cells(
    session: Session, vertical: Any, communities: list[str], valid_from: datetime | None = None
) -> int:
    """Make ``vertical`` (``PartitionResult.vertical``) the current vertical cells of
    ``communities`` from ``valid_from``, closing the ones they replace (as ``load_cells``)."""
    at = valid_from or utcnow()
    session.execute(update(VerticalCell).where(
        VerticalCell.community_code.in_(communities), VerticalCell.valid_to.is_(None)
    ).values(valid_to=at))
    for i, row in enumerate(vertical.itertuples(index=False), start=1):
        values = {
            "code": str(row.code), "cell_code": str(row.cell_code),
            "community_code": str(row.community_code), "building": str(row.building)[:64],
            "households": count(row.households, "households", ("row", i)),
            "split": str(row.split), "others": count(row.others, "others", ("row", i)),
            **{k: _range_end(getattr(row, k))
               for k in ("unit_from", "unit_to", "floor_from", "floor_to")},
        }
        fits(VerticalCell, values, ("row", i))
        session.add(VerticalCell(**values, valid_from=at, valid_to=None))
    session.flush()
    return len(vertical)


def load_buildings(session: Session, buildings: gpd.GeoDataFrame) -> int:
    """Insert buildings (households, households_estimated, optional cell_code, name, levels)."""
    objs = []
    for i, (_, row) in enumerate(buildings.iterrows(), start=1):
        code = row.get("cell_code")
        loc = ("row", i)
        values = {
            "source_id": str(row["id"]) if "id" in row and row["id"] is not None else None,
            "name": row.get("name") if isinstance(row.get("name"), str) else None,
            "cell_code": str(code) if isinstance(code, str) else None,
            "community_code": str(code)[:12] if isinstance(code, str) else None,
            "households": count(row.get("households"), "households", loc),
            "households_estimated": bool(row.get("households_estimated", False)),
            "levels": float(row["levels"])
            if "levels" in row and row["levels"] == row["levels"] and row["levels"] is not None
            else None,
        }
        objs.append(Building(**fits(Building, values, loc), geom=multipolygon(row.geometry)))
    session.add_all(objs)
    session.flush()
    return len(objs)


def add_user(
    session: Session,
    username: str,
    password: str,
    role: Role | str,
    *,
    display_name: str = "",
    phone: str | None = None,
    street_code: str | None = None,
) -> User:
    """Create an account with an argon2-hashed password."""
    role = Role(role)
    values = {
        "username": username,
        "display_name": display_name or username,
        "phone": phone,
        "street_code": street_code,
    }
    fits(User, values, ("user",))
    if not username.strip():
        raise InvalidInput("username must not be blank", ("username",))
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidInput(f"user '{username}' already exists", ("username",))
    _check_street(role, street_code)
    user = User(**values, password_hash=hash_password(password), role=role.value)
    session.add(user)
    session.flush()
    audit(session, None, "create", "user", user.id, {"username": username, "role": role.value})
    bump_generation(session, "users")
    return user


def _check_street(role: Role, street_code: str | None) -> None:
    """Street staff need a street office code (their scope is its communities)."""
    if role == Role.STREET and not street_code:
        raise InvalidInput("street staff need a street office code", ("street_code",))


def update_user(
    session: Session,
    username: str,
    *,
    active: bool | None = None,
    role: Role | str | None = None,
    street_code: str | None = None,
) -> User:
    """Change an account's ``active`` flag, role or street office; bumps the ``users`` counter so
    every process drops its cached scope (a disabled user's next request is refused)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise InvalidInput(f"no user '{username}'", ("username",))
    before = {"active": user.active, "role": user.role, "street_code": user.street_code}
    if active is not None:
        user.active = active
    if role is not None:
        user.role = Role(role).value
    if street_code is not None:
        user.street_code = fits(User, {"street_code": street_code}, ("user",))["street_code"]
    _check_street(Role(user.role), user.street_code)
    after = {"active": user.active, "role": user.role, "street_code": user.street_code}
    audit(session, None, "update", "user", user.id, changes(before, after))
    bump_generation(session, "users")
    session.flush()
    return user


def assign_leader(
    session: Session, cell_code: str, username: str, at: datetime | None = None
) -> None:
    """Make ``username`` the leader of ``cell_code`` (a 2D cell's code or a vertical cell's,
    楼栋网格) from ``at``, closing the previous assignment: the roster's one write path
    (``api.roster.service.add_member``, role leader)."""
    from api.roster.schemas import MemberIn
    from api.roster.service import add_member

    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise InvalidInput(f"no user '{username}'", ("user",))
    model = VerticalCell if len(cell_code) > 15 else Cell
    if session.scalar(select(model.id).where(model.code == cell_code, model.latest())) is None:
        raise InvalidInput(f"no current cell or vertical cell '{cell_code}'", ("cell",))
    add_member(session, None, cell_code, MemberIn(role="leader", user_id=user.id, started_at=at))
    session.flush()
