"""File imports and exports for the CLI: grid.input.io reads the file, loaders write it in one
go."""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from geoalchemy2.shape import to_shape
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.analytics.seed import load_roads
from api.db import session_scope
from api.errors import InvalidInput
from api.io.exports import Format, Layer, encode, layer_frame
from api.io.loaders import load_area, load_buildings, load_cells
from api.models import Cell, Community, District, Place, Street, User, utcnow
from api.periods import Period
from api.places.attrs import check_attrs
from api.places.schemas import PlaceIn
from api.places.service import place_row
from api.store import Store, open_store
from grid.analysis.assign import assign_cells
from grid.domain.caseflow import Role
from grid.domain.catalog import PlaceKind, place_attrs
from grid.domain.codes import code_texts, parent_codes
from grid.input.communities import check_community_layer
from grid.input.households import estimate_households
from grid.input.io import read_layer
from grid.input.tiling import check_tiling
from grid.input.validate import check_coordinates, check_polygons


def _codes_as_text(gdf: gpd.GeoDataFrame, parent: str, digits: int) -> gpd.GeoDataFrame:
    """``gdf`` with ``code`` and ``parent`` read as codes (``grid.domain.codes.code_texts``: stray
    spaces dropped, blanks missing); a missing parent code is the first ``digits`` of the code."""
    codes = code_texts(gdf["code"])
    given = (
        code_texts(gdf[parent]) if parent in gdf.columns else np.full(len(gdf), None, dtype=object)
    )
    return gdf.assign(code=codes, **{parent: parent_codes(codes, given, digits)})


def _require(gdf: gpd.GeoDataFrame, cols: tuple[str, ...]) -> None:
    """Refuse a file missing a needed field, naming it and the fields it has."""
    for col in cols:
        if col not in gdf.columns:
            have = ", ".join(c for c in gdf.columns if c != gdf.geometry.name)
            raise InvalidInput(f"missing field '{col}'; fields are {have}", ("field", col))


def _parents(session, communities: gpd.GeoDataFrame) -> None:  # noqa: ANN001
    """Create placeholder streets and districts for community codes whose parents are unknown."""
    for code in sorted({str(c)[:9] for c in communities["code"]}):
        if session.get(District, code[:6]) is None:
            session.add(District(code=code[:6], name=code[:6]))
        if session.get(Street, code) is None:
            session.add(Street(code=code, district_code=code[:6], name=code))
    session.flush()


def _stored_areas(
    session: Session, model: type[Street] | type[Community], *where: Any
) -> gpd.GeoDataFrame:
    """The stored streets or communities (code, geometry) that have a polygon and match
    ``where``, for checking a file against them."""
    rows = session.execute(
        select(model.code, model.geom).where(model.geom.is_not(None), *where)
    ).all()
    return gpd.GeoDataFrame(
        {"code": [code for code, _ in rows]},
        geometry=[to_shape(geom) for _, geom in rows],
        crs=4326,
    )


def _stored_communities(session: Session, codes: pd.Series) -> gpd.GeoDataFrame:
    """The stored communities among ``codes`` (code, geometry), for checking cells against them;
    codes not stored are simply absent, so the check reports them as unknown."""
    wanted = sorted({str(c) for c in codes.dropna()})
    return _stored_areas(session, Community, Community.code.in_(wanted))


def _check_communities(session: Session, gdf: gpd.GeoDataFrame, source: str) -> None:
    """Refuse a community file that is not sound on its own, reaches outside its stored
    streets, or overlaps the communities that will exist after it is loaded: ``load_area``
    replaces stored communities by code, so those are the stored ones with codes not in the
    file."""
    replaced = {str(c) for c in gdf["code"]}  # as load_area keys them
    stored = _stored_areas(session, Community)
    check_community_layer(
        gdf,
        streets=_stored_areas(session, Street),
        others=stored[~stored["code"].isin(replaced)],
        source=source,
    )


def _row_attrs(row: Any, kind: PlaceKind) -> dict[str, Any]:
    """The kind's attributes found as columns of ``row`` (blank cells left out)."""
    out = {}
    for code in place_attrs(kind):
        v = getattr(row, code, None)
        if v is None or (isinstance(v, float) and math.isnan(v)) or v == "":
            continue
        out[code] = v.item() if hasattr(v, "item") else v
    return out


