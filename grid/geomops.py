"""Array geometry helpers shared by tessellation, partition and topology: grouped unions,
robust overlays, shared-edge measures and anchor points (vectorised shapely)."""

from __future__ import annotations

import numpy as np
import shapely

#: Grid (m) on which shared plot edges are measured.
EDGE_GRID = 1e-3
#: Grid (m) for re-unioning pieces that should be one polygon but touch along hairline gaps.
SNAP_GRID = 1e-6
#: Disconnected parts of a plot or cell smaller than this (m²) are hairline slivers and dropped.
SLIVER_AREA = 1e-2

def union_by(
    geoms: np.ndarray, labels: np.ndarray, n: int, *, coverage: bool = False,
    connected: bool = False, valid: bool = False,
) -> np.ndarray:
    """Union of ``geoms`` grouped by integer ``labels`` in ``[0, n)``, as one array of length ``n``.

    Vectorised: the groups are laid out as rows of a padded 2-D array and unioned along axis 1.
    ``coverage=True`` uses the much faster coverage union (for pieces with matching edges, such as
    Voronoi cells) and falls back to the full union for any group where that gives an invalid
    result (or raises on badly noded input). ``connected=True`` says each group shares edges, so
    a group that comes out in several parts (edges matching only to ~1e-10 m) is unioned again on
    a micrometre grid, which closes such hairline gaps; parts still apart that are smaller than
    ``SLIVER_AREA`` are then dropped (a gap far below the tiling tolerance). ``valid=True``
    says the polygons are known valid (checked or built so), so a group of one is taken as it
    is, unchecked. Labels with no geometry give an empty polygon.
    """
    labels = np.asarray(labels, dtype=np.int64)
    if n == 0:
        return np.empty(0, dtype=object)
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.searchsorted(sorted_labels, sorted_labels, side="left")
    rank = np.arange(len(order)) - starts
    width = int(rank.max()) + 1 if len(order) else 1
    table = np.full((n, width), None, dtype=object)
    table[sorted_labels, rank] = np.asarray(geoms, dtype=object)[order]
    out = np.empty(n, dtype=object)
    # A group of one valid polygon is that polygon: no union to run (most plots of a
    # tessellation are one Voronoi region as it is).
    alone = (np.bincount(labels, minlength=n) == 1) & (shapely.get_type_id(table[:, 0]) == 3)
    if not valid:
        alone[alone] = shapely.is_valid(table[alone, 0])
    out[alone] = table[alone, 0]
    rest = np.flatnonzero(~alone)
    if len(rest):
        out[rest] = _union_rows(table[rest], coverage)
    if connected:
        split = np.flatnonzero(shapely.get_num_geometries(out) > 1)
        if len(split):
            snapped = shapely.union_all(table[split], axis=1, grid_size=SNAP_GRID)
            mended = shapely.get_num_geometries(snapped) == 1
            out[split[mended]] = snapped[mended]
            out[split[~mended]] = _drop_slivers(out[split[~mended]])
    out[shapely.is_missing(out)] = shapely.Polygon()
    return out


def _union_rows(table: np.ndarray, coverage: bool) -> np.ndarray:
    """Union along the rows of ``table``: coverage union where asked and valid, else full."""
    out = None
    if coverage:
        try:
            out = shapely.coverage_union_all(table, axis=1)
        except shapely.errors.GEOSException:
            out = None
    if out is None:
        return _robust_union(table)
    bad = ~shapely.is_valid(out)
    if bad.any():
        out[bad] = _robust_union(table[bad])
    return out


def _robust_union(table: np.ndarray) -> np.ndarray:
    """``union_all`` along rows; if GEOS meets a topology error (an invalid input piece), the
    rows are redone one by one and a failing row is unioned after repairing it with buffer(0)."""
    try:
        return shapely.union_all(table, axis=1)
    except shapely.errors.GEOSException:
        out = np.empty(len(table), dtype=object)
        for r, row in enumerate(table):  # rare error path, one step per group
            try:
                out[r] = shapely.union_all(row)
            except shapely.errors.GEOSException:
                out[r] = shapely.union_all(shapely.buffer(row[~shapely.is_missing(row)], 0))
        return out


