"""Export of records, places, cells and buildings as GeoJSON, GeoPackage, CSV (UTF-8 with
BOM), GeoParquet or zipped Shapefile (``api.io.shapefile``). Personal data (parties, tenants) is
never exported."""

from __future__ import annotations

import io
import tempfile
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import geopandas as gpd
import pandas as pd
from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.checks import check_filter_code
from api.errors import InvalidInput
from api.io.shapefile import encode_shapefile
from api.io.spreadsheet import safe_frame
from api.models import Building, Cell, Place, Record, utcnow
from api.periods import Period
from grid.domain.catalog import PlaceKind, RecordKind


class Layer(StrEnum):
    """Exportable layers."""

    RECORDS = "records"
    PLACES = "places"
    CELLS = "cells"
    BUILDINGS = "buildings"


class Format(StrEnum):
    """Export formats."""

    GEOJSON = "geojson"
    GPKG = "gpkg"
    CSV = "csv"
    PARQUET = "parquet"  # GeoParquet, for bulk moves between analysts' tools
    SHP = "shp"  # a zip of the Shapefile's parts, with a .cpg declaring UTF-8


KINDS = {  # the kind filter's codes per layer (grid.domain.catalog)
    Layer.RECORDS: [k.value for k in RecordKind],
    Layer.PLACES: [k.value for k in PlaceKind],
}


RECORD_COLS = (
    "id",
    "kind",
    "category",
    "priority",
    "status",
    "description",
    "occurred_at",
    "cell_code",
    "community_code",
    "h3",
    "version",
    "deadline",
    "dispatched_at",
    "closed_at",
    "started_at",
    "ended_at",
    "lon",
    "lat",
)


PLACE_COLS = (
    "id",
    "kind",
    "name",
    "address",
    "risk_level",
    "cell_code",
    "community_code",
    "h3",
    "version",
    "lon",
    "lat",
)


def _filter(q, model, scope: Scope, community: str | None, cell: str | None, code_col: str):  # noqa: ANN001, ANN202
    """``q`` limited to the user's scope and the community/cell filters."""
    q = scope.visible(q, model, code_col)
    if community:
        q = q.where(model.community_code == community)
    if cell:
        q = q.where(getattr(model, code_col) == cell)
    return q


def layer_frame(
    session: Session,
    scope: Scope,
    layer: Layer,
    *,
    community: str | None,
    cell: str | None,
    kind: str | None,
    period: Period,
) -> gpd.GeoDataFrame:
    """The rows of ``layer`` the user may see, filtered, as a WGS84 GeoDataFrame."""
    if kind is not None:
        if layer not in KINDS:
            raise InvalidInput("kind filters records and places only", ("query", "kind"))
        check_filter_code(kind, KINDS[layer], "kind", ("query", "kind"))
    if layer == Layer.RECORDS:
        return _records_frame(session, scope, community, cell, kind, period)
    if layer == Layer.PLACES:
        return _places_frame(session, scope, community, cell, kind)
    if layer == Layer.CELLS:
        return _cells_frame(session, scope, community, cell, period.end or utcnow())
    return _buildings_frame(session, scope, community, cell)


def _records_frame(
    session: Session,
    scope: Scope,
    community: str | None,
    cell: str | None,
    kind: str | None,
    period: Period,
) -> gpd.GeoDataFrame:
    """The visible records of ``kind`` that occurred in ``period``, as points."""
    q = _filter(select(Record), Record, scope, community, cell, "cell_code")
    if kind:
        q = q.where(Record.kind == kind)
    if period.start:
        q = q.where(Record.occurred_at >= period.start)
    if period.end:
        q = q.where(Record.occurred_at < period.end)
    rows = [{c: _plain(getattr(r, c)) for c in RECORD_COLS} for r in session.scalars(q)]
    return _points(rows, RECORD_COLS)


def _places_frame(
    session: Session, scope: Scope, community: str | None, cell: str | None, kind: str | None
) -> gpd.GeoDataFrame:
    """The visible places of ``kind``, as points."""
    q = _filter(select(Place), Place, scope, community, cell, "cell_code")
    if kind:
        q = q.where(Place.kind == kind)
    rows = [{c: _plain(getattr(p, c)) for c in PLACE_COLS} for p in session.scalars(q)]
    return _points(rows, PLACE_COLS)


def _cells_frame(
    session: Session, scope: Scope, community: str | None, cell: str | None, at: datetime
) -> gpd.GeoDataFrame:
    """The visible cells valid at ``at``, as polygons."""
    q = _filter(select(Cell), Cell, scope, community, cell, "code").where(Cell.valid_at(at))
    rows = [
        {
            "code": c.code,
            "community_code": c.community_code,
            "households": c.households,
            "valid_from": c.valid_from.isoformat(),
            "geometry": to_shape(c.geom),
        }
        for c in session.scalars(q)
    ]
    return gpd.GeoDataFrame(
        rows,
        columns=["code", "community_code", "households", "valid_from", "geometry"],
        crs=4326,
    )


def _buildings_frame(
    session: Session, scope: Scope, community: str | None, cell: str | None
) -> gpd.GeoDataFrame:
    """The visible buildings with their households, as polygons."""
    q = _filter(select(Building), Building, scope, community, cell, "cell_code")
    rows = [
        {
            "id": b.id,
            "name": b.name,
            "cell_code": b.cell_code,
            "households": b.households,
            "households_estimated": b.households_estimated,
            "geometry": to_shape(b.geom),
        }
        for b in session.scalars(q)
    ]
    return gpd.GeoDataFrame(
        rows,
        columns=["id", "name", "cell_code", "households", "households_estimated", "geometry"],
        crs=4326,
    )


def _plain(v: object) -> object:
    """Export-friendly scalar: datetimes as ISO text, UUIDs as text."""
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v) if v is not None and not isinstance(v, (int, float, str)) else v


def _points(rows: list[dict], cols: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Rows with lon/lat as a point GeoDataFrame."""
    df = pd.DataFrame(rows, columns=list(cols))
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=4326)


def encode(gdf: gpd.GeoDataFrame, fmt: Format, name: str) -> tuple[bytes, str]:
    """The file bytes and media type of ``gdf`` in ``fmt``."""
    if fmt == Format.GEOJSON:
        return gdf.to_json(ensure_ascii=False).encode(), "application/geo+json"
    if fmt == Format.CSV:
        df = safe_frame(pd.DataFrame(gdf.drop(columns="geometry")))
        if "lon" not in df.columns:
            df["wkt"] = gdf.geometry.to_wkt()
        return df.to_csv(index=False).encode("utf-8-sig"), "text/csv; charset=utf-8"
    if fmt == Format.PARQUET:
        buf = io.BytesIO()
        gdf.to_parquet(buf, index=False)
        return buf.getvalue(), "application/vnd.apache.parquet"
    if fmt == Format.SHP:
        kind = "Point" if "lon" in gdf.columns else "MultiPolygon"
        return encode_shapefile(gdf, name, kind), "application/zip"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.gpkg"
        gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
        return path.read_bytes(), "application/geopackage+sqlite3"
