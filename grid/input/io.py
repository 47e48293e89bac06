"""Reading and writing layers: GeoJSON, GeoPackage, Shapefile, GeoParquet (a file or a
partitioned folder), CSV points, OSM PBF and OSM XML.

Everything read comes back in WGS84 (DESIGN §5): a declared ``crs`` may be any EPSG code or PROJ
string, or "gcj02"/"bd09", which are converted at this edge. A ``fields`` mapping renames the
caller's columns to ours (``{"households": "hh"}`` reads column ``hh`` as ``households``). Files
that are missing, empty, unreadable or lack a mapped field raise ``InputError`` naming the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from grid.errors import InputError
from grid.input.crs import WGS84
from grid.input.shift import TO_WGS84
from grid.input.validate import feature_ids

KINDS = ("auto", "buildings", "roads", "boundaries")
VECTOR_SUFFIXES = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GPKG",
    ".shp": "ESRI Shapefile",
}
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".geoparquet")
X_NAMES = ("lon", "lng", "long", "longitude", "x")
Y_NAMES = ("lat", "latitude", "y")
GEOMETRY_TYPES = {
    "buildings": ("Polygon", "MultiPolygon", "Point"),
    "roads": ("LineString", "MultiLineString"),
    "boundaries": ("Polygon", "MultiPolygon"),
}
# Columns kept from OpenStreetMap per kind (whichever exist), with OSM's own tag names.
OSM_COLUMNS = {
    "buildings": (
        "id",
        "building",
        "building:levels",
        "building:units",
        "height",
        "name",
        "addr:street",
        "addr:housenumber",
    ),
    "roads": ("id", "highway", "name"),
    "boundaries": ("id", "name", "boundary", "admin_level", "ref"),
}
OSM_OTHER_TAGS = ("building:levels", "building:units", "height", "ref")


def read_layer(
    path: str | Path,
    *,
    layer: str | int | None = None,
    crs: str | int | None = None,
    kind: str = "auto",
    x: str | None = None,
    y: str | None = None,
    fields: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """One layer of ``path`` as a WGS84 GeoDataFrame, after CRS conversion and field mapping.

    ``kind`` ("buildings", "roads", "boundaries") selects what to take from OSM files and checks
    the geometry type elsewhere; ``x``/``y`` name a CSV's coordinate columns (else detected).
    """
    path = Path(path)
    source = str(path)
    if kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}", source=source)
    name = path.name.lower()
    if path.suffix.lower() not in PARQUET_SUFFIXES:
        check_file(path)
    if path.suffix.lower() in PARQUET_SUFFIXES:
        gdf = read_geoparquet(path)
    elif name.endswith(".osm.pbf") or name.endswith(".pbf"):
        gdf = _read_osm_pbf(path, _osm_kind(kind, source))
    elif name.endswith(".osm"):
        gdf = _read_osm_xml(path, _osm_kind(kind, source))
    elif path.suffix.lower() in CSV_SUFFIXES:
        gdf = _read_csv(path, x, y)
    elif path.suffix.lower() in VECTOR_SUFFIXES:
        gdf = _read_vector(path, layer)
    else:
        raise InputError(
            f"unsupported format '{path.suffix}'; use GeoJSON, GPKG, SHP, GeoParquet, CSV, "
            "OSM PBF or OSM XML",
            source=source,
        )
    if len(gdf) == 0:
        raise InputError("no features in the layer", source=source)
    gdf = to_wgs84(gdf, crs, source)
    if kind != "auto":
        check_geometry_types(gdf, kind, source)
    return map_fields(gdf, fields, source)


def check_file(path: Path) -> None:
    """Raise InputError when ``path`` is missing, not a file, or empty."""
    if not path.exists():
        raise InputError("file not found", source=str(path))
    if path.is_dir():
        raise InputError("is a directory, not a file", source=str(path))
    if path.stat().st_size == 0:
        raise InputError("file is empty", source=str(path))


def read_geoparquet(path: Path) -> gpd.GeoDataFrame:
    """A GeoParquet file, or a folder of them (partitioned by a column such as street)."""
    if not path.exists():
        raise InputError("file not found", source=str(path))
    try:
        return gpd.read_parquet(path)
    except Exception as exc:  # pyarrow and geopandas raise many types for unreadable files
        raise InputError(f"cannot read as GeoParquet: {exc}", source=str(path)) from exc


def _osm_kind(kind: str, source: str) -> str:
    """The OSM layer to extract; OSM files hold everything, so the caller must say which."""
    if kind == "auto":
        raise InputError("OSM files need kind=buildings, roads or boundaries", source=source)
    return kind


def _read_vector(path: Path, layer: str | int | None) -> gpd.GeoDataFrame:
    """A GeoJSON, GeoPackage or Shapefile layer through pyogrio."""
    try:
        if layer is None and path.suffix.lower() == ".gpkg" and len(pyogrio.list_layers(path)) > 1:
            names = ", ".join(str(n) for n in pyogrio.list_layers(path)[:, 0])
            raise InputError(f"several layers ({names}); say which one", source=str(path))
        return pyogrio.read_dataframe(path, layer=layer)
    except InputError:
        raise
    except Exception as exc:  # pyogrio raises several GDAL error types for unreadable files
        raise InputError(
            f"cannot read as {VECTOR_SUFFIXES[path.suffix.lower()]}: {exc}", source=str(path)
        ) from exc


def _read_csv(path: Path, x: str | None, y: str | None) -> gpd.GeoDataFrame:
    """Points from a CSV with longitude/latitude (or x/y) columns, named or detected."""
    sep = "\t" if path.suffix.lower() == ".tsv" else None
    try:
        df = pd.read_csv(path, sep=sep, engine="python", encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read as CSV: {exc}", source=str(path)) from exc
    xcol = _coordinate_column(df, x, X_NAMES, "x", path)
    ycol = _coordinate_column(df, y, Y_NAMES, "y", path)
    xs, ys = pd.to_numeric(df[xcol], errors="coerce"), pd.to_numeric(df[ycol], errors="coerce")
    bad = (xs.isna() | ys.isna()).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        col = xcol if pd.isna(xs.iloc[row]) else ycol
        raise InputError(
            f"coordinate {df[col].iloc[row]!r} is not a number",
            source=str(path),
            feature=row,
            field=col,
        )
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(xs, ys), crs=None)


def _coordinate_column(
    df: pd.DataFrame, given: str | None, names: tuple[str, ...], axis: str, path: Path
) -> str:
    """The CSV column holding coordinate ``axis``: the given name or the first usual name found."""
    if given is not None:
        if given not in df.columns:
            raise InputError(
                f"no such column; columns are {', '.join(map(str, df.columns))}",
                source=str(path),
                field=given,
            )
        return given
    lower = {str(c).strip().lower(): c for c in df.columns}
    found = next((lower[n] for n in names if n in lower), None)
    if found is None:
        raise InputError(
            f"no {axis} coordinate column (tried {', '.join(names)}); name it", source=str(path)
        )
    return str(found)


def _read_osm_pbf(path: Path, kind: str) -> gpd.GeoDataFrame:
    """Buildings, roads or boundaries from an OSM PBF extract through pyrosm."""
    import pyrosm

    try:
        osm = pyrosm.OSM(str(path))
        if kind == "buildings":
            gdf = osm.get_buildings()
        elif kind == "roads":
            gdf = osm.get_network(network_type="all")
        else:
            gdf = osm.get_boundaries()
    except Exception as exc:  # pyrosm raises plain exceptions from its Cython parser
        raise InputError(f"cannot read as OSM PBF: {exc}", source=str(path)) from exc
    if gdf is None:
        return gpd.GeoDataFrame(geometry=[], crs=WGS84)
    return _osm_columns(gdf, kind)


def _read_osm_xml(path: Path, kind: str) -> gpd.GeoDataFrame:
    """Buildings, roads or boundaries from an OSM XML file through GDAL's OSM driver."""
    layer = "lines" if kind == "roads" else "multipolygons"
    try:
        gdf = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:  # GDAL error types vary with the failure
        raise InputError(f"cannot read as OSM XML: {exc}", source=str(path)) from exc
    for tag in OSM_OTHER_TAGS:
        if "other_tags" in gdf.columns and tag not in gdf.columns:
            pattern = '"' + tag.replace(":", r"\:") + r'"=>"([^"]*)"'
            gdf[tag] = gdf["other_tags"].astype("string").str.extract(pattern, expand=False)
    way = gdf["osm_way_id"] if "osm_way_id" in gdf.columns else pd.Series(None, index=gdf.index)
    gdf["id"] = gdf["osm_id"].fillna(way) if "osm_id" in gdf.columns else way
    keep = {"buildings": "building", "roads": "highway", "boundaries": "boundary"}[kind]
    if keep not in gdf.columns:
        return gpd.GeoDataFrame(geometry=[], crs=WGS84)
    gdf = gdf[gdf[keep].notna()]
    return _osm_columns(gdf, kind)


