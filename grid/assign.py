"""Point → cell and point → H3 assignment for records, places and households (DESIGN §3, §8).

``CellIndex`` answers "which cell is this point in?" for millions of points at once. It lays a
uniform raster over the cells' bounds once: a square that touches exactly one cell and lies wholly
inside it answers by array indexing; only points in squares crossed by a cell edge are tested
exactly with ``shapely.intersects_xy`` against that square's few candidate cells.

Rule for points on an edge shared by several cells (or in overlapping cells): the point belongs to
the cell listed first in the input, so results are deterministic. Points on a cell's outer edge
belong to it (closed polygons, like ``geopandas.sjoin(predicate="intersects")``).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import h3
import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from grid.errors import InputError

OUTSIDE = -1  # position returned by CellIndex.positions for a point in no cell
_BOUNDARY = -2  # raster label of a square that needs the exact test
_SQUARES_PER_CELL = 256  # raster density: more squares, fewer exact tests, slower build
_MAX_SQUARES = 2_000_000


def _coords(x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``x`` and ``y`` as equal-length finite float arrays, or an InputError naming the problem."""
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    if xa.shape != ya.shape:
        raise InputError(f"x has {xa.size} values but y has {ya.size}", field="x/y")
    bad = ~(np.isfinite(xa) & np.isfinite(ya))
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} points have missing or non-finite coordinates "
            f"(first at position {int(np.flatnonzero(bad)[0])})",
            field="x/y",
        )
    return xa, ya


