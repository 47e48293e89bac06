"""The partition's frames: the buildings as arrays for every community's step, and the output
tables (cells back in WGS84, the communities with their bounds, buildings in no community).
``partition`` and the distributed runner (``grid.scale``) both build them here."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from grid.geomops import valid_polygons, without_crumbs
from grid.input.crs import WGS84
from grid.partition.bounds import Bounds
from grid.partition.vertical import building_levels


def outside_rows(outside: np.ndarray) -> list[tuple[None, None, str, str]]:
    """The exception row for buildings (named by ``outside``) in no community, if any."""
    if not len(outside):
        return []
    shown = ", ".join(str(x) for x in outside[:10])
    return [(None, None, "outside_communities",
             f"{len(outside)} building(s) lie outside every community and are in no "
             f"cell: {shown}{' …' if len(outside) > 10 else ''}")]


def cells_in_wgs84(cell_frames: list[pd.DataFrame], crs: object) -> gpd.GeoDataFrame:
    """All communities' cells, sorted by code, projected back to WGS84 and kept valid."""
    frame = cell_frames[0] if len(cell_frames) == 1 else pd.concat(cell_frames,
                                                                    ignore_index=True)
    frame = frame.sort_values("code", ignore_index=True)
    geoms = gpd.GeoSeries(frame["geometry"].to_numpy(), crs=crs).to_crs(WGS84)
    # A cell with a hairline spike or neck (valid in metres) can come out of the projection as
    # a self-touching ring; made valid, it loses the spike (no area) or splits off a crumb of a
    # lobe, which is dropped (far below the tiling tolerance).
    frame["geometry"] = without_crumbs(valid_polygons(np.asarray(geoms.values, dtype=object)))
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=WGS84)


@dataclass
class Layers:
    """The inputs in the metric CRS as arrays, shared by every community's step."""

    footprints: np.ndarray
    anchors: np.ndarray
    h: np.ndarray
    units: np.ndarray
    levels: np.ndarray
    names: np.ndarray
    roads: np.ndarray | None


def building_layers(bld: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | gpd.GeoSeries | None,
            crs: object, anchors: np.ndarray) -> Layers:
    """The buildings' (metric) footprints, households, units and levels, and roads."""
    footprints = np.asarray(bld.geometry.values, dtype=object)
    road_geoms = None
    if roads is not None and len(roads):
        road_geoms = np.asarray(roads.to_crs(crs).geometry.values, dtype=object)
    units = np.full(len(bld), np.nan)
    for name in ("building:units", "entrances", "units"):  # the last given wins
        if name in bld.columns:
            u = pd.to_numeric(bld[name], errors="coerce").to_numpy(dtype=float)
            units = np.where(np.isfinite(u) & (u >= 1), np.rint(u), units)
    return Layers(footprints, anchors,
                   bld["households"].to_numpy().astype(np.int64), units, building_levels(bld),
                   bld.index.to_numpy(), road_geoms)


def community_table(communities: gpd.GeoDataFrame, codes: np.ndarray,
                     bounds: list[Bounds]) -> pd.DataFrame:
    """The result's communities: code, name (the code when none) and household bounds."""
    names = (communities["name"].astype(str).to_numpy() if "name" in communities.columns
             else codes)
    return pd.DataFrame({"code": codes, "name": names,
                         "min_households": [b.low for b in bounds],
                         "max_households": [b.high for b in bounds]})
