"""Point → cell and point → H3 assignment for records, places and households (DESIGN §3, §8).

``CellIndex`` answers "which cell is this point in?" for millions of points at once. It lays a
uniform raster over the cells' bounds once: a square that no cell edge touches answers by array
indexing; only points in squares that an edge touches are tested exactly with
``shapely.intersects_xy`` against that square's few candidate cells.

The raster is built with numpy alone, in time proportional to the total length of the cell
edges measured in squares: every edge segment is walked row by row to mark the squares it
touches, and a scanline over square centres gives each untouched square its cell. Each cell
toggles a random 64-bit key at every crossing of its rings; an XOR running along each row
leaves at a centre the XOR of the keys of the cells containing it (even-odd rule, so holes and
multipolygons need no special case), which decodes to a single cell, to none, or — in
overlapping cells — to "several", settled by one exact STRtree query.

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
_SEVERAL = -2  # build-time label of a square centre inside more than one cell
# Labels below OUTSIDE mark squares an edge touches: label -2 - b points at boundary square b.
_SQUARES_PER_CELL = 1024  # raster density: more squares, fewer exact tests, slower build
_MAX_SQUARES = 4_000_000  # bounds the raster's memory (~100 MB while building)
_TOLERANCE = 1e-7  # squares: an edge this close to a square marks it (rounding is ~1e-12)
_KEY_SEED = 20_240_601  # fixed, so that builds are reproducible


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


def _ragged(counts: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For each item repeated ``counts`` times: its index and its rank within its repeats."""
    owner = np.repeat(np.arange(counts.size), counts)
    rank = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, rank


