"""Building footprints as ground: the part of the community each building owns outright.

OSM and survey data draw buildings that share walls, overlap, or stand inside one another, and
footways run through them. Footprints are made disjoint (earlier wins, but each building keeps
the ground under its own anchor), buildings drawn over or inside one another are counted with
one host, and a building standing across a road keeps all its ground in the block
where its anchor lies, so no road and no plot edge splits a building (DESIGN §6), and the cell
a building is put in holds its anchor.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from grid.geomops import SNAP_GRID, union_by
from grid.partition.graph import unique_pairs

#: Share of its area a footprint may lose to overlapping footprints in other cells (issue 16:
#: every footprint keeps at least 98% of its area in its own cell).
OVERLAP_SHARE = 0.02


def disjoint_footprints(footprints: np.ndarray, anchors: np.ndarray | None = None,
                        plain: np.ndarray | None = None,
                        pairs: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Footprints made disjoint (each minus the earlier ones it overlaps), with empty polygons
    for buildings given as points: the ground each building owns outright in its plot.

    With ``anchors`` (the buildings' anchor points), a building whose anchor lies in the part
    of an overlap that an earlier building won takes that part back (see :func:`_anchors_home`),
    so its plot, and thus its cell, holds its anchor. ``plain`` is this function's answer
    without anchors when the caller has it already (it is the costly part); ``pairs`` are the
    footprints' :func:`overlapping_pairs` when the caller has them.
    """
    fp = np.asarray(footprints, dtype=object)
    solid = np.where(shapely.area(fp) > 0, fp, shapely.Polygon())
    out = _earlier_removed(solid, pairs) if plain is None else plain
    return out if anchors is None else _anchors_home(out, solid, anchors)