def _place(row: Any, i: int, source: str) -> PlaceIn:
    """Row ``i`` of a places file as the API's ``PlaceIn``, so a file's places pass the same
    checks as the API's (kind, risk level, text, id, point); InvalidInput naming the row."""
    geom = row.geometry
    if geom is None or geom.is_empty or geom.geom_type != "Point":
        raise InvalidInput("places must be points", ("row", i))
    try:
        kind: PlaceKind | None = PlaceKind(row.kind)
    except ValueError:
        kind = None  # PlaceIn names it below
    pid = getattr(row, "id", None)
    if pid is None or (isinstance(pid, float) and math.isnan(pid)) or pid == "":
        pid = uuid.uuid5(uuid.NAMESPACE_URL, f"{source}#{i}")
    data = {
        "id": str(pid),
        "kind": row.kind,
        "name": str(row.name),
        "address": str(getattr(row, "address", "") or ""),
        "lon": geom.x,
        "lat": geom.y,
        "risk_level": getattr(row, "risk_level", None) or "normal",
        "attrs": _row_attrs(row, kind) if kind else {},
    }
    try:
        return PlaceIn.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        given = repr(first.get("input"))
        got = f", not {given}" if len(given) <= 60 else ""  # the value, unless it is long
        raise InvalidInput(f"{field}: {first['msg']}{got}", ("row", i)) from e


def _load_places(session, store: Store, gdf: gpd.GeoDataFrame, source: str) -> int:  # noqa: ANN001
    """Insert places (kind, name, optional id/address/risk_level and attribute columns named like
    the kind's attributes), each located in a cell by grid and checked like the API's places;
    an id given twice, or already stored, is refused."""
    _require(gdf, ("kind", "name"))
    author = session.scalar(select(User.id).where(User.role == Role.ADMIN.value).order_by(User.id))
    if author is None:
        raise InvalidInput("create an admin account first (wangge users add)", ("user",))
    store.cells.refresh(session)
    now = utcnow()
    seen: dict[uuid.UUID, int] = {}
    for i, row in enumerate(gdf.itertuples(index=False), start=1):
        place = _place(row, i, source)
        if place.id in seen:
            raise InvalidInput(f"id {place.id} is also row {seen[place.id]}", ("row", i))
        seen[place.id] = i
        if session.get(Place, place.id) is not None:
            raise InvalidInput(f"place {place.id} is already stored", ("row", i))
        try:
            where = store.cells.locate(place.lon, place.lat, now, ("row", i))
            attrs = check_attrs(place.kind, place.attrs)
        except InvalidInput as e:
            raise InvalidInput(e.msg, ("row", i)) from e
        session.add(place_row(place, attrs, where, author, now))
    return len(gdf)


def import_layer(
    what: str,
    path: Path,
    *,
    fields: dict[str, str],
    layer: str | None = None,
    crs: str | None = None,
    valid_from: datetime | None = None,
) -> int:
    """Read ``path`` with grid.input.io and load it as ``what``; all rows or none (roads replace
    the stored road table)."""
    kind = {
        "communities": "boundaries",
        "cells": "boundaries",
        "buildings": "buildings",
        "places": "auto",
        "roads": "roads",
    }[what]
    gdf = read_layer(path, layer=layer, crs=crs, kind=kind, fields=fields or None)
    check_coordinates(gdf, str(path))
    store = open_store()
    with session_scope(store.sessions) as s:
        if what == "roads":
            return load_roads(s, gdf)
        if what == "communities":
            _require(gdf, ("code",))
            gdf = _codes_as_text(gdf, "street_code", 9)
            _check_communities(s, gdf, str(path))
            _parents(s, gdf)
            return load_area(s, "community", gdf)
        if what == "cells":
            _require(gdf, ("code",))
            gdf = _codes_as_text(gdf, "community_code", 12)
            check_tiling(gdf, _stored_communities(s, gdf["community_code"]), source=str(path))
            return load_cells(s, gdf, valid_from)
        if what == "buildings":
            check_polygons(gdf, str(path), "building")
            gdf = estimate_households(gdf, source=str(path))
            cells = s.scalars(select(Cell).where(Cell.latest())).all()
            if cells and "cell_code" not in gdf.columns:
                cg = gpd.GeoDataFrame(
                    {"code": [c.code for c in cells]},
                    geometry=[to_shape(c.geom) for c in cells],
                    crs=4326,
                )
                pts = gdf.geometry.representative_point()
                gdf = gdf.assign(cell_code=assign_cells(cg, np.asarray(pts.x), np.asarray(pts.y)))
            return load_buildings(s, gdf)
        return _load_places(s, store, gdf, str(path))


def export_layer(
    layer: str,
    fmt: str,
    *,
    community: str | None,
    cell: str | None,
    kind: str | None,
    start: datetime | None,
    end: datetime | None,
) -> bytes:
    """The bytes of an export of ``layer`` over the whole district."""
    store = open_store()
    with store.sessions() as s:
        scope = Scope(0, "cli", Role.ADMIN, None, None)
        gdf = layer_frame(
            s,
            scope,
            Layer(layer),
            community=community,
            cell=cell,
            kind=kind,
            period=Period(start, end),
        )
        return encode(gdf, Format(fmt), layer)[0]
