"""Point → cell assignment for records, places and households (DESIGN §3, §8); point → H3 is in
``grid.analysis.h3index``.

``CellIndex`` answers "which cell is this point in?" for millions of points at once. It lays a
uniform raster over the cells' bounds once. A square that no cell edge touches answers by array
indexing. A square crossed by a single edge answers by which side of that edge the point lies,
with an error-bounded orientation test (Shewchuk's filter); a point too close to call, or in a
square with a vertex or several edges, is tested exactly with ``shapely.intersects_xy`` against
that square's few candidate cells.

The raster is built with numpy in time proportional to the total length of the cell edges in
squares: each segment is walked row by row to mark the squares it touches, and a scanline over
square centres labels the rest. Each cell toggles a random 64-bit key at every crossing of its
rings, so an XOR running along a row leaves at a centre the XOR of the keys of the cells that
contain it (even-odd rule: holes and multipolygons need no special case). That decodes to one
cell or none, or — for overlapping cells — to "several", settled by one exact STRtree query.

Rule for points on an edge shared by several cells (or in overlapping cells): the point belongs to
the cell listed first in the input, so results are deterministic. Points on a cell's outer edge
belong to it (closed polygons, like ``geopandas.sjoin(predicate="intersects")``).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from grid.errors import InputError

OUTSIDE = -1  # position returned by CellIndex.positions for a point in no cell
_SEVERAL = -2  # build-time label of a square centre inside more than one cell
# Labels below OUTSIDE mark squares an edge touches: label -2 - b points at boundary square b.
_SQUARES_PER_CELL = 1024  # raster density: more squares, fewer exact tests, slower build
_MAX_SQUARES = 4_000_000  # bounds the raster: 16 MB of int32 labels at most (~5x for thin layouts)
_TOLERANCE = 1e-7  # squares: an edge this close to a square marks it (rounding is far smaller)
_KEY_SEED = 20_240_601  # fixed, so that builds are reproducible
_ORIENT_BOUND = (3 + 16 * 2.0**-53) * 2.0**-53  # Shewchuk's ccwerrboundA: the sign is sure


def finite_xy(x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
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


def _sorted_unique(a: NDArray[np.int64]) -> NDArray[np.int64]:
    """The distinct values of ``a``, sorted (np.unique without its hashing detour)."""
    a = np.sort(a)
    return a[np.append(True, a[1:] != a[:-1])] if a.size else a


def _isin_sorted(a: NDArray[np.int64], sorted_: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Whether each value of ``a`` is in the sorted array ``sorted_``."""
    if not sorted_.size:
        return np.zeros(a.shape, dtype=bool)
    i = np.minimum(np.searchsorted(sorted_, a), sorted_.size - 1)
    return sorted_[i] == a


def _min_per_group(group: NDArray[np.int64], value: NDArray[np.int64], n: int) -> NDArray:
    """The smallest ``value`` of each group 0..n-1, OUTSIDE for an empty group."""
    out = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, group, value)
    out[out == np.iinfo(np.int64).max] = OUTSIDE
    return out


