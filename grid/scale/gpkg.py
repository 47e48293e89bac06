"""``partition --cluster --out NAME.gpkg``: the GeoPackage written from the GeoParquet streets.

The tasks write GeoParquet by street (``grid.scale.output``) into a hidden staging folder beside
the target (``staging``); the client then appends it to the GeoPackage in batches of whole
streets (``BATCH_ROWS``), so it holds a batch, never the province. The layers, columns and
geometry types are the in-process GeoPackage's (``grid.cli._write_gpkg``): ``cells`` in code
order (streets in order, cells by code within each), ``buildings`` street by street, and
``vertical_cells`` when there are any. The file is written aside and moved into place
(``written_aside``).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
from pyproj import CRS

from grid.commandline import vertical_layer, written_aside
from grid.input.io import write_layer
from grid.scale.output import street_of

#: rows gathered from the streets before one append to the GeoPackage: each append opens and
#: closes the file (a street at a time: 34 s for a 5000-community province, 24 s in batches);
#: memory stays bounded by this, not by the province
BATCH_ROWS = 200_000
#: single and multi geometry types that a GeoPackage layer holds together as the multi type
MULTI = {"Point": "MultiPoint", "LineString": "MultiLineString", "Polygon": "MultiPolygon"}


def staging(out: Path) -> Path:
    """The hidden GeoParquet folder beside ``out`` the tasks write into."""
    return out.with_name(f".{out.stem}.{os.getpid()}.parquet")


def street_files(folder: Path, layer: str) -> list[Path]:
    """The files of ``layer`` under a partition output ``folder``, streets in order."""
    found = (folder / layer).glob("street=*/part-0.parquet")
    return sorted(found, key=lambda p: p.parent.name)


def write_gpkg(folder: Path, vertical: pd.DataFrame, out: Path) -> None:
    """The GeoPackage ``out`` from the GeoParquet streets under ``folder`` and the ``vertical``
    cells' attributes, a batch of streets in memory at a time."""
    with written_aside(out) as tmp:
        cells = street_files(folder, "cells")
        _append_all(cells, tmp, "cells", _cells)
        _append_all(street_files(folder, "buildings"), tmp, "buildings", read_street)
        if len(vertical):
            streets = street_of(vertical["community_code"])
            by_street = {s: vertical[streets == s] for s in sorted(set(streets.tolist()))}
            mine = [p for p in cells if _street(p) in by_street]
            _append_all(mine, tmp, "vertical_cells",
                        lambda p: vertical_layer(_cells(p), by_street[_street(p)]),
                        _vertical_types(mine, by_street))


def _append_all(paths: list[Path], gpkg: Path, layer: str,
                read: Callable[[Path], gpd.GeoDataFrame], types: set[str] | None = None) -> None:
    """Append ``read(path)`` of ``paths`` to ``layer`` of ``gpkg`` in batches of whole files
    (``BATCH_ROWS``), the layer typed for the geometry types of all of them."""
    geometry_type, promote = layer_type(_file_types(paths) if types is None else types)
    batch: list[gpd.GeoDataFrame] = []
    held, written = 0, False
    for k, path in enumerate(paths):
        frame = read(path)
        batch.append(frame)
        held += len(frame)
        if held >= BATCH_ROWS or k == len(paths) - 1:
            whole = pd.concat(batch, ignore_index=True) if len(batch) > 1 else batch[0]
            write_layer(whole, gpkg, layer=layer, append=written, geometry_type=geometry_type,
                        promote_to_multi=promote)
            batch, held, written = [], 0, True


def layer_type(types: set[str]) -> tuple[str, bool]:
    """The GeoPackage layer geometry type for geometries of ``types`` (``"Polygon Z"`` style
    names) and whether to promote them to multi: what pyogrio infers from the whole layer."""
    flat = {t.removesuffix(" Z") for t in types}
    z = " Z" if any(t.endswith(" Z") for t in types) else ""
    if len(flat) == 1:
        return next(iter(flat)) + z, False
    for single, multi in MULTI.items():
        if flat == {single, multi}:
            return multi + z, True
    return "Unknown", False


def _file_types(paths: list[Path]) -> set[str]:
    """The geometry types of GeoParquet files, from their metadata (nothing else is read)."""
    types: set[str] = set()
    for path in paths:
        geo = json.loads(pq.read_schema(path).metadata[b"geo"])
        types.update(geo["columns"][geo["primary_column"]]["geometry_types"])
    return types


def _vertical_types(paths: list[Path], by_street: dict[str, pd.DataFrame]) -> set[str]:
    """The geometry types of the cells the vertical cells stand on."""
    types: set[str] = set()
    for path in paths:
        cells = _cells(path, columns=["code", "geometry"])
        under = cells[cells["code"].isin(by_street[_street(path)]["cell_code"])]
        types.update(f"{t} Z" if z else t for t, z in zip(under.geom_type, under.has_z,
                                                          strict=True))
    return types


def _cells(path: Path, columns: list[str] | None = None) -> gpd.GeoDataFrame:
    """One street's cells, by code."""
    return read_street(path, columns).sort_values("code", ignore_index=True)


def read_street(path: Path, columns: list[str] | None = None) -> gpd.GeoDataFrame:
    """One street's GeoParquet file, as ``gpd.read_parquet`` reads it but with its CRS parsed
    once for all files: pyproj takes 20 ms to parse one, 18 of the 25 s that 900 street files
    of a 5000-community province took to read."""
    from geopandas.io.arrow import _arrow_to_geopandas

    table = pq.read_table(path, columns=columns)
    geo = json.loads(table.schema.metadata[b"geo"])
    column = geo["columns"][geo["primary_column"]]
    crs = _crs(json.dumps(column.get("crs", "OGC:CRS84")))
    column["crs"] = None
    return _arrow_to_geopandas(table, geo).set_crs(crs)


@functools.lru_cache(maxsize=8)
def _crs(text: str) -> CRS:
    """The CRS of a GeoParquet column's ``crs`` entry (PROJJSON, as JSON text)."""
    return CRS.from_user_input(json.loads(text))


def _street(path: Path) -> str:
    """The street of a ``street=S/part-0.parquet`` file."""
    return path.parent.name.removeprefix("street=")
