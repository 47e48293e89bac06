"""The one way partition inputs are made ready: read → check coordinates → repair polygons →
shift warnings → estimate households.

``prepare`` is what ``wangge partition`` / ``python -m grid partition`` (``grid/cli.py``), the demo
loader (``api/io/demo.py``) and the notebook recipe in README.md call, so all three refuse the same
bad input and warn about the same problems before ``grid.partition.partition`` runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

import geopandas as gpd
import numpy as np

from grid.input.households import estimate_households
from grid.input.io import check_geometry_types, map_fields, read_layer, to_wgs84
from grid.input.shift import looks_shifted_inside
from grid.input.validate import (
    ValidationWarning,
    check_buildings_in_communities,
    check_coordinates,
    repair_polygons,
)

#: A layer as a file to read or as a GeoDataFrame already in memory (used as given).
Layer: TypeAlias = str | Path | gpd.GeoDataFrame
#: The building fields ``prepare`` can map from the caller's names: ``{ours: theirs}``.
BUILDING_FIELDS = ("households", "levels", "height", "type", "units")


@dataclass
class Prepared:
    """Partition inputs, checked and repaired, with households on every building, and the
    warnings about what was repaired, dropped or looks wrong (nothing refused)."""

    communities: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame | None
    warnings: list[ValidationWarning] = field(default_factory=list)


def prepare(
    communities: Layer,
    buildings: Layer,
    roads: Layer | None = None,
    *,
    crs: str | int | None = None,
    layer: str | None = None,
    code_field: str = "code",
    building_fields: Mapping[str, str] | None = None,
    drop_invalid: bool = False,
) -> Prepared:
    """Read (files) and check the three layers, repair polygons, warn of shifted coordinates and
    straddling buildings, and estimate households where not given.

    ``crs`` declares the files' CRS (EPSG code, PROJ string, gcj02 or bd09); when None, buildings
    that miss their communities as if shifted to GCJ-02/BD-09 are warned about.
    ``building_fields`` maps our names (``BUILDING_FIELDS``) to the file's; ``drop_invalid`` drops
    unrepairable buildings with a warning instead of refusing them. Bad input raises
    ``grid.errors.InputError`` naming the file (or the role, for a GeoDataFrame) and feature.
    """
    fields = dict(building_fields or {})
    bsrc = _source(buildings, "buildings")
    comm, rds, warnings = prepare_areas(communities, roads, crs=crs, layer=layer,
                                        code_field=code_field)
    bld = _read(buildings, "buildings", "buildings", name=layer, crs=crs, fields=fields)
    bld, bwarn = prepare_buildings(bld, bsrc, fields=fields, drop_invalid=drop_invalid)
    warnings += bwarn
    if crs is None:
        warnings += shift_warnings(bld, comm, bsrc)
    warnings += check_buildings_in_communities(bld, comm, source=bsrc)
    return Prepared(comm, bld, rds, warnings)


def prepare_areas(
    communities: Layer,
    roads: Layer | None = None,
    *,
    crs: str | int | None = None,
    layer: str | None = None,
    code_field: str = "code",
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, list[ValidationWarning]]:
    """The communities (read, checked, repaired, codes as text) and roads (read, checked) of
    ``prepare``; ``grid.scale`` calls it alone when the buildings are read in partitions."""
    csrc = _source(communities, "communities")
    comm = _read(
        communities, "communities", "boundaries", name=layer, crs=crs, fields={"code": code_field}
    )
    rds = None if roads is None else _read(roads, "roads", "roads", name=layer, crs=crs)
    check_coordinates(comm, csrc)
    if rds is not None and roads is not None:
        check_coordinates(rds, _source(roads, "roads"))
    comm, warnings = repair_polygons(comm, csrc)
    comm["code"] = comm["code"].astype(str)
    return comm, rds, warnings


def prepare_buildings(
    bld: gpd.GeoDataFrame,
    source: str,
    *,
    fields: Mapping[str, str] | None = None,
    drop_invalid: bool = False,
) -> tuple[gpd.GeoDataFrame, list[ValidationWarning]]:
    """The row-by-row part of ``prepare`` for buildings already read and mapped: coordinates
    checked, polygons repaired, households estimated. ``grid.scale`` runs it per partition, so a
    province's buildings are made ready exactly as a district's."""
    fields = fields or {}
    check_coordinates(bld, source)
    bld, warnings = repair_polygons(bld, source, drop_unrepairable=drop_invalid)
    bld = estimate_households(
        bld,
        households="households" if "households" in fields else None,
        levels="levels" if "levels" in fields else None,
        height="height" if "height" in fields else None,
        type_col="type" if "type" in fields else None,
        source=source,
    )
    return bld, warnings


def _source(layer: Layer, role: str) -> str:
    """How messages name a layer: its file, or its role for a GeoDataFrame."""
    return role if isinstance(layer, gpd.GeoDataFrame) else str(layer)


def _read(
    layer: Layer,
    role: str,
    kind: str,
    *,
    name: str | None,
    crs: str | int | None,
    fields: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """``layer`` read by ``read_layer``, or a GeoDataFrame taken through the same CRS conversion,
    geometry type check and field mapping (``role`` names it in messages)."""
    if not isinstance(layer, gpd.GeoDataFrame):
        return read_layer(layer, layer=name, crs=crs, kind=kind, fields=fields)
    gdf = to_wgs84(layer, crs, role)
    check_geometry_types(gdf, kind, role)
    return map_fields(gdf, fields, role)


def shift_warnings(
    buildings: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, source: str
) -> list[ValidationWarning]:
    """A warning when the buildings miss the communities as if shifted to GCJ-02 or BD-09."""
    xy = buildings.geometry.representative_point()
    verdict = looks_shifted_inside(
        xy.x.to_numpy(), xy.y.to_numpy(), np.asarray(communities.geometry.values, dtype=object)
    )
    if not verdict.shifted:
        return []
    return [
        ValidationWarning(
            source, None, "looks_shifted", verdict.message(source).removeprefix(f"{source}: ")
        )
    ]