def _touched(
    ua: NDArray[np.float64],
    va: NDArray[np.float64],
    ub: NDArray[np.float64],
    vb: NDArray[np.float64],
    shape: tuple[int, int],
    tol: float,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(square, segment) for every real square within ``tol`` of a segment (square units).

    Each segment is cut into the rows it spans (each row widened by ``tol``); the piece in a row
    spans an interval of u, whose squares are all touched.
    """
    r0 = np.floor(np.minimum(va, vb) - tol).astype(np.int64)
    r1 = np.floor(np.maximum(va, vb) + tol).astype(np.int64)
    s, k = _ragged(r1 - r0 + 1)
    row = r0[s] + k
    dv = vb[s] - va[s]
    flat = dv == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        t0 = np.clip(np.where(flat, 0.0, (row - tol - va[s]) / dv), 0.0, 1.0)
        t1 = np.clip(np.where(flat, 1.0, (row + 1 + tol - va[s]) / dv), 0.0, 1.0)
    du = ub[s] - ua[s]
    pa, pb = ua[s] + t0 * du, ua[s] + t1 * du
    c0 = np.floor(np.minimum(pa, pb) - tol).astype(np.int64)
    c1 = np.floor(np.maximum(pa, pb) + tol).astype(np.int64)
    piece, j = _ragged(c1 - c0 + 1)
    rows = np.clip(row[piece], 1, shape[0] - 2)
    cols = np.clip(c0[piece] + j, 1, shape[1] - 2)
    return rows * shape[1] + cols, s[piece]


def _centre_labels(
    ua: NDArray[np.float64],
    va: NDArray[np.float64],
    ub: NDArray[np.float64],
    vb: NDArray[np.float64],
    cell: NDArray[np.int64],
    n_cells: int,
    shape: tuple[int, int],
) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
    """The cell holding each square's centre by the even-odd rule, or OUTSIDE; and the squares
    whose centre is in several cells (labelled _SEVERAL here).

    Segments are oriented bottom-up so that an edge shared by two cells gives both of them the
    same crossings, bit for bit. Work is per crossing; only the final label array is per square.
    """
    low = np.int64(2 ** max(1, n_cells.bit_length()) - 1)  # key bits that name the cell
    keys = np.random.default_rng(_KEY_SEED).integers(0, 2**63, n_cells, dtype=np.int64) & ~low
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
    col = np.clip(np.ceil(cross - 0.5).astype(np.int64), 0, shape[1] - 1)
    # Toggles sorted along the flattened raster; XOR runs through it (each row ends at 0).
    flat = row * shape[1] + col
    order = np.argsort(flat, kind="stable")
    flat, toggle = flat[order], keys[cell[s]][order]
    new = np.flatnonzero(np.append(True, flat[1:] != flat[:-1]))[: flat.size]
    held = np.bitwise_xor.reduceat(toggle, new) if flat.size else toggle
    start, held = np.append(0, flat[new]), np.append(0, np.bitwise_xor.accumulate(held))
    low_bits = held & low
    run = np.where(key_of[low_bits] == held, cell_of[low_bits], _SEVERAL)
    length = np.diff(np.append(start, shape[0] * shape[1]))
    labels = np.repeat(run.astype(np.int32), length)
    several = np.flatnonzero(run == _SEVERAL)
    owner, rank = _ragged(length[several])
    return labels, start[several][owner] + rank


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
        self._ids_or_none = np.append(self.ids.astype(object), np.array([None], dtype=object))
        self._build(squares_per_cell)

    def _grid(
        self, x: NDArray[np.float64], y: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Coordinates in square units: square (row r, column c) spans [c, c+1) × [r, r+1).

        Row and column 0 and the last ones are padding that no cell reaches, so a point outside
        the bounds can be clamped into them. The build and the lookup share this one transform.
        """
        u = x - self._origin[0]
        u *= self._inv_side
        u += 1.0
        v = y - self._origin[1]
        v *= self._inv_side
        v += 1.0
        return u, v

    def _build(self, squares_per_cell: int) -> None:
        """Size the raster, label its squares and give each boundary square its candidates."""
        x0, y0, x1, y1 = shapely.total_bounds(self.geoms)
        width, height = max(x1 - x0, 1e-12), max(y1 - y0, 1e-12)
        n = min(_MAX_SQUARES, max(16, squares_per_cell * self.geoms.size))
        side = float(np.sqrt(width * height / n))
        side = max(side, max(width, height) / n)  # a thin layout: at most ~5n squares
        self._origin = (float(x0), float(y0))
        self._inv_side = 1.0 / side
        # Two spare columns and rows: the far edge cannot round into the padding.
        nx, ny = int(width * self._inv_side) + 2, int(height * self._inv_side) + 2
        self._shape = (ny + 2, nx + 2)
        # Rounding in _grid is about an ulp of the coordinates; keep the tolerance well above it.
        reach = max(abs(x0), abs(x1), abs(y0), abs(y1)) * self._inv_side + max(self._shape)
        tol = _TOLERANCE + 64 * np.finfo(np.float64).eps * reach

        a, b, cell, edge = self._segments()
        ua, va = self._grid(a[:, 0], a[:, 1])
        ub, vb = self._grid(b[:, 0], b[:, 1])
        n_cells = self.geoms.size
        labels, several = _centre_labels(ua, va, ub, vb, cell, n_cells, self._shape)
        sq_e, seg_e = _touched(ua, va, ub, vb, self._shape, tol)
        key = _sorted_unique(sq_e * n_cells + cell[seg_e])
        boundary = _sorted_unique(key // n_cells)
        extra = []
        if several.size:  # overlapping cells: ask the tree which cells hold those centres
            rows, cols = np.divmod(several, self._shape[1])
            cx = self._origin[0] + (cols - 0.5) * side
            cy = self._origin[1] + (rows - 0.5) * side
            pt, hit = self.tree.query(shapely.points(cx, cy), predicate="intersects")
            labels[several] = _min_per_group(pt, hit, several.size)
            on_edge = _isin_sorted(several[pt], boundary)
            extra.append(several[pt[on_edge]] * n_cells + hit[on_edge])
        # A cell holding a whole boundary square (so none of its edges touches the square)
        # holds the square's centre: make it a candidate too. Only overlapping cells do this.
        holder = labels[boundary]
        holder_key = boundary * n_cells + holder
        extra.append(holder_key[(holder >= 0) & ~_isin_sorted(holder_key, key)])
        extra_key = np.concatenate(extra)
        if extra_key.size:
            key = _sorted_unique(np.concatenate([key, extra_key]))
        sq, self._cand = np.divmod(key, n_cells)
        first = np.flatnonzero(np.append(True, sq[1:] != sq[:-1]))
        labels[sq[first]] = -2 - np.arange(first.size)
        self._cand_ptr = first
        self._cand_count = np.diff(np.append(first, sq.size))
        self._labels = labels
        # A boundary square touched by one edge only (and no extra candidate) is split by it.
        e_b, e = -2 - labels[sq_e], edge[seg_e]
        lo = np.full(first.size, np.iinfo(np.int64).max, dtype=np.int64)
        hi = np.full(first.size, -1, dtype=np.int64)
        np.minimum.at(lo, e_b, e)
        np.maximum.at(hi, e_b, e)
        simple = lo == hi
        simple[-2 - labels[extra_key // n_cells]] = False
        self._split_by = np.where(simple, lo, -1)
        self._split_by[simple] = np.where(self._edge_sided[lo[simple]], lo[simple], -1)

    def _segments(self) -> tuple[NDArray, NDArray, NDArray[np.int64], NDArray[np.int64]]:
        """Every ring segment (ends a, b, cell) and the shared edge it lies on.

        Also records per edge its ends, bottom end first, and the first cell on its left and on
        its right (OUTSIDE if none), found from each ring's orientation and shell/hole role.
        """
        parts, part_cell = shapely.get_parts(self.geoms, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        seg = np.flatnonzero(ring[:-1] == ring[1:])
        a, b, ring = xy[seg], xy[seg + 1], ring[seg]
        cell = part_cell[ring_part[ring]]
        ox, oy = self._origin
        twice_area = np.bincount(
            ring,
            weights=(a[:, 0] - ox) * (b[:, 1] - oy) - (b[:, 0] - ox) * (a[:, 1] - oy),
            minlength=rings.size,
        )
        shell = np.append(True, ring_part[1:] != ring_part[:-1])
        inside_left = ((twice_area > 0) == shell)[ring]
        flip = (a[:, 1] > b[:, 1]) | ((a[:, 1] == b[:, 1]) & (a[:, 0] > b[:, 0]))
        ends = np.where(flip[:, None], np.hstack([b, a]), np.hstack([a, b]))
        order = np.lexsort(ends.T[::-1])
        new = np.append(True, (ends[order][1:] != ends[order][:-1]).any(axis=1))
        edge = np.empty(seg.size, dtype=np.int64)
        edge[order] = np.cumsum(new) - 1
        self._edge_ends = ends[order][new].T.copy()
        left = inside_left != flip
        self._edge_left = _min_per_group(edge[left], cell[left], int(new.sum()))
        self._edge_right = _min_per_group(edge[~left], cell[~left], int(new.sum()))
        self._edge_sided = np.ones(int(new.sum()), dtype=bool)
        self._edge_sided[edge[(twice_area == 0)[ring]]] = False  # a flat ring has no sides
        return a, b, cell, edge

    def positions(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.int64]:
        """Input positions of the cells containing each point; OUTSIDE (-1) for a point in none."""
        xa, ya = finite_xy(x, y)
        u, v = self._grid(xa, ya)
        ny, nx = self._shape
        square = np.clip(v, 0, ny - 1, out=v).astype(np.intp)
        square *= nx
        square += np.clip(u, 0, nx - 1, out=u).astype(np.intp)
        out = self._labels[square].astype(np.int64)
        hard = np.flatnonzero(out < OUTSIDE)
        if hard.size:
            out[hard] = self._exact(xa[hard], ya[hard], -2 - out[hard])
        return out

    def _exact(
        self, x: NDArray[np.float64], y: NDArray[np.float64], boundary: NDArray[np.int64]
    ) -> NDArray[np.int64]:
        """The first cell covering each point of a boundary square (OUTSIDE if none).

        In a square split by one edge the side decides, when the orientation's sign is sure.
        Other points try their square's candidates in input order, one rank at a time.
        """
        result = np.full(x.size, OUTSIDE, dtype=np.int64)
        edge = self._split_by[boundary]
        split = np.flatnonzero(edge >= 0)
        e = edge[split]
        ax, ay, bx, by = (end[e] for end in self._edge_ends)
        left = (bx - ax) * (y[split] - ay)
        right = (by - ay) * (x[split] - ax)
        det = left - right
        sure = np.abs(det) > _ORIENT_BOUND * (np.abs(left) + np.abs(right))
        result[split] = np.where(det > 0, self._edge_left[e], self._edge_right[e])
        result[split[~sure]] = OUTSIDE
        open_ = np.concatenate([np.flatnonzero(edge < 0), split[~sure]])
        start, count = self._cand_ptr[boundary], self._cand_count[boundary]
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
