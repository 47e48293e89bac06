"""Input checks before partitioning: coordinates, polygon validity, buildings against communities.

Coordinates that are out of range or swapped are refused (``CoordinateError``); invalid polygons
are repaired with ``shapely.make_valid`` keeping their polygonal parts, or refused when nothing
polygonal is left; problems that do not stop the work come back as ``ValidationWarning`` objects
naming the feature, so the CLI can print them and the API can return them.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from grid.errors import CoordinateError, InputError
from grid.input.crs import metric_crs

POLYGONAL = ("Polygon", "MultiPolygon")
MAX_LISTED = 20  # bad features spelled out before a count of the rest
STRADDLE_SHARE = 0.05  # a building straddles when ≥ 5% of its footprint lies in a second community


@dataclass(frozen=True)
class ValidationWarning:
    """A problem that does not stop the work: where it is, what kind, and a readable message."""

    source: str
    feature: object
    # "repaired", "dropped", "outside_communities", "straddles_communities" or "looks_shifted"
    kind: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: " + (
            f"feature {self.feature}: " if self.feature is not None else ""
        )
        return where + self.message


def feature_ids(gdf: pd.DataFrame) -> np.ndarray:
    """How messages name each feature: its ``id`` when it has one, else its 0-based position."""
    pos = np.arange(len(gdf), dtype=object)
    if "id" not in gdf.columns:
        return pos
    ids = gdf["id"].to_numpy(dtype=object)
    return np.where(pd.isna(gdf["id"]).to_numpy(), pos, ids)


def check_coordinates(gdf: gpd.GeoDataFrame, source: str) -> None:
    """Refuse non-finite, out-of-range or swapped lon/lat coordinates, naming the first feature.

    Layers in a projected CRS are not checked here (their transform to WGS84 is).
    """
    if gdf.crs is not None and not CRS(gdf.crs).is_geographic:
        return
    bounds = shapely.bounds(np.asarray(gdf.geometry.values, dtype=object))
    present = ~np.isnan(bounds).all(axis=1)
    coords = shapely.get_coordinates(np.asarray(gdf.geometry.values, dtype=object))
    if not np.isfinite(coords).all():
        finite = np.array(
            [np.isfinite(shapely.get_coordinates(g)).all() for g in gdf.geometry.values[present]]
        )
        bad = np.flatnonzero(present)[~finite][0]
        raise CoordinateError(
            "coordinate is not a finite number", source=source, feature=feature_ids(gdf)[bad]
        )
    minx, miny, maxx, maxy = bounds.T
    lon_ok = (minx >= -180) & (maxx <= 180)
    lat_ok = (miny >= -90) & (maxy <= 90)
    bad = present & ~(lon_ok & lat_ok)
    if not bad.any():
        return
    first = int(np.flatnonzero(bad)[0])
    fid = feature_ids(gdf)[first]
    sample = f"({bounds[first, 0]:.6g}, {bounds[first, 1]:.6g})"
    if (np.abs(coords) > 1000).mean() > 0.5:
        raise CoordinateError(
            f"coordinates like {sample} look like metres in a projected CRS, not lon/lat; "
            "declare the CRS (e.g. --crs EPSG:32650)",
            source=source,
            feature=fid,
        )
    swapped_ok = (miny >= -180) & (maxy <= 180) & (minx >= -90) & (maxx <= 90)
    if swapped_ok[present].all():
        raise CoordinateError(
            f"latitude and longitude look swapped: {sample} is out of range as (lon, lat) but "
            "every feature fits as (lat, lon); write longitude first (x = lon, y = lat)",
            source=source,
            feature=fid,
        )
    raise CoordinateError(
        f"coordinate {sample} is out of range (lon −180…180, lat −90…90)",
        source=source,
        feature=fid,
    )


def check_polygons(gdf: gpd.GeoDataFrame, source: str, noun: str) -> None:
    """Refuse empty, non-polygonal or invalid (e.g. self-intersecting "bowtie") geometries, one
    line per bad feature as ``row N (noun id): reason`` (rows 1-based, as the tiling checks count
    them), for layers stored as given rather than repaired (``wangge import buildings``)."""
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6)) & ~missing
    invalid = polygonal & ~shapely.is_valid(geoms)
    bad = np.flatnonzero(missing | ~polygonal | invalid)
    if not len(bad):
        return
    ids = feature_ids(gdf)
    lines = []
    for k in bad[:MAX_LISTED]:
        if missing[k]:
            why = "empty geometry"
        elif not polygonal[k]:
            why = f"geometry is a {geoms[k].geom_type}, not a polygon"
        else:
            why = f"geometry invalid: {shapely.is_valid_reason(geoms[k])}"
        name = f" ({noun} {ids[k]})" if "id" in gdf.columns else ""
        lines.append(f"  row {k + 1}{name}: {why}")
    if len(bad) > MAX_LISTED:
        lines.append(f"  ... and {len(bad) - MAX_LISTED} more")
    count = f"{len(bad)} problem{'s' if len(bad) > 1 else ''}"
    raise InputError(
        f"{noun}s are not sound polygons ({count}):\n" + "\n".join(lines), source=source
    )


def repair_polygons(
    gdf: gpd.GeoDataFrame, source: str, *, drop_unrepairable: bool = False
) -> tuple[gpd.GeoDataFrame, list[ValidationWarning]]:
    """Polygons made valid (keeping polygonal parts), with a warning per repaired feature.

    Empty geometries and polygons with nothing polygonal left after repair raise InputError
    naming the feature, or with ``drop_unrepairable`` (for messy sources such as OSM buildings)
    are dropped with a "dropped" warning each. Points and lines pass through unchanged.
    """
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    ids = feature_ids(gdf)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    invalid = polygonal & ~empty & ~shapely.is_valid(geoms)
    reasons = np.full(len(geoms), "empty geometry", dtype=object)
    reasons[invalid] = shapely.is_valid_reason(geoms[invalid])
    fixed = geoms.copy()
    fixed[invalid] = _polygonal_parts(shapely.make_valid(geoms[invalid]))
    lost = empty | (invalid & (shapely.is_empty(fixed) | (shapely.area(fixed) <= 0)))
    reasons[lost & ~empty] = [
        f"invalid polygon ({why}) has no area left after repair" for why in reasons[lost & ~empty]
    ]
    if lost.any() and not drop_unrepairable:
        k = int(np.flatnonzero(lost)[0])
        raise InputError(
            f"{reasons[k]} (drop such features with --drop-invalid)", source=source, feature=ids[k]
        )
    if not invalid.any() and not lost.any():
        return gdf, []
    warnings = [
        ValidationWarning(source, fid, "dropped", f"dropped: {why}")
        for fid, why in zip(ids[lost], reasons[lost], strict=True)
    ]
    warnings += [
        ValidationWarning(source, fid, "repaired", f"invalid polygon repaired ({why})")
        for fid, why in zip(ids[invalid & ~lost], reasons[invalid & ~lost], strict=True)
    ]
    out = gdf.set_geometry(gpd.GeoSeries(fixed, index=gdf.index, crs=gdf.crs))
    return out[~lost], warnings


def _polygonal_parts(geoms: np.ndarray) -> np.ndarray:
    """Each geometry reduced to its polygonal parts: a Polygon, a MultiPolygon, or empty."""
    parts, idx = shapely.get_parts(geoms, return_index=True)
    keep = shapely.get_type_id(parts) == 3
    parts, idx = parts[keep], idx[keep]
    counts = np.bincount(idx, minlength=len(geoms))
    out = np.full(len(geoms), shapely.Polygon(), dtype=object)
    single = counts[idx] == 1
    out[idx[single]] = parts[single]
    multi = np.flatnonzero(counts > 1)
    if len(multi):
        sel = np.isin(idx, multi)
        groups = shapely.multipolygons(parts[sel], indices=np.searchsorted(multi, idx[sel]))
        out[multi] = groups
    return out


def check_buildings_in_communities(
    buildings: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    source: str = "buildings",
) -> list[ValidationWarning]:
    """Warnings for buildings lying outside every community or straddling two or more.

    A building straddles when at least ``STRADDLE_SHARE`` of its footprint lies outside the
    community holding most of it, inside another community.
    """
    crs = metric_crs(communities)
    b = np.asarray(buildings.to_crs(crs).geometry.values, dtype=object)
    c = np.asarray(communities.to_crs(crs).geometry.values, dtype=object)
    ids = feature_ids(buildings)
    bi, ci = shapely.STRtree(c).query(b, predicate="intersects")
    hit = np.bincount(bi, minlength=len(b)) > 0
    warnings = [
        ValidationWarning(
            source, fid, "outside_communities", "building lies outside every community"
        )
        for fid in ids[~hit]
    ]
    poly = np.isin(shapely.get_type_id(b[bi]), (3, 6))
    bi, ci = bi[poly], ci[poly]
    share = shapely.area(shapely.intersection(b[bi], c[ci])) / np.maximum(shapely.area(b[bi]), 1e-9)
    order = np.lexsort((-share, bi))
    bi, ci, share = bi[order], ci[order], share[order]
    first = np.r_[True, bi[1:] != bi[:-1]]
    second = ~first & (share >= STRADDLE_SHARE)
    codes = (
        communities["code"].astype(str).to_numpy()
        if "code" in communities.columns
        else np.arange(len(c)).astype(str)
    )
    for k in np.flatnonzero(second):
        main = codes[ci[np.flatnonzero(first & (bi == bi[k]))[0]]]
        warnings.append(
            ValidationWarning(
                source,
                ids[bi[k]],
                "straddles_communities",
                f"building straddles communities {main} and {codes[ci[k]]} "
                f"({share[k]:.0%} of it lies in {codes[ci[k]]})",
            )
        )
    return warnings