def _osm_columns(gdf: gpd.GeoDataFrame, kind: str) -> gpd.GeoDataFrame:
    """The OSM columns we use for ``kind``, in a fixed order, with a fresh index."""
    cols = [c for c in OSM_COLUMNS[kind] if c in gdf.columns]
    return gpd.GeoDataFrame(gdf[cols], geometry=gdf.geometry.values, crs=gdf.crs).reset_index(
        drop=True
    )


def to_wgs84(gdf: gpd.GeoDataFrame, crs: str | int | None, source: str) -> gpd.GeoDataFrame:
    """``gdf`` in WGS84: ``crs`` (if declared) overrides the file's; gcj02/bd09 are unshifted."""
    declared = str(crs).strip().lower().replace("-", "") if crs is not None else None
    if declared in TO_WGS84:
        if gdf.crs is not None and not CRS(gdf.crs).is_geographic:
            raise InputError(
                f"declared {declared} but the file is in a projected CRS ({CRS(gdf.crs).name})",
                source=source,
            )
        undo = TO_WGS84[declared]
        geoms = shapely.transform(
            gdf.geometry.values, lambda xy: np.column_stack(undo(xy[:, 0], xy[:, 1]))
        )
        return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=WGS84))
    if crs is not None:
        try:
            target = CRS.from_user_input(int(crs) if str(crs).isdigit() else crs)
        except CRSError as exc:
            raise InputError(f"unknown CRS {crs!r}: {exc}", source=source) from exc
        gdf = gdf.set_crs(target, allow_override=True)
    elif gdf.crs is None:
        gdf = gdf.set_crs(WGS84)
    return gdf if CRS(gdf.crs).equals(WGS84) else gdf.to_crs(WGS84)


