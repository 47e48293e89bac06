"""Zipped Shapefile export: dBASE limits field names to 10 characters, so longer names are
renamed by ONE documented table (``SHP_FIELDS``, also in docs/CONTRACTS.md), and a ``.cpg``
file declares the attribute text UTF-8 (as Chinese GIS desks need it to read 中文 names)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd

MAX_NAME = 10  # dBASE field names
# the export columns longer than 10 characters and their Shapefile names
SHP_FIELDS: dict[str, str] = {
    "community_code": "comm_code",
    "households_estimated": "hh_estim",
    "occurred_at": "occurred",
    "description": "descript",
    "dispatched_at": "dispatched",
    "valid_from": "valid_from",
    "started_at": "started_at",
    "risk_level": "risk_level",
    "n_buildings": "n_building",
}
# geometry type for an empty layer (GDAL cannot infer it from no rows)
EMPTY_TYPES = {"Point": "Point", "Polygon": "MultiPolygon", "MultiPolygon": "MultiPolygon"}


def shp_name(column: str) -> str:
    """The Shapefile field name of an export column (``SHP_FIELDS``, else the name itself)."""
    name = SHP_FIELDS.get(column, column)
    if len(name) > MAX_NAME:
        raise ValueError(f"export column {column!r} has no Shapefile name of ≤{MAX_NAME} chars")
    return name


def encode_shapefile(gdf: gpd.GeoDataFrame, name: str, geometry_type: str) -> bytes:
    """``gdf`` as a zip of ``name``.shp/.shx/.dbf/.prj/.cpg (UTF-8), fields renamed by
    ``shp_name``; ``geometry_type`` is used when the layer is empty."""
    out = gdf.rename(columns={c: shp_name(c) for c in gdf.columns if c != "geometry"})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.shp"
        extra = {} if len(out) else {"geometry_type": EMPTY_TYPES.get(geometry_type, "Point")}
        out.to_file(path, driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8", **extra)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for part in sorted(Path(tmp).iterdir()):
                z.write(part, part.name)
        return buf.getvalue()