def _first_per_group(group: NDArray[np.int64], value: NDArray[np.int64], n: int) -> NDArray:
    """The smallest ``value`` of each group 0..n-1, OUTSIDE for an empty group."""
    out = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, group, value)
    out[out == np.iinfo(np.int64).max] = OUTSIDE
    return out


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
        self._ids_or_none = np.append(self.ids.astype(object), None)
        self._build_raster(squares_per_cell)

    def _grid(
        self, x: NDArray[np.float64], y: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Coordinates in square units: square (row r, column c) spans [c, c+1) × [r, r+1).

        Row and column 0 and the last ones are padding that no cell reaches, so a point outside
        the bounds can be clamped into them. The build and the lookup share this one transform.
        """
        u = (x - self._origin[0]) * self._inv_side + 1.0
        v = (y - self._origin[1]) * self._inv_side + 1.0
        return u, v

    def _build_raster(self, squares_per_cell: int) -> None:
        """Label each raster square with its one cell, OUTSIDE, or a boundary-square number.

        Squares within _TOLERANCE of an edge are boundary squares with candidate cells (those
        whose edges touch the square, plus any containing its centre), in input order. Every
        other square lies inside the same cells as its centre, which the key scanline decides.
        """
        x0, y0, x1, y1 = shapely.total_bounds(self.geoms)
        width, height = max(x1 - x0, 1e-12), max(y1 - y0, 1e-12)
        n = min(_MAX_SQUARES, max(16, squares_per_cell * self.geoms.size))
        side = float(np.sqrt(width * height / n))
        side = max(side, width / 65536, height / 65536)  # a thin layout keeps a sane shape
        self._origin = (float(x0), float(y0))
        self._inv_side = 1.0 / side
        nx, ny = int(width * self._inv_side) + 1, int(height * self._inv_side) + 1
        self._shape = (ny + 2, nx + 2)

        parts, part_cell = shapely.get_parts(self.geoms, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        u, v = self._grid(xy[:, 0], xy[:, 1])
        seg = np.flatnonzero(ring[:-1] == ring[1:])
        cell = part_cell[ring_part[ring[seg]]]
        ua, va, ub, vb = u[seg], v[seg], u[seg + 1], v[seg + 1]

        ns = self._shape[0] * self._shape[1]
        sq_edge, cell_edge = self._touched(ua, va, ub, vb, cell, nx, ny)
        marked = np.zeros(ns, dtype=bool)
        marked[sq_edge] = True
        labels = self._centre_labels(ua, va, ub, vb, cell)
        several = np.flatnonzero(labels == _SEVERAL)
        if several.size:  # overlapping cells: ask the tree which cells hold those centres
            rows, cols = np.divmod(several, self._shape[1])
            cx = self._origin[0] + (cols - 0.5) * side
            cy = self._origin[1] + (rows - 0.5) * side
            pt, hit = self.tree.query(shapely.points(cx, cy), predicate="intersects")
            labels[several] = _first_per_group(pt, hit, several.size)
            keep = marked[several[pt]]
            sq_edge = np.concatenate([sq_edge, several[pt[keep]]])
            cell_edge = np.concatenate([cell_edge, hit[keep]])
        # A cell holding a whole boundary square holds its centre: add it as a candidate.
        holder = np.flatnonzero(marked & (labels >= 0))
        sq_all = np.concatenate([sq_edge, holder])
        cell_all = np.concatenate([cell_edge, labels[holder]])
        key = np.sort(sq_all * self.geoms.size + cell_all)
        key = key[np.append(True, key[1:] != key[:-1])]
        sq_b, self._cand = np.divmod(key, self.geoms.size)
        first = np.flatnonzero(np.append(True, sq_b[1:] != sq_b[:-1]))
        labels[sq_b[first]] = -2 - np.arange(first.size)
        self._cand_ptr = first
        self._cand_count = np.diff(np.append(first, sq_b.size))
        self._labels = labels.astype(np.int32)

    def _touched(
        self,
        ua: NDArray[np.float64],
        va: NDArray[np.float64],
        ub: NDArray[np.float64],
        vb: NDArray[np.float64],
        cell: NDArray[np.int64],
        nx: int,
        ny: int,
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(square, cell) for every real square within _TOLERANCE of a segment of that cell.

        Each segment is cut into the rows it crosses (each row widened by the tolerance); the
        piece in a row spans an interval of u, whose squares are all touched.
        """
        tol = _TOLERANCE
        r0 = np.floor(np.minimum(va, vb) - tol).astype(np.int64)
        r1 = np.floor(np.maximum(va, vb) + tol).astype(np.int64)
        s, k = _ragged(r1 - r0 + 1)
        row = r0[s] + k
        dv = vb[s] - va[s]
        flat = dv == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            t0 = np.where(flat, 0.0, (row - tol - va[s]) / dv)
            t1 = np.where(flat, 1.0, (row + 1 + tol - va[s]) / dv)
        t0, t1 = np.clip(t0, 0.0, 1.0), np.clip(t1, 0.0, 1.0)
        du = ub[s] - ua[s]
        pa, pb = ua[s] + t0 * du, ua[s] + t1 * du
        c0 = np.floor(np.minimum(pa, pb) - tol).astype(np.int64)
        c1 = np.floor(np.maximum(pa, pb) + tol).astype(np.int64)
        piece, j = _ragged(c1 - c0 + 1)
        rows = np.clip(row[piece], 1, ny)
        cols = np.clip(c0[piece] + j, 1, nx)
        return rows * self._shape[1] + cols, cell[s[piece]]

    def _centre_labels(
        self,
        ua: NDArray[np.float64],
        va: NDArray[np.float64],
        ub: NDArray[np.float64],
        vb: NDArray[np.float64],
        cell: NDArray[np.int64],
    ) -> NDArray[np.int64]:
        """The cell holding each square's centre by the even-odd rule: OUTSIDE or _SEVERAL.

        Segments are oriented bottom-up so that an edge shared by two cells gives both of them
        the same crossings, bit for bit.
        """
        n_cells = self.geoms.size
        low = np.int64(2 ** max(1, n_cells.bit_length()) - 1)  # key bits that name the cell
        rng = np.random.default_rng(_KEY_SEED)
        keys = rng.integers(0, 2**63, n_cells, dtype=np.int64) & ~low
        keys |= np.arange(1, n_cells + 1)
        # Decoding tables by the low bits: 0 is "no cell", beyond n_cells nothing matches.
        key_of = np.zeros(int(low) + 1, dtype=np.int64)
        key_of[1 : n_cells + 1] = keys
        cell_of = np.full(int(low) + 1, _SEVERAL, dtype=np.int64)
        cell_of[: n_cells + 1] = np.arange(-1, n_cells)
        up = va < vb
        lo_u, lo_v = np.where(up, ua, ub), np.where(up, va, vb)
        hi_u, hi_v = np.where(up, ub, ua), np.where(up, vb, va)
        first = np.ceil(lo_v - 0.5).astype(np.int64)  # rows whose centre line lo_v <= c < hi_v
        s, k = _ragged(np.maximum(np.ceil(hi_v - 0.5).astype(np.int64) - first, 0))
        row = first[s] + k
        cross = lo_u[s] + (row + 0.5 - lo_v[s]) * ((hi_u[s] - lo_u[s]) / (hi_v[s] - lo_v[s]))
        col = np.clip(np.ceil(cross - 0.5).astype(np.int64), 0, self._shape[1] - 1)
        toggles = np.zeros(self._shape[0] * self._shape[1], dtype=np.int64)
        np.bitwise_xor.at(toggles, row * self._shape[1] + col, keys[cell[s]])
        held = np.bitwise_xor.accumulate(toggles.reshape(self._shape), axis=1).ravel()
        del toggles
        low_bits = held & low
        return np.where(key_of[low_bits] == held, cell_of[low_bits], _SEVERAL)

    def positions(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.int64]:
        """Input positions of the cells containing each point; OUTSIDE (-1) for a point in none."""
        xa, ya = _coords(x, y)
        u, v = self._grid(xa, ya)
        ny, nx = self._shape
        col = np.clip(u, 0, nx - 1, out=u).astype(np.intp)
        row = np.clip(v, 0, ny - 1, out=v).astype(np.intp)
        row *= nx
        row += col
        out = self._labels[row].astype(np.int64)
        hard = np.flatnonzero(out < OUTSIDE)
        if hard.size:
            out[hard] = self._exact(xa[hard], ya[hard], -2 - out[hard])
        return out

    def _exact(
        self, x: NDArray[np.float64], y: NDArray[np.float64], boundary: NDArray[np.int64]
    ) -> NDArray[np.int64]:
        """The first candidate of each point's boundary square covering the point, else OUTSIDE.

        Candidates are tried in input order, one rank at a time, over the points still open.
        """
        start, count = self._cand_ptr[boundary], self._cand_count[boundary]
        result = np.full(x.size, OUTSIDE, dtype=np.int64)
        open_ = np.arange(x.size)
        rank = 0
        while open_.size:
            open_ = open_[count[open_] > rank]
            cell = self._cand[start[open_] + rank]
            hit = shapely.intersects_xy(self.geoms[cell], x[open_], y[open_])
            result[open_[hit]] = cell[hit]
            open_ = open_[~hit]
            rank += 1
        return result

    def lookup(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.object_]:
        """The id of the cell containing each point, as an object array; None outside every cell."""
        return self._ids_or_none[self.positions(x, y)]


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
