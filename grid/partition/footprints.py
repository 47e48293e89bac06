"""Building footprints as ground: the part of the community each building owns outright.

OSM and survey data draw buildings that share walls, overlap, or stand inside one another, and
footways run through them. Footprints are made disjoint (earlier wins, but each building keeps
the ground under its own anchor), a building drawn inside another is counted with the host whose
ground holds its anchor, and a building standing across a road keeps all its ground in the block
where its anchor lies, so no road and no plot edge splits a building (DESIGN §6), and the cell
a building is put in holds its anchor.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from grid.geomops import SNAP_GRID, union_by

#: Share of its area a footprint may lose to overlapping footprints in other cells (issue 16:
#: every footprint keeps at least 98% of its area in its own cell).
OVERLAP_SHARE = 0.02


def disjoint_footprints(footprints: np.ndarray, anchors: np.ndarray | None = None,
                        plain: np.ndarray | None = None,
                        memo: dict[bytes, object] | None = None) -> np.ndarray:
    """Footprints made disjoint (each minus the earlier ones it overlaps), with empty polygons
    for buildings given as points: the ground each building owns outright in its plot.

    With ``anchors`` (the buildings' anchor points), a building whose anchor lies in the part
    of an overlap that an earlier building won takes that part back (see :func:`_anchors_home`),
    so its plot, and thus its cell, holds its anchor. ``plain`` is this function's answer
    without anchors when the caller has it already (it is the costly part); ``memo`` keeps the
    grounds computed so far, so a community asking again with some footprints changed or left
    out (nested buildings) recomputes only the grounds those touch.
    """
    fp = np.asarray(footprints, dtype=object)
    solid = np.where(shapely.area(fp) > 0, fp, shapely.Polygon())
    out = _earlier_removed(solid, memo) if plain is None else plain
    return out if anchors is None else _anchors_home(out, solid, anchors)


def _earlier_removed(solid: np.ndarray, memo: dict[bytes, object] | None = None) -> np.ndarray:
    """Each footprint minus the earlier footprints it overlaps (looked up in ``memo`` by the
    footprint and those earlier ones, and added to it)."""
    tree = shapely.STRtree(solid)
    # "intersects", not "overlaps": a footprint drawn inside another (common in OSM) counts too.
    i, j = tree.query(solid, predicate="intersects")
    later = i > j
    i, j = i[later], j[later]
    # Interiors meeting (an exact predicate, far cheaper than measuring the overlap); two
    # outlines that only touch share no ground.
    shared = shapely.relate_pattern(solid[i], solid[j], "T********")
    i, j = i[shared], j[shared]
    if len(i) == 0:
        return solid
    order = np.lexsort((j, i))  # each taker's earlier footprints in input order
    i, j = i[order], j[order]
    out = solid.copy()
    takers, first = np.unique(i, return_index=True)
    todo, keys = np.arange(len(takers)), []
    if memo is not None:
        wkb = shapely.to_wkb(solid)
        ends = np.append(first[1:], len(i))
        keys = [wkb[t] + b"".join(wkb[j[a:b]]) for t, a, b in zip(takers, first, ends,
                                                                    strict=True)]
        known = np.array([k in memo for k in keys], dtype=bool)
        out[takers[known]] = [memo[k] for k, hit in zip(keys, known, strict=True) if hit]
        todo = np.flatnonzero(~known)
    if len(todo):
        slot = np.searchsorted(takers, i)
        sel = np.isin(slot, todo)
        earlier = union_by(solid[j[sel]], np.searchsorted(todo, slot[sel]), len(todo))
        out[takers[todo]] = shapely.difference(solid[takers[todo]], earlier, grid_size=SNAP_GRID)
        if memo is not None:
            memo.update((keys[t], out[takers[t]]) for t in todo)
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


def hosts_of_nested(footprints: np.ndarray, plain: np.ndarray | None = None) -> np.ndarray:
    """For each footprint, the building it lies within (-1 for most): a footprint keeping less
    than half its area after :func:`disjoint_footprints` (drawn inside or over another, as OSM
    building parts often are) belongs with the building it overlaps most. Hosts are never
    nested themselves, so one lookup suffices."""
    fp = np.asarray(footprints, dtype=object)
    host = np.full(len(fp), -1, dtype=np.int64)
    area = shapely.area(fp)
    ground = shapely.area(disjoint_footprints(fp) if plain is None else plain)
    nested = np.flatnonzero((area > 0) & (ground < 0.5 * area))
    if len(nested) == 0:
        return host
    i, j = shapely.STRtree(fp).query(fp[nested], predicate="intersects")
    ok = (nested[i] != j) & ~np.isin(j, nested)
    i, j = i[ok], j[ok]
    shared = shapely.area(shapely.intersection(fp[nested[i]], fp[j], grid_size=SNAP_GRID))
    order = np.lexsort((-shared, i))
    firsts, first = np.unique(i[order], return_index=True)
    winners = order[first]
    found = shared[winners] > 0
    host[nested[firsts[found]]] = j[winners][found]
    return host


def overlap_hosts(footprints: np.ndarray, host: np.ndarray) -> np.ndarray:
    """``host`` with overlapping buildings joined: a building whose footprint overlaps others
    by more than ``OVERLAP_SHARE`` of its area in all is put with every building it overlaps,
    and the buildings so joined (with those nested in them) are hosted by the first of them
    that is nested in none, so they share one plot and one cell. A footprint overlapping
    others by less keeps at least 1 − ``OVERLAP_SHARE`` of its area in its own cell wherever
    they go; terraced houses drawn with walls overlapping by a hair stay apart."""
    fp = np.asarray(footprints, dtype=object)
    n = len(fp)
    i, j = shapely.STRtree(fp).query(fp, predicate="intersects")
    pair = i < j
    i, j = i[pair], j[pair]
    inter = shapely.relate_pattern(fp[i], fp[j], "T********")
    i, j = i[inter], j[inter]
    if len(i) == 0:
        return host
    shared = _overlap_areas(fp[i], fp[j])
    lost = np.bincount(i, weights=shared, minlength=n) + np.bincount(j, weights=shared,
                                                                     minlength=n)
    heavy = lost > OVERLAP_SHARE * np.maximum(shapely.area(fp), 1e-12)
    join = (heavy[i] | heavy[j]) & (shared > 0)
    nested = np.flatnonzero(host >= 0)
    a = np.concatenate([i[join], nested])
    b = np.concatenate([j[join], host[nested]])
    _, comp = connected_components(sp.csr_matrix((np.ones(len(a)), (a, b)), shape=(n, n)),
                                   directed=False)
    first = np.full(comp.max() + 1, n, dtype=np.int64)
    roots = np.flatnonzero(host < 0)
    np.minimum.at(first, comp[roots], roots)
    top = first[comp]
    return np.where(top != np.arange(n), top, -1)


def _overlap_areas(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Areas of the pairwise overlaps of ``a`` and ``b``: floating-point overlay, a quarter of
    the cost of the snapped one and enough for a share, which falls back to the snapped overlay
    when GEOS finds the pair's topology too tight."""
    try:
        return shapely.area(shapely.intersection(a, b))
    except shapely.errors.GEOSException:
        return shapely.area(shapely.intersection(a, b, grid_size=SNAP_GRID))


def anchored_hosts(footprints: np.ndarray, anchors: np.ndarray, host: np.ndarray,
                   memo: dict[bytes, object] | None = None) -> np.ndarray:
    """``host`` (from :func:`hosts_of_nested`) with each nested building hosted instead by the
    building whose ground (the nested ones left out) holds its anchor: a nested building is put
    in its host's cell, which must hold its anchor. One whose anchor no such ground holds stands
    on its own ground there, so it is not nested after all (-1). ``memo`` as for
    :func:`disjoint_footprints`."""
    out = host.copy()
    while True:  # each pass un-nests at least one building, or is the last
        nested, keep = np.flatnonzero(out >= 0), np.flatnonzero(out < 0)
        ground = disjoint_footprints(footprints[keep], anchors[keep], memo=memo)
        points = shapely.points(anchors[nested])
        n, g = shapely.STRtree(ground).query(points, predicate="intersects")
        held = np.zeros(len(nested), dtype=bool)
        held[n] = True
        if held.all():
            out[nested[n[::-1]]] = keep[g[::-1]]  # the first holder, when on a shared edge
            return out
        out[nested[~held]] = -1


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