def check_geometry_types(gdf: gpd.GeoDataFrame, kind: str, source: str) -> None:
    """Raise InputError naming the first feature whose geometry does not fit ``kind``."""
    types = gdf.geometry.geom_type
    ok = types.isin(GEOMETRY_TYPES[kind]).to_numpy()
    if not ok.all():
        pos = int(np.flatnonzero(~ok)[0])
        got = types.iloc[pos] if types.iloc[pos] is not None else "no geometry"
        raise InputError(
            f"{got} where {kind} need {' or '.join(GEOMETRY_TYPES[kind])}",
            source=source,
            feature=feature_ids(gdf)[pos],
        )


def map_fields(
    gdf: gpd.GeoDataFrame, fields: Mapping[str, str] | None, source: str
) -> gpd.GeoDataFrame:
    """Columns renamed from the caller's names to ours: ``{ours: theirs}``; theirs must exist."""
    if not fields:
        return gdf
    missing = [theirs for theirs in fields.values() if theirs not in gdf.columns]
    if missing:
        cols = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        raise InputError(f"no such field; fields are {cols}", source=source, field=missing[0])
    renames = {theirs: ours for ours, theirs in fields.items() if theirs != ours}
    dropped = [ours for ours in renames.values() if ours in gdf.columns]
    return gdf.drop(columns=dropped).rename(columns=renames)


def write_layer(
    gdf: gpd.GeoDataFrame, path: str | Path, *, layer: str | None = None, append: bool = False,
    geometry_type: str | None = None, promote_to_multi: bool | None = None,
) -> Path:
    """Write ``gdf`` in WGS84 to a GeoPackage (as ``layer``, other layers kept) or GeoJSON.

    A GeoPackage layer may be written in parts: ``append`` adds rows to it, and
    ``geometry_type``/``promote_to_multi`` (pyogrio's, inferred from ``gdf`` when not given) fix
    the layer's geometry type for the whole of it rather than for its first part.
    """
    path = Path(path)
    driver = VECTOR_SUFFIXES.get(path.suffix.lower())
    if driver not in ("GPKG", "GeoJSON"):
        raise InputError("write to .gpkg or .geojson", source=str(path))
    out = (
        gdf
        if gdf.crs is not None and CRS(gdf.crs).equals(WGS84)
        else (gdf.set_crs(WGS84) if gdf.crs is None else gdf.to_crs(WGS84))
    )
    out = writable(out)
    if driver == "GeoJSON":
        path.unlink(missing_ok=True)
        pyogrio.write_dataframe(
            out,
            path,
            driver=driver,
            layer=layer or path.stem,
            layer_options={"COORDINATE_PRECISION": 7, "WRITE_BBOX": "NO"},
        )
    else:
        pyogrio.write_dataframe(out, path, driver=driver, layer=layer or path.stem,
                                append=append, geometry_type=geometry_type,
                                promote_to_multi=promote_to_multi)
    return path


def write_cells(cells: gpd.GeoDataFrame, path: str | Path, *, layer: str = "cells") -> Path:
    """Write partition cells to GPKG (layer ``cells``) or GeoJSON, in WGS84."""
    return write_layer(cells, path, layer=layer)


def writable(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns GDAL can store: all-empty or mixed object columns become strings."""
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name or out[col].dtype != object:
            continue
        values = out[col].dropna()
        if values.empty or not values.map(lambda v: isinstance(v, str)).all():
            out[col] = (
                out[col].map(lambda v: None if v is None or v is pd.NA else str(v)).astype("string")
            )
    return out