def _drop_slivers(geoms: np.ndarray) -> np.ndarray:
    """Multi-part geometries without their parts smaller than ``SLIVER_AREA`` (largest kept)."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    area = shapely.area(parts)
    order = np.lexsort((-area, owner))
    first = np.zeros(len(parts), dtype=bool)
    first[order[np.unique(owner[order], return_index=True)[1]]] = True
    keep = first | (area >= SLIVER_AREA)
    return union_by(np.asarray(parts)[keep], owner[keep], len(geoms))


def safe_intersection(a: object, b: object, grid_size: float | None = None) -> np.ndarray:
    """``shapely.intersection`` that survives GEOS topology errors on near-degenerate input:
    on an error it is redone on a coarser grid (micrometre, or ten times ``grid_size``)."""
    try:
        return shapely.intersection(a, b, grid_size=grid_size)
    except shapely.errors.GEOSException:
        coarser = SNAP_GRID if grid_size is None else grid_size * 10.0
        return shapely.intersection(a, b, grid_size=coarser)


def shared_edge_length(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Length of boundary shared by each pair ``a[k]``, ``b[k]`` of polygons, pairwise.

    Pairs with no exact shared edge are measured again on a millimetre grid, because plots
    clipped on either side of a road have collinear edges whose vertices differ in the last
    bits; exact intersection would miss such adjacency.
    """
    ba, bb = shapely.boundary(a), shapely.boundary(b)
    length = shapely.length(safe_intersection(ba, bb))
    redo = np.flatnonzero(length <= EDGE_GRID)
    if len(redo):
        length[redo] = shapely.length(safe_intersection(ba[redo], bb[redo], EDGE_GRID))
    return length


