"""Buildings as a dask-geopandas frame, made ready partition by partition.

A GeoParquet file or folder is read in its row groups and files (``dask_geopandas.read_parquet``)
and each partition goes through ``grid.input.prepare.prepare_buildings``, the steps the
in-process ``prepare`` runs on the whole layer. Other formats are prepared in-process and split.
Every building gets its position in the prepared layer (``_pos``) and the name messages use for
it (``_name``: its ``id`` when the ids are unique, else that position), as in-process.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from grid.errors import InputError
from grid.input.io import PARQUET_SUFFIXES, check_geometry_types, map_fields, to_wgs84
from grid.input.prepare import prepare_buildings
from grid.partition.checks import check_buildings

#: buildings per partition when a layer read whole is split for the cluster
ROWS_PER_PARTITION = 20_000


def is_parquet(path: Path) -> bool:
    """Whether ``path`` names a GeoParquet file or folder."""
    return Path(path).suffix.lower() in PARQUET_SUFFIXES


def _ready(part: gpd.GeoDataFrame, crs: str | int | None, source: str,
           fields: Mapping[str, str], drop_invalid: bool) -> gpd.GeoDataFrame:
    """One partition of raw buildings converted, checked, repaired and with households."""
    part = to_wgs84(part, crs, source)
    check_geometry_types(part, "buildings", source)
    part = map_fields(part, fields, source)
    part = prepare_buildings(part, source, fields=fields, drop_invalid=drop_invalid)[0]
    try:
        check_buildings(part)  # what partition() checks first, on this partition's rows
    except InputError as err:
        err.source = source
        err.args = (err.message,)
        raise
    return part


def _numbered(part: gpd.GeoDataFrame, offsets: np.ndarray, by_id: bool,
              partition_info: dict | None = None) -> gpd.GeoDataFrame:
    """``part`` with its global positions and names (``partition_info`` comes from dask)."""
    start = int(offsets[partition_info["number"]]) if partition_info else 0
    pos = np.arange(start, start + len(part), dtype=np.int64)
    names = np.asarray(pos, dtype=object)
    if by_id:  # as grid.input.validate.feature_ids names them: the id, else the position
        names = np.where(part["id"].isna().to_numpy(), names, part["id"].to_numpy(dtype=object))
    return part.assign(_pos=pos, _name=names)


def read_buildings(
    path: Path, *, crs: str | int | None = None, fields: Mapping[str, str] | None = None,
    drop_invalid: bool = False, prepared: gpd.GeoDataFrame | None = None,
) -> Any:
    """The buildings at ``path`` as a prepared dask-geopandas frame with ``_pos``/``_name``;
    ``prepared`` is used instead when the layer was already read and prepared whole."""
    import dask_geopandas

    fields = dict(fields or {})
    if prepared is not None:
        n = max(1, -(-len(prepared) // ROWS_PER_PARTITION))
        ddf = dask_geopandas.from_geopandas(prepared.reset_index(drop=True), npartitions=n)
    else:
        raw = dask_geopandas.read_parquet(path)
        sample = raw.partitions[0].head(8, compute=True)  # the steps need real rows for types
        meta = _ready(sample, crs, str(path), fields, drop_invalid).iloc[:0]
        ddf = raw.map_partitions(_ready, crs, str(path), fields, drop_invalid, meta=meta)
    lengths, by_id = _counts(ddf)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    meta = _numbered(ddf._meta, offsets, by_id)
    return ddf.map_partitions(_numbered, offsets, by_id, meta=meta)


def _counts(ddf: Any) -> tuple[np.ndarray, bool]:
    """Rows per partition, and whether the buildings' ids name each one once, in one pass
    over the (read and prepared) partitions."""
    import dask

    sizes = ddf.map_partitions(len)
    if "id" not in ddf.columns:
        return np.asarray(sizes.compute(), dtype=np.int64), False
    ids = ddf["id"].dropna()
    lengths, distinct, given = dask.compute(sizes, ids.nunique(), ids.count())
    return np.asarray(lengths, dtype=np.int64), bool(distinct == given)