def overlapping_pairs(footprints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``i < j`` of footprints whose interiors meet: drawn over or inside one another
    (boxes that meet, then an exact interior test, far cheaper than measuring the overlap; an
    "intersects" test first would prepare every footprint for one test); two outlines that
    only touch share no ground."""
    fp = np.asarray(footprints, dtype=object)
    i, j = shapely.STRtree(fp).query(fp)
    pair = i < j
    i, j = i[pair], j[pair]
    inter = shapely.relate_pattern(fp[i], fp[j], "T********")
    return i[inter], j[inter]


def grouped_pairs(group: np.ndarray, pairs: tuple[np.ndarray, np.ndarray]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`overlapping_pairs` of the unions of footprints by ``group`` (each footprint's
    group number), from the footprints' own pairs: unions' interiors meet exactly where some
    of their footprints' interiors do, so no overlay or search is needed."""
    a, b = group[pairs[0]], group[pairs[1]]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    found = unique_pairs(np.column_stack([lo, hi])[lo < hi])
    return found[:, 0], found[:, 1]


def _earlier_removed(solid: np.ndarray,
                     pairs: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Each footprint minus the earlier footprints it overlaps (``pairs`` as
    :func:`overlapping_pairs` gives them, found here when not given)."""
    j, i = overlapping_pairs(solid) if pairs is None else pairs  # i takes from earlier j
    solid_ = ~shapely.is_empty(solid)
    real = solid_[i] & solid_[j]
    i, j = i[real], j[real]
    if len(i) == 0:
        return solid
    order = np.lexsort((j, i))  # each taker's earlier footprints in input order
    i, j = i[order], j[order]
    out = solid.copy()
    takers, slot = np.unique(i, return_inverse=True)
    earlier = union_by(solid[j], slot, len(takers))
    out[takers] = shapely.difference(solid[takers], earlier, grid_size=SNAP_GRID)
    return out


def _anchors_home(ground: np.ndarray, solid: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """``ground`` where each building whose anchor lies in another's ground takes back the piece
    of that ground, within its own footprint, that holds its anchor (unless the piece holds the
    other building's anchor too). The partition assigns a building to the cell holding its
    anchor, so the anchor must lie in the building's own plot, not in an earlier neighbour's."""
    lost = np.flatnonzero((shapely.area(ground) > 0)
                          & ~shapely.intersects_xy(ground, anchors[:, 0], anchors[:, 1]))
    if len(lost) == 0:
        return ground
    out = ground.copy()
    tree = shapely.STRtree(solid)  # each ground lies in its footprint, whatever is moved
    for t in lost:  # rare: overlapping footprints with an anchor in the overlap
        x, y = anchors[t]
        holders = tree.query(shapely.points(x, y), predicate="intersects")
        holders = holders[(holders != t) & shapely.intersects_xy(out[holders], x, y)]
        if len(holders) == 0:
            continue
        k = int(holders.min())
        piece = _piece_at(shapely.intersection(out[k], solid[t], grid_size=SNAP_GRID), x, y)
        if piece is not None and shapely.intersects_xy(piece, *anchors[k]):
            # Both anchors lie in the overlap: each building keeps the side nearer its anchor.
            piece = _piece_at(_nearer_side(piece, anchors[t], anchors[k]), x, y)
        if piece is None:
            continue
        out[k] = shapely.difference(out[k], piece, grid_size=SNAP_GRID)
        out[t] = shapely.union(out[t], piece, grid_size=SNAP_GRID)
    return out


def _piece_at(geom: object, x: float, y: float) -> object | None:
    """The part of ``geom`` holding the point (x, y), ``None`` when no part does."""
    parts = shapely.get_parts(geom)
    parts = parts[(shapely.get_type_id(parts) == 3) & shapely.intersects_xy(parts, x, y)]
    return parts[0] if len(parts) else None


def _nearer_side(geom: object, a: np.ndarray, b: np.ndarray) -> object:
    """The part of ``geom`` nearer to point ``a`` than to point ``b`` (cut along their
    perpendicular bisector); empty when the points coincide."""
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    length = float(np.hypot(*d))
    if length == 0.0:
        return shapely.Polygon()
    x0, y0, x1, y1 = shapely.bounds(geom)
    reach = float(np.hypot(x1 - x0, y1 - y0)) + float(np.hypot(*(a - [x0, y0]))) + length
    along, across = d / length, np.array([-d[1], d[0]]) / length
    mid = (np.asarray(a) + np.asarray(b)) / 2.0
    side = shapely.Polygon([mid + across * reach, mid + across * reach - along * reach,
                            mid - across * reach - along * reach, mid - across * reach])
    return shapely.intersection(geom, side, grid_size=SNAP_GRID)


def footprint_hosts(footprints: np.ndarray, households: np.ndarray
                    ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The building each footprint is counted with (-1: itself), and the footprints'
    :func:`overlapping_pairs`.

    A building whose footprint overlaps others by more than ``OVERLAP_SHARE`` of its area in
    all is put with every building it overlaps (building parts drawn inside their building,
    duplicated outlines, towers drawn over their podium), so they share one plot and one cell.
    The one with the most households hosts them (then the largest, then the first): a tower,
    not the larger podium or entrance hall it stands on, whatever the order they are listed
    in, so the tower's own floors decide whether its stack is topped up. A footprint
    overlapping others by less keeps at least 1 − ``OVERLAP_SHARE`` of its area in its own cell
    wherever they go; terraced houses drawn with walls overlapping by a hair stay apart."""
    fp = np.asarray(footprints, dtype=object)
    n = len(fp)
    i, j = overlapping_pairs(fp)
    if len(i) == 0:
        return np.full(n, -1, dtype=np.int64), (i, j)
    area = shapely.area(fp)
    shared = _overlap_areas(fp[i], fp[j])
    lost = np.bincount(i, weights=shared, minlength=n) + np.bincount(j, weights=shared,
                                                                     minlength=n)
    heavy = lost > OVERLAP_SHARE * np.maximum(area, 1e-12)
    join = (heavy[i] | heavy[j]) & (shared > 0)
    _, comp = connected_components(
        sp.csr_matrix((np.ones(int(join.sum())), (i[join], j[join])), shape=(n, n)),
        directed=False)
    # Per group: most households first, then the largest footprint, then the first listed.
    order = np.lexsort((np.arange(n), -area, -np.asarray(households, dtype=float), comp))
    host = np.empty(comp.max() + 1, dtype=np.int64)
    host[comp[order[::-1]]] = order[::-1]
    top = host[comp]
    return np.where(top != np.arange(n), top, -1), (i, j)


def _overlap_areas(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Areas of the pairwise overlaps of ``a`` and ``b``: floating-point overlay, a quarter of
    the cost of the snapped one and enough for a share, which falls back to the snapped overlay
    when GEOS finds the pair's topology too tight."""
    try:
        return shapely.area(shapely.intersection(a, b))
    except shapely.errors.GEOSException:
        return shapely.area(shapely.intersection(a, b, grid_size=SNAP_GRID))


def ground_to_home_block(blocks: np.ndarray, ground: np.ndarray, home: np.ndarray) -> np.ndarray:
    """Blocks where a building standing across a road keeps all its ground in its home block.

    In real data footways, passages and service roads run through and under buildings; the
    building's ground is taken out of the other blocks and added to its own, so no road
    splits a building while every other stretch of road still bounds the blocks.
    """
    idx = np.flatnonzero(~shapely.is_empty(ground) & (home >= 0))
    if len(idx) == 0 or len(blocks) < 2:
        return blocks
    g, b = shapely.STRtree(blocks).query(ground[idx], predicate="intersects")
    foreign = b != home[idx[g]]
    g, b = g[foreign], b[foreign]
    inside = shapely.area(shapely.intersection(ground[idx[g]], blocks[b], grid_size=SNAP_GRID))
    straddlers = np.unique(idx[g[inside > 0]])
    if len(straddlers) == 0:
        return blocks
    cut = shapely.union_all(ground[straddlers], grid_size=SNAP_GRID)
    out = shapely.difference(blocks, cut, grid_size=SNAP_GRID)
    homes, slot = np.unique(home[straddlers], return_inverse=True)
    taken = union_by(ground[straddlers], slot, len(homes))
    out[homes] = shapely.union(out[homes], taken, grid_size=SNAP_GRID)
    return out
