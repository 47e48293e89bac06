"""Point → cell and point → H3 assignment for records, places and households (DESIGN §3, §8).

``CellIndex`` answers "which cell is this point in?" for millions of points at once. It lays a
uniform raster over the cells' bounds once: a square away from every cell edge answers by array
indexing; only points in squares near an edge are tested exactly with ``shapely.intersects_xy``
against that square's few candidate cells.

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
from scipy import ndimage

from grid.errors import InputError

OUTSIDE = -1  # position returned by CellIndex.positions for a point in no cell
_BOUNDARY = -2  # raster label of a square that needs the exact test
_SQUARES_PER_CELL = 1024  # raster density: more squares, fewer exact tests, slower build
_MAX_SQUARES = 4_000_000


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
        g = (
            np.asarray(gpd.GeoSeries(geoms).values, dtype=object)
            if isinstance(geoms, gpd.GeoSeries)
            else np.asarray(geoms, dtype=object)
        )
        self.ids = np.asarray(ids)
        if g.ndim != 1 or g.size == 0:
            raise InputError(
                "CellIndex needs a non-empty 1-d sequence of polygons", field="geometry"
            )
        if self.ids.shape != g.shape:
            raise InputError(f"{g.size} geometries but {self.ids.size} ids", field="ids")
        kinds = shapely.get_type_id(g)
        if not np.isin(kinds, (3, 6)).all() or shapely.is_empty(g).any():
            raise InputError(
                "every cell geometry must be a non-empty (Multi)Polygon", field="geometry"
            )
        self.geoms = g
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)
        self._build_raster(squares_per_cell)

    def _build_raster(self, squares_per_cell: int) -> None:
        """Label each raster square with its one cell, OUTSIDE, or _BOUNDARY plus its candidates.

        Squares near a cell edge are found by sampling every edge at half a square's spacing and
        marking the 3×3 squares around each sample, so unmarked squares are at least half a square
        away from every edge. Connected groups of unmarked squares then lie in one cell (or none)
        and are labelled by testing a single point per group.
        """
        x0, y0, x1, y1 = shapely.total_bounds(self.geoms)
        width, height = max(x1 - x0, 1e-12), max(y1 - y0, 1e-12)
        n = min(_MAX_SQUARES, max(16, squares_per_cell * self.geoms.size))
        side = np.sqrt(width * height / n)
        nx, ny = max(1, int(np.ceil(width / side))), max(1, int(np.ceil(height / side)))
        self._origin = (x0, y0)
        self._step = (width / nx, height / ny)
        self._shape = (ny, nx)
        self._bounds = (x0, y0, x1, y1)
        edges = shapely.segmentize(shapely.boundary(self.geoms), 0.5 * min(self._step))
        ex, ey = shapely.get_coordinates(edges).T
        near = np.zeros((ny + 2, nx + 2), dtype=bool)
        near[self._row(ey) + 1, self._col(ex) + 1] = True
        near = ndimage.binary_dilation(near, structure=np.ones((3, 3), dtype=bool))[1:-1, 1:-1]
        groups, n_groups = ndimage.label(~near)
        # One representative square per group: its centre decides the whole group.
        flat = groups.ravel()
        first = np.unique(flat, return_index=True)[1][1:] if n_groups else np.zeros(0, np.int64)
        rows, cols = np.divmod(first, nx)
        cx = x0 + (cols + 0.5) * self._step[0]
        cy = y0 + (rows + 0.5) * self._step[1]
        group_label = np.concatenate(([_BOUNDARY], self._first_cover(cx, cy)))
        labels = group_label[flat]
        hard = np.flatnonzero(labels == _BOUNDARY)
        sq, cell = self.tree.query(self._boxes(hard), predicate="intersects")
        order = np.lexsort((cell, sq))
        sq, cell = hard[sq[order]], cell[order]
        count = np.bincount(sq, minlength=nx * ny)
        labels[hard[count[hard] == 0]] = OUTSIDE
        # A near-edge square meeting a single cell that covers it needs no exact test either.
        single = np.flatnonzero(count[sq] == 1)
        covered = single[shapely.covers(self.geoms[cell[single]], self._boxes(sq[single]))]
        labels[sq[covered]] = cell[covered]
        keep = labels[sq] == _BOUNDARY
        sq, cell = sq[keep], cell[keep]
        count = np.bincount(sq, minlength=nx * ny)
        # Candidates of boundary squares in CSR form, each square's cells in input order.
        self._cand = cell
        self._cand_ptr = np.concatenate(([0], np.cumsum(count)))
        self._labels = labels

    def _boxes(self, squares: NDArray[np.int64]) -> NDArray[np.object_]:
        """The raster squares as box polygons, grown by a hair so that points rounded into a
        square by floating-point division are inside the box that decided their label."""
        rows, cols = np.divmod(squares, self._shape[1])
        bx = self._origin[0] + cols * self._step[0]
        by = self._origin[1] + rows * self._step[1]
        eps = 1e-9 * max(self._step[0], self._step[1]) * max(self._shape)
        return shapely.box(bx - eps, by - eps, bx + self._step[0] + eps, by + self._step[1] + eps)

    def _col(self, x: NDArray[np.float64]) -> NDArray[np.int64]:
        """Raster column of each x, clamped to the raster."""
        c = np.floor((x - self._origin[0]) / self._step[0]).astype(np.int64)
        return np.clip(c, 0, self._shape[1] - 1)

    def _row(self, y: NDArray[np.float64]) -> NDArray[np.int64]:
        """Raster row of each y, clamped to the raster."""
        r = np.floor((y - self._origin[1]) / self._step[1]).astype(np.int64)
        return np.clip(r, 0, self._shape[0] - 1)

    def _first_cover(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        """Lowest position of a cell covering each point, else OUTSIDE (exact, via the tree)."""
        pt, cell = self.tree.query(shapely.points(x, y), predicate="intersects")
        out = np.full(x.size, OUTSIDE, dtype=np.int64)
        order = np.lexsort((cell, pt))
        hp, first = np.unique(pt[order], return_index=True)
        out[hp] = cell[order][first]
        return out

    def positions(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.int64]:
        """Input positions of the cells containing each point; OUTSIDE (-1) for a point in none."""
        xa, ya = _coords(x, y)
        x0, y0, x1, y1 = self._bounds
        ny, nx = self._shape
        out = np.full(xa.size, OUTSIDE, dtype=np.int64)
        within = np.flatnonzero((xa >= x0) & (xa <= x1) & (ya >= y0) & (ya <= y1))
        square = self._row(ya[within]) * nx + self._col(xa[within])
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
        """The id of the cell containing each point, as an object array; None outside every cell."""
        pos = self.positions(x, y)
        out = np.full(pos.size, None, dtype=object)
        found = pos != OUTSIDE
        out[found] = self.ids[pos[found]]
        return out


def assign_cells(
    cells_gdf: gpd.GeoDataFrame, x: ArrayLike, y: ArrayLike, id_col: str = "code"
) -> NDArray[np.object_]:
    """The ``id_col`` of the cell containing each point (None outside), in the cells' CRS."""
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
    cells = [
        h3.latlng_to_cell(la, lo, r) for la, lo in zip(lat.tolist(), lon.tolist(), strict=True)
    ]
    return np.asarray(cells, dtype=np.str_)