def matching_edges(plots: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``i < j`` of plots with identical boundary segments, and the segments' total length.

    Exact and vectorised: every ring segment gets a key from its sorted endpoints, and segments
    whose key occurs in two plots are shared edges (Voronoi plots of one block share them so).
    """
    rings, owner = shapely.get_rings(plots, return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[:-1] == ring[1:]
    p, q = xy[:-1][same], xy[1:][same]
    seg_owner = owner[ring[:-1][same]]
    swap = (p[:, 0] > q[:, 0]) | ((p[:, 0] == q[:, 0]) & (p[:, 1] > q[:, 1]))
    lo, hi = np.where(swap[:, None], q, p), np.where(swap[:, None], p, q)
    keys = np.column_stack([lo, hi])
    by, starts = grouped_rows(keys)
    first = np.flatnonzero(starts)
    two = first[np.diff(np.append(first, len(by))) == 2]  # runs of a segment found twice
    one, other = by[two], by[two + 1]
    a, b = seg_owner[one], seg_owner[other]
    length = np.hypot(*(hi[one] - lo[one]).T)
    differ = a != b
    i, j = np.minimum(a, b)[differ], np.maximum(a, b)[differ]
    if len(i) == 0:
        return i, j, length[differ]
    n = len(plots)
    pair, inv = np.unique(i.astype(np.int64) * n + j, return_inverse=True)
    total = np.bincount(inv.ravel(), weights=length[differ])
    return pair // n, pair % n, total


#: Odd 64-bit multipliers mixing the bits of a row's (up to four) values into one sort key.
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                 0x27D4EB2F165667C5], dtype=np.uint64)


def grouped_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An order of the rows of ``keys`` (n, ≤4) putting equal rows together in runs (stable: a
    run starts with the row's first occurrence), and where the runs start.

    Sorted by one hash of the rows' bits (a tenth of a lexsort's time). Equal rows have equal
    bits once -0.0 is made 0.0, so they share a hash; two different rows sharing one show as
    a run of two values, and then the rows are lexsorted instead."""
    bits = np.ascontiguousarray(keys + 0.0, dtype=float).view(np.uint64)  # -0.0 + 0.0 is 0.0
    mixed = (bits * _MIX[: keys.shape[1]]).sum(axis=1, dtype=np.uint64)  # wraps: a hash
    by = np.argsort(mixed, kind="stable")
    ranked = keys[by]
    starts = np.ones(len(ranked), dtype=bool)
    starts[1:] = (ranked[1:] != ranked[:-1]).any(axis=1)
    runs = np.ones(len(ranked), dtype=bool)
    runs[1:] = mixed[by][1:] != mixed[by][:-1]
    if np.array_equal(starts, runs):
        return by, starts
    by = np.lexsort(keys.T[::-1])
    ranked = keys[by]
    starts[1:] = (ranked[1:] != ranked[:-1]).any(axis=1)
    return by, starts


def representative_xy(geoms: np.ndarray) -> np.ndarray:
    """An (n, 2) array of points guaranteed to lie on each geometry (the building's anchor).

    The centroid where it lies on the geometry (almost every footprint, and cheap), otherwise
    GEOS's point on surface.
    """
    geoms = np.asarray(geoms, dtype=object)
    xy = shapely.get_coordinates(shapely.centroid(geoms))
    if len(xy) != len(geoms):  # an empty geometry has no centroid coordinates
        return shapely.get_coordinates(shapely.point_on_surface(geoms))
    off = np.flatnonzero(~shapely.intersects_xy(geoms, xy[:, 0], xy[:, 1]))
    if len(off):
        xy[off] = shapely.get_coordinates(shapely.point_on_surface(geoms[off]))
    return xy


def polygonal(geoms: np.ndarray) -> np.ndarray:
    """``geoms`` with only their polygonal parts: an overlay of touching shapes can return a
    collection with stray lines or points, which later overlays refuse to mix with areas."""
    geoms = np.asarray(geoms, dtype=object)
    mixed = np.flatnonzero(shapely.get_type_id(geoms) == 7)  # GeometryCollection
    if len(mixed) == 0:
        return geoms
    parts, idx = shapely.get_parts(geoms[mixed], return_index=True)
    areal = np.isin(shapely.get_type_id(parts), (3, 6))
    out = geoms.copy()
    out[mixed] = shapely.Polygon()
    if areal.any():
        kept = np.unique(idx[areal])
        merged = union_by(parts[areal], np.searchsorted(kept, idx[areal]), len(kept))
        out[mixed[kept]] = merged
    return out


def valid_polygons(geoms: np.ndarray) -> np.ndarray:
    """``geoms`` with each invalid one made valid and reduced to its polygonal parts (empty when
    none is left): a polygon valid in one CRS can carry a hairline spike that becomes a
    self-touching ring once projected, and overlays then fail or mis-measure it."""
    out = np.asarray(geoms, dtype=object).copy()
    bad = np.flatnonzero(~shapely.is_valid(out) & ~shapely.is_missing(out))
    if len(bad):
        fixed = polygonal(shapely.make_valid(out[bad]))
        fixed[~np.isin(shapely.get_type_id(fixed), (3, 6))] = shapely.Polygon()
        out[bad] = fixed
    return out


#: A part under this share of its geometry's largest part is a crumb (see ``without_crumbs``).
CRUMB_SHARE = 1e-6


def without_crumbs(geoms: np.ndarray, share: float = CRUMB_SHARE) -> np.ndarray:
    """``geoms`` with each multipolygon whose other parts are all crumbs (under ``share`` of its
    largest part's area) reduced to that largest part: repairing a cell that projection pinched
    can split off a lobe of a fraction of a square centimetre, which is not a second piece of the
    cell but noise, and a cell must stay one polygon."""
    out = np.asarray(geoms, dtype=object).copy()
    multi = np.flatnonzero(shapely.get_type_id(out) == 6)
    if len(multi) == 0:
        return out
    parts, of = shapely.get_parts(out[multi], return_index=True)
    area = shapely.area(parts)
    largest = np.zeros(len(multi))
    np.maximum.at(largest, of, area)
    kept = area >= share * largest[of]
    single = np.bincount(of, weights=kept, minlength=len(multi)) == 1
    take = kept & single[of]
    out[multi[of[take]]] = parts[take]
    return out
