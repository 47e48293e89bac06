"""Records re-assigned in batch: each record (a point with a time) gets the cell in force at its
time (``grid.analysis.history.CellHistory``, over the server's ``CellIndex``) and its H3 index
(``grid.analysis.h3index.h3_index``), the same functions the server uses when a record is written.

Records are read from Parquet / GeoParquet a row group at a time (small ones gathered up to
``RECORDS_BLOCK``; ``lon``/``lat`` or ``x``/``y`` columns, or a point geometry
kept as its WKB and decoded with numpy, never as one object per record) and written back as
Parquet parts with ``cell_code`` and ``h3`` added (GeoParquet in, GeoParquet out), one part per
input partition: on a dask.distributed cluster each part is a task (a task lost with its worker
is run again and rewrites its part whole), without one in this process, part by part. Memory is
bounded by a partition, whatever the number of records.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from grid.analysis.h3index import h3_ints
from grid.analysis.history import CellHistory, utc_ns
from grid.errors import InputError

XY_NAMES = (("lon", "lat"), ("x", "y"), ("longitude", "latitude"))
#: the most record data (Parquet's uncompressed size) a partition gathers from small row groups;
#: a larger row group is one partition (about 1 KB of memory per record while assigned)
RECORDS_BLOCK = "32MiB"
#: a 2D point in little-endian WKB: byte order 1, type 1 (four bytes), then x and y
_POINT_WKB = 21
DEFAULT_H3_RES = 11  # the server's default (api.settings.Settings.h3_resolution)


def record_xy(part: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """A partition's record coordinates: lon/lat (or x/y) columns, else its point geometry."""
    for x, y in XY_NAMES:
        if x in part.columns and y in part.columns:
            return part[x].to_numpy(dtype=np.float64), part[y].to_numpy(dtype=np.float64)
    if "geometry" in part.columns:
        import shapely

        geoms = np.asarray(part["geometry"].values, dtype=object)
        fast = wkb_points_xy(geoms)
        if fast is not None:
            return fast
        if len(geoms) and isinstance(geoms[0], bytes | bytearray):
            geoms = shapely.from_wkb(geoms)
        xy = shapely.get_coordinates(geoms)
        if len(xy) == len(part):
            return xy[:, 0], xy[:, 1]
    raise InputError("records need lon/lat (or x/y) columns or point geometry", field="lon/lat")


def wkb_points_xy(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The coordinates of WKB values when every one is a little-endian 2D point (read straight
    from the bytes, no geometry object made), else None."""
    if not len(values) or not all(isinstance(v, bytes) for v in values[:1]):
        return None
    try:
        sizes = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    except TypeError:  # an empty geometry (None) among them
        return None
    if (sizes != _POINT_WKB).any():
        return None
    raw = np.frombuffer(b"".join(values), dtype=np.uint8).reshape(-1, _POINT_WKB)
    if (raw[:, :5] != np.array([1, 1, 0, 0, 0], dtype=np.uint8)).any():
        return None
    xy = raw[:, 5:].copy().view("<f8")
    return xy[:, 0], xy[:, 1]


def assign_part(part: pd.DataFrame, history: CellHistory, time_field: str,
                res: int) -> pd.DataFrame:
    """``part`` with ``cell_code`` (the cell in force at the record's time, categorical) and
    ``h3`` (the H3 cell as its 64-bit integer; ``h3.int_to_str`` gives the server's hex form)."""
    if time_field not in part.columns:
        raise InputError(f"records have no '{time_field}' column", field=time_field)
    x, y = record_xy(part)
    cells = history.categories(x, y, utc_ns(part[time_field], time_field))
    h3 = h3_ints(x, y, res).view(np.int64) if len(part) else np.empty(0, dtype=np.int64)
    return part.assign(cell_code=cells, h3=h3)


def read_records(path: Path) -> tuple[Any, bytes | None]:
    """The records at ``path`` (a Parquet file or folder) as a dask frame in partitions of at
    most ``RECORDS_BLOCK``, and their GeoParquet metadata (None for plain Parquet); a geometry
    column stays WKB."""
    import dask.dataframe as dd
    import pyarrow.parquet as pq

    if not path.exists():
        raise InputError("file not found", source=str(path))
    try:
        schema = pq.read_schema(next(iter(sorted(path.rglob("*.parquet")))) if path.is_dir()
                                else path)
    except (OSError, StopIteration, ValueError) as exc:
        raise InputError(f"cannot read as Parquet: {exc}", source=str(path)) from exc
    geo = (schema.metadata or {}).get(b"geo")
    return dd.read_parquet(path, blocksize=RECORDS_BLOCK), geo


def reassign(records: Path, cells: Any, out: Path, *, client: Any = None,
             time_field: str = "occurred_at", res: int = DEFAULT_H3_RES,
             progress: bool = False) -> int:
    """Write ``records`` with their cells (``cells``: a GeoDataFrame of cell versions) and H3
    to the Parquet folder ``out``, on ``client``'s cluster or in this process; the count."""
    history = CellHistory(cells)
    ddf, geo = read_records(records)
    if time_field not in ddf.columns:
        raise InputError(f"records have no '{time_field}' column", source=str(records),
                         field=time_field)
    meta = assign_part(ddf._meta, history, time_field, res)
    arg = client.scatter(history, broadcast=True) if client is not None else history
    done = ddf.map_partitions(assign_part, arg, time_field, res, meta=meta)
    write = done.to_parquet(out, write_index=False, compute=False, overwrite=True,
                            **_geo_options(done, geo))
    if client is None:
        import dask

        with dask.config.set(scheduler="synchronous"):
            _run(write, progress)
    else:
        future = client.compute(write)
        if progress:
            from distributed import progress as bar

            bar(future)
        future.result()
    return written_rows(out)


def _geo_options(done: Any, geo: bytes | None) -> dict:
    """How GeoParquet records are written back: their WKB columns as binary (dask cannot infer
    a type from an object column's placeholder) and their GeoParquet metadata, so the output is
    GeoParquet too."""
    if not geo:
        return {}
    import json

    import pyarrow as pa

    columns = [c for c in json.loads(geo).get("columns", {}) if c in done.columns]
    sample = done._meta_nonempty.assign(**dict.fromkeys(columns, b""))
    schema = pa.Schema.from_pandas(sample, preserve_index=False).remove_metadata()
    return {"custom_metadata": {b"geo": geo}, "schema": schema}


def _run(write: Any, progress: bool) -> None:
    """Compute ``write`` in this process, with dask's progress bar on stderr when asked."""
    if not progress:
        write.compute()
        return
    from dask.diagnostics import ProgressBar

    with ProgressBar(out=sys.stderr):
        write.compute()


def written_rows(out: Path) -> int:
    """The number of records in the Parquet parts under ``out`` (from their footers)."""
    import pyarrow.parquet as pq

    return sum(pq.read_metadata(f).num_rows for f in sorted(out.glob("*.parquet")))
