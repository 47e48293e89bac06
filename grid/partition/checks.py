"""Checks on the inputs of ``grid.partition``: each refusal names source, feature, field, reason.

They run before anything is computed, so bad input changes nothing.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from grid.domain.codes import COMMUNITY_CODE
from grid.errors import CoordinateError, InputError
from grid.partition.bounds import Bounds

POLYGONAL = ("Polygon", "MultiPolygon")
LINEAR = ("LineString", "MultiLineString")


def _check_frame(gdf: object, source: str) -> None:
    """A GeoDataFrame with a declared CRS and no missing or empty geometry."""
    if not isinstance(gdf, gpd.GeoDataFrame | gpd.GeoSeries):
        raise InputError(f"expected a GeoDataFrame, got {type(gdf).__name__}", source=source)
    if gdf.crs is None:
        raise CoordinateError("no coordinate reference system; declare WGS84 (EPSG:4326)",
                              source=source, field="geometry")
    bad = gdf.geometry.isna().to_numpy() | shapely.is_empty(np.asarray(gdf.geometry.values))
    if bad.any():
        raise InputError("missing or empty geometry", source=source,
                         feature=gdf.index[np.flatnonzero(bad)[0]], field="geometry")


def _not_of(gdf: gpd.GeoDataFrame | gpd.GeoSeries, types: tuple[str, ...]) -> np.ndarray:
    """Which rows' geometry is none of ``types`` (by type id: names cost a string per row)."""
    ids = shapely.get_type_id(np.asarray(gdf.geometry.values, dtype=object))
    return ~np.isin(ids, [int(shapely.GeometryType[t.upper()]) for t in types])


def _type_of(gdf: gpd.GeoDataFrame | gpd.GeoSeries, mask: np.ndarray) -> str:
    """The geometry type name of the first row of ``mask``."""
    return str(gdf.geometry.iloc[int(np.flatnonzero(mask)[0])].geom_type)


def _first(mask: np.ndarray, index: pd.Index) -> object:
    """The index label of the first true entry of ``mask``."""
    return index[int(np.flatnonzero(mask)[0])]


def check_community_polygons(communities: gpd.GeoDataFrame) -> None:
    """Communities need valid (Multi)Polygons and a unique 12-digit string ``code``."""
    _check_frame(communities, "communities")
    if len(communities) == 0:
        raise InputError("no community given", source="communities")
    bad = _not_of(communities, POLYGONAL)
    if bad.any():
        raise InputError(f"geometry is a {_type_of(communities, bad)}, not a polygon",
                         source="communities", feature=_first(bad, communities.index),
                         field="geometry")
    invalid = ~shapely.is_valid(np.asarray(communities.geometry.values))
    if invalid.any():
        raise InputError("invalid polygon (repair it with grid.input.validate.repair_polygons)",
                         source="communities", feature=_first(invalid, communities.index),
                         field="geometry")
    if "code" not in communities.columns:
        raise InputError("missing the 12-digit community code column", source="communities",
                         field="code")
    codes = communities["code"].astype(str).to_numpy()
    malformed = np.array([not COMMUNITY_CODE.match(c) for c in codes], dtype=bool)
    if malformed.any():
        raise InputError(f"code {codes[malformed][0]!r} is not a 12-digit string",
                         source="communities", feature=_first(malformed, communities.index),
                         field="code")
    dup = pd.Series(codes).duplicated().to_numpy()
    if dup.any():
        raise InputError(f"code {codes[dup][0]} appears more than once", source="communities",
                         feature=_first(dup, communities.index), field="code")


def check_buildings(buildings: gpd.GeoDataFrame) -> None:
    """Buildings need point or polygon geometry, whole non-negative ``households`` and, when
    given, whole positive ``units`` (blank allowed)."""
    _check_frame(buildings, "buildings")
    bad = _not_of(buildings, (*POLYGONAL, "Point"))
    if bad.any():
        raise InputError(f"geometry is a {_type_of(buildings, bad)}, not a footprint or point",
                         source="buildings", feature=_first(bad, buildings.index),
                         field="geometry")
    if "households" not in buildings.columns:
        raise InputError("missing the households column (fill it with "
                         "grid.input.households.estimate_households)", source="buildings",
                         field="households")
    h = pd.to_numeric(buildings["households"], errors="coerce").to_numpy(dtype=float)
    wrong = ~np.isfinite(h) | (h < 0) | (h != np.round(h))
    if wrong.any():
        raise InputError(f"households {buildings['households'].to_numpy()[wrong][0]!r} is not a "
                         "whole number ≥ 0", source="buildings",
                         feature=_first(wrong, buildings.index), field="households")
    if "units" in buildings.columns:
        u = pd.to_numeric(buildings["units"], errors="coerce").to_numpy(dtype=float)
        given = buildings["units"].notna().to_numpy()
        wrong = given & (~np.isfinite(u) | (u < 1) | (u != np.round(u)))
        if wrong.any():
            raise InputError(f"units {buildings['units'].to_numpy()[wrong][0]!r} is not a whole "
                             "number ≥ 1", source="buildings",
                             feature=_first(wrong, buildings.index), field="units")


def check_roads(roads: gpd.GeoDataFrame | gpd.GeoSeries | None) -> None:
    """Roads, when given, are lines."""
    if roads is None or len(roads) == 0:
        return
    _check_frame(roads, "roads")
    bad = _not_of(roads, LINEAR)
    if bad.any():
        raise InputError(f"geometry is a {_type_of(roads, bad)}, not a line", source="roads",
                         feature=_first(bad, roads.index), field="geometry")


def community_bounds(communities: gpd.GeoDataFrame, default: Bounds) -> list[Bounds]:
    """Household bounds per community: its ``min_households`` and ``max_households`` columns
    where given (whole numbers, min ≥ 1, max ≥ min), else ``default`` (some cities run 300–500
    households per cell)."""
    out = []
    cols = [c for c in ("min_households", "max_households") if c in communities.columns]
    values = {c: pd.to_numeric(communities[c], errors="coerce").to_numpy(dtype=float)
              for c in cols}
    for k in range(len(communities)):  # one step per community
        lo = values["min_households"][k] if "min_households" in values else np.nan
        hi = values["max_households"][k] if "max_households" in values else np.nan
        b = Bounds(default.low if np.isnan(lo) else int(lo),
                   default.high if np.isnan(hi) else int(hi))
        given = [v for v in (lo, hi) if not np.isnan(v)]
        if any(v != round(v) for v in given) or b.low < 1 or b.high < b.low:
            raise InputError(f"household bounds [{b.low}, {b.high}] are not a range of whole "
                             "numbers ≥ 1", source="communities",
                             feature=communities.index[k], field="min_households")
        out.append(b)
    return out
