"""Buildings for a cluster run, as pieces read and made ready on the workers.

A GeoParquet file is read a row group a piece when it has at least a row group per worker (a
row group is read whole, so cutting it would read it again per slice); else its row groups are
cut into slices sized so that every worker gets several (``slice_rows``). Each piece is read on
a worker (the row group's Arrow table, then only the
slice's geometries decoded) and goes through ``grid.input.prepare.prepare_buildings``, the steps
the in-process ``prepare`` runs on the whole layer. A folder of GeoParquet files is read a file a
piece (``dask_geopandas.read_parquet``); other formats are prepared in-process and split. The
pieces keep the layer's order, so a building's position in the prepared layer is its piece's
offset plus its row (see ``grid.scale.partition``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np

from grid.errors import InputError
from grid.input.io import PARQUET_SUFFIXES, check_geometry_types, map_fields, to_wgs84
from grid.input.prepare import prepare_buildings
from grid.partition.checks import check_buildings

#: buildings per piece: at least this many (a piece's fixed cost), at most that many (memory)
MIN_SLICE_ROWS, MAX_SLICE_ROWS = 2_000, 50_000
#: pieces per worker the buildings are cut into, so both reading and locating spread evenly
SLICES_PER_WORKER = 8


def is_parquet(path: Path) -> bool:
    """Whether ``path`` names a GeoParquet file or folder."""
    return Path(path).suffix.lower() in PARQUET_SUFFIXES


@dataclass(frozen=True)
class Reading:
    """How pieces are made ready: the options of the in-process ``prepare``."""

    source: str
    crs: str | int | None
    fields: Mapping[str, str]
    drop_invalid: bool

    def ready(self, part: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """One piece of raw buildings converted, checked, repaired and with households."""
        part = to_wgs84(part, self.crs, self.source)
        check_geometry_types(part, "buildings", self.source)
        part = map_fields(part, self.fields, self.source)
        part = prepare_buildings(part, self.source, fields=self.fields,
                                 drop_invalid=self.drop_invalid)[0]
        try:
            check_buildings(part)  # what partition() checks first, on this piece's rows
        except InputError as err:
            err.source = self.source
            err.args = (err.message,)
            raise
        return part


@dataclass(frozen=True)
class Pieces:
    """The buildings as delayed prepared frames in layer order, an empty frame with their
    columns, and how many rows the input holds (before preparing)."""

    pieces: list
    meta: gpd.GeoDataFrame
    rows: int


def slice_rows(total: int, workers: int) -> int:
    """Buildings per piece for ``total`` buildings on ``workers`` workers."""
    return int(np.clip(total // max(1, SLICES_PER_WORKER * workers), MIN_SLICE_ROWS,
                       MAX_SLICE_ROWS))


def read_slice(path: str, row_group: int, start: int, stop: int) -> gpd.GeoDataFrame:
    """Rows ``start:stop`` of one row group of a GeoParquet file (geometry decoded for those
    rows only)."""
    import pyarrow.parquet as pq
    from geopandas.io.arrow import _arrow_to_geopandas

    table = pq.ParquetFile(path).read_row_group(row_group)
    return _arrow_to_geopandas(table.slice(start, stop - start))


def _slices(path: Path, workers: int) -> list[tuple[str, int, int, int]]:
    """The (file, row group, start, stop) slices of a GeoParquet file, in its order."""
    import pyarrow.parquet as pq

    meta = pq.read_metadata(path)
    groups = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
    rows = slice_rows(sum(groups), workers)
    if len(groups) >= workers:
        # Enough row groups to spread already: each is read whole, once. A slice reads its
        # whole row group (Parquet reads no less), so cutting one in k slices reads it k times.
        rows = max(rows, min(max(groups), MAX_SLICE_ROWS))
    return [(str(path), g, lo, min(n, lo + rows)) for g, n in enumerate(groups)
            for lo in range(0, n, rows)]


def building_pieces(
    path: Path, *, workers: int, crs: str | int | None = None,
    fields: Mapping[str, str] | None = None, drop_invalid: bool = False,
    prepared: gpd.GeoDataFrame | None = None,
) -> Pieces:
    """The buildings at ``path`` as delayed prepared pieces; ``prepared`` is split instead when
    the layer was prepared whole."""
    from dask import delayed

    if prepared is not None:
        whole = prepared.reset_index(drop=True)
        rows = slice_rows(len(whole), workers)
        return Pieces([delayed(whole.iloc[lo:lo + rows])
                       for lo in range(0, max(1, len(whole)), rows)], whole.iloc[:0], len(whole))
    reading = Reading(str(path), crs, dict(fields or {}), drop_invalid)
    if Path(path).is_file():
        cuts = _slices(Path(path), workers)
        if not cuts:  # no row group: the file's columns, no rows
            import pyarrow.parquet as pq
            from geopandas.io.arrow import _arrow_to_geopandas

            sample = _arrow_to_geopandas(pq.read_table(path))
            raw = [delayed(sample)]
        else:
            sample = read_slice(*cuts[0][:3], min(cuts[0][3], cuts[0][2] + 8))
            raw = [delayed(read_slice)(*c) for c in cuts]
        total = sum(c[3] - c[2] for c in cuts)
    else:
        import dask_geopandas
        import pyarrow.parquet as pq

        frame = dask_geopandas.read_parquet(path)
        sample, raw = frame.partitions[0].head(8, compute=True), list(frame.to_delayed())
        total = sum(pq.read_metadata(f).num_rows for f in Path(path).rglob("*.parquet")
                    if not f.name.startswith((".", "_")))
    return Pieces([delayed(reading.ready)(r) for r in raw], reading.ready(sample).iloc[:0], total)