class CellIndex:
    """A point-in-cell index over polygons, built once and queried in batch."""

    def __init__(
        self,
        geoms: Sequence[shapely.Geometry] | NDArray[np.object_] | gpd.GeoSeries,
        ids: ArrayLike,
        *,
        squares_per_cell: int = _SQUARES_PER_CELL,
    ) -> None:
        """Index ``geoms`` (polygons in any one CRS) answering with ``ids`` (same length)."""
        g = np.asarray(gpd.GeoSeries(geoms).values, dtype=object) if isinstance(
            geoms, gpd.GeoSeries
        ) else np.asarray(geoms, dtype=object)
        self.ids = np.asarray(ids)
        if g.ndim != 1 or g.size == 0:
            raise InputError("CellIndex needs a non-empty 1-d sequence of polygons", field="geometry")
        if self.ids.shape != g.shape:
            raise InputError(f"{g.size} geometries but {self.ids.size} ids", field="ids")
        kinds = shapely.get_type_id(g)
        if not np.isin(kinds, (3, 6)).all() or shapely.is_empty(g).any():
            raise InputError("every cell geometry must be a non-empty (Multi)Polygon", field="geometry")
        self.geoms = g
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)
        self._build_raster(squares_per_cell)

    def _build_raster(self, squares_per_cell: int) -> None:
        """Label each raster square with its one cell, OUTSIDE, or _BOUNDARY plus its candidates."""
        x0, y0, x1, y1 = shapely.total_bounds(self.geoms)
        width, height = max(x1 - x0, 1e-12), max(y1 - y0, 1e-12)
        n = min(_MAX_SQUARES, max(16, squares_per_cell * self.geoms.size))
        side = np.sqrt(width * height / n)
        nx, ny = max(1, int(np.ceil(width / side))), max(1, int(np.ceil(height / side)))
        self._origin = (x0, y0)
        self._step = (width / nx, height / ny)
        self._shape = (ny, nx)
        self._bounds = (x0, y0, x1, y1)
        # Squares are grown by a small margin so points rounded into a neighbouring square by
        # floating-point division are still inside the square whose label they get.
        eps = 1e-9 * max(width, height)
        jj, ii = np.divmod(np.arange(nx * ny), nx)
        bx0 = x0 + ii * self._step[0]
        by0 = y0 + jj * self._step[1]
        boxes = shapely.box(bx0 - eps, by0 - eps, bx0 + self._step[0] + eps, by0 + self._step[1] + eps)
        sq, cell = self.tree.query(boxes, predicate="intersects")
        order = np.lexsort((cell, sq))
        sq, cell = sq[order], cell[order]
        count = np.bincount(sq, minlength=nx * ny)
        labels = np.full(nx * ny, OUTSIDE, dtype=np.int64)
        single = np.flatnonzero(count[sq] == 1)
        inside = shapely.covers(self.geoms[cell[single]], boxes[sq[single]])
        labels[count > 0] = _BOUNDARY
        labels[sq[single[inside]]] = cell[single[inside]]
        # Candidates of boundary squares in CSR form, each square's cells in input order.
        keep = labels[sq] == _BOUNDARY
        self._cand = cell[keep]
        self._cand_ptr = np.concatenate(([0], np.cumsum(np.bincount(sq[keep], minlength=nx * ny))))
        self._labels = labels

    def positions(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.int64]:
        """Input positions of the cells containing each point; OUTSIDE (-1) for a point in none."""
        xa, ya = _coords(x, y)
        x0, y0, x1, y1 = self._bounds
        ny, nx = self._shape
        out = np.full(xa.size, OUTSIDE, dtype=np.int64)
        within = np.flatnonzero((xa >= x0) & (xa <= x1) & (ya >= y0) & (ya <= y1))
        ix = np.minimum(((xa[within] - x0) / self._step[0]).astype(np.int64), nx - 1)
        iy = np.minimum(((ya[within] - y0) / self._step[1]).astype(np.int64), ny - 1)
        square = iy * nx + ix
        label = self._labels[square]
        out[within] = label
        hard = label == _BOUNDARY
        if hard.any():
            out[within[hard]] = self._exact(xa[within[hard]], ya[within[hard]], square[hard])
        return out

    def _exact(
        self, x: NDArray[np.float64], y: NDArray[np.float64], square: NDArray[np.int64]
    ) -> NDArray[np.int64]:
        """The first candidate cell of each point's square that covers the point, else OUTSIDE."""
        start, stop = self._cand_ptr[square], self._cand_ptr[square + 1]
        lengths = stop - start
        point = np.repeat(np.arange(x.size), lengths)
        offset = np.arange(point.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        cell = self._cand[np.repeat(start, lengths) + offset]
        hit = shapely.intersects_xy(self.geoms[cell], x[point], y[point])
        result = np.full(x.size, OUTSIDE, dtype=np.int64)
        # Pairs are ordered by point, then by cell position: the first hit is the lowest position.
        hp, first = np.unique(point[hit], return_index=True)
        result[hp] = cell[hit][first]
        return result

    def lookup(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.object_]:
        """The id of the cell containing each point, as an object array with None outside every cell."""
        pos = self.positions(x, y)
        out = np.full(pos.size, None, dtype=object)
        found = pos != OUTSIDE
        out[found] = self.ids[pos[found]]
        return out


def assign_cells(
    cells_gdf: gpd.GeoDataFrame, x: ArrayLike, y: ArrayLike, id_col: str = "code"
) -> NDArray[np.object_]:
    """The ``id_col`` of the cell containing each point (None outside); points share the cells' CRS."""
    if id_col not in cells_gdf.columns:
        raise InputError(f"cells have no column '{id_col}'", field=id_col)
    return CellIndex(cells_gdf.geometry.values, cells_gdf[id_col].to_numpy()).lookup(x, y)


def h3_index(x: ArrayLike, y: ArrayLike, res: int) -> NDArray[np.str_]:
    """The H3 cell (hex string) at resolution ``res`` of each WGS84 point (x = lon, y = lat)."""
    if not isinstance(res, int | np.integer) or not 0 <= int(res) <= 15:
        raise InputError(f"H3 resolution must be an integer 0..15, got {res!r}", field="res")
    lon, lat = _coords(x, y)
    if (np.abs(lat) > 90).any() or (np.abs(lon) > 180).any():
        raise InputError("H3 needs WGS84 lon/lat; coordinates are out of range", field="x/y")
    r = int(res)
    # h3 4 has no vectorised entry point; this is one C call per point, without pandas overhead.
    cells = [h3.latlng_to_cell(la, lo, r) for la, lo in zip(lat.tolist(), lon.tolist(), strict=True)]
    return np.asarray(cells, dtype=np.str_)
