"""Service coverage of households by centres: straight-line radii and walking on a road graph.

All coordinates are metric (``grid.input.crs.to_metric`` first). A household is covered when some
centre reaches it within that centre's radius; each covered household is allocated to its nearest
reaching centre, and a centre whose allocated households exceed its capacity is over capacity.
Minute-based circles (10- and 15-minute life circles) are distances at WALKING_SPEED_M_PER_MIN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from grid.domain.catalog import Term
from grid.errors import InputError

# 80 m/min = 4.8 km/h, a typical adult walking pace used by 15-minute life-circle planning.
WALKING_SPEED_M_PER_MIN = 80.0
MAX_CAPACITY = 1_000_000  # households: more than any centre serves; bounds what a client may set


@dataclass(frozen=True)
class CentreKind:
    """A kind of service centre with its default service radius and household capacity."""

    term: Term
    radius_m: float
    capacity: int


# Defaults from the brief; the station row reads "station 500–1500" as 500 m for 1500 households.
CENTRE_KINDS: dict[str, CentreKind] = {
    "street_centre": CentreKind(
        Term("street_centre", "街道综治中心", "Street centre"), 1000.0, 3000
    ),
    "county_centre": CentreKind(
        Term("county_centre", "区县综治中心", "County centre"), 2000.0, 5000
    ),
    "station": CentreKind(Term("station", "社区服务站", "Community station"), 500.0, 1500),
}


@dataclass(frozen=True)
class Coverage:
    """Who is covered and by whom: per household and per centre arrays."""

    covered: NDArray[np.bool_]  # per household
    centre: NDArray[np.int64]  # per household: nearest reaching centre, -1 if none
    distance: NDArray[np.float64]  # per household: distance to that centre, inf if none
    reach: NDArray[np.float64]  # per centre: households within its radius (weighted)
    allocated: NDArray[np.float64]  # per centre: households allocated to it (weighted)

    def over_capacity(self, capacity: ArrayLike) -> NDArray[np.bool_]:
        """Which centres were allocated more households than their ``capacity``."""
        return self.allocated > np.broadcast_to(np.asarray(capacity, float), self.allocated.shape)


def walking_metres(minutes: float) -> float:
    """The distance walked in ``minutes`` at WALKING_SPEED_M_PER_MIN (15 min → 1200 m)."""
    return float(minutes) * WALKING_SPEED_M_PER_MIN


def _xy(points: ArrayLike, name: str) -> NDArray[np.float64]:
    """``points`` as a finite (n, 2) float array, or an InputError naming ``name``."""
    a = np.asarray(points, dtype=float)
    if a.ndim != 2 or a.shape[1] != 2:
        raise InputError(f"{name} must be an (n, 2) array of metric x, y", field=name)
    if not np.isfinite(a).all():
        raise InputError(f"{name} has missing or non-finite coordinates", field=name)
    if len(a) == 0:
        raise InputError(f"{name} is empty", field=name)
    return a


def _radii(radius: ArrayLike, m: int) -> NDArray[np.float64]:
    """One non-negative radius per centre, broadcast from a scalar when given one."""
    r = np.broadcast_to(np.asarray(radius, dtype=float), (m,)).copy()
    if (r < 0).any() or not np.isfinite(r).all():
        raise InputError("radii must be finite and non-negative", field="radius")
    return r


def _weights(weights: ArrayLike | None, n: int) -> NDArray[np.float64]:
    """Households per point (1 each when not given)."""
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,) or (w < 0).any():
        raise InputError(f"weights must be {n} non-negative numbers", field="weights")
    return w


def reach_pairs(
    households: NDArray[np.float64], centres: NDArray[np.float64], radii: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """All (centre, household, distance) pairs with the household within the centre's radius."""
    tree = cKDTree(households)
    found = tree.query_ball_point(centres, radii, return_sorted=False)
    sizes = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
    c = np.repeat(np.arange(len(found)), sizes)
    h = np.concatenate([np.asarray(f, dtype=np.int64) for f in found]) if sizes.sum() else c[:0]
    d = np.hypot(*(households[h] - centres[c]).T)
    return c, h, d


def _allocate(
    c: NDArray[np.int64],
    h: NDArray[np.int64],
    d: NDArray[np.float64],
    n: int,
    m: int,
    w: NDArray[np.float64],
) -> Coverage:
    """Coverage from reaching pairs: each household goes to its nearest reaching centre."""
    order = np.lexsort((c, d, h))  # by household, then distance, then centre (deterministic ties)
    hh, first = np.unique(h[order], return_index=True)
    centre = np.full(n, -1, dtype=np.int64)
    distance = np.full(n, np.inf)
    centre[hh] = c[order][first]
    distance[hh] = d[order][first]
    covered = centre >= 0
    return Coverage(
        covered=covered,
        centre=centre,
        distance=distance,
        reach=np.bincount(c, weights=w[h], minlength=m).astype(float),
        allocated=np.bincount(centre[covered], weights=w[covered], minlength=m).astype(float),
    )


def coverage_straight(
    households_xy: ArrayLike,
    centres_xy: ArrayLike,
    radius: ArrayLike,
    weights: ArrayLike | None = None,
) -> Coverage:
    """Straight-line coverage: households within each centre's ``radius`` (metres; scalar or one
    per centre). ``weights`` are households per point (e.g. per building)."""
    hh, cc = _xy(households_xy, "households_xy"), _xy(centres_xy, "centres_xy")
    r, w = _radii(radius, len(cc)), _weights(weights, len(hh))
    if weights is not None and np.ptp(w) > 0:
        c, h, d = reach_pairs(hh, cc, r)  # weighted reach needs every (centre, household) pair
        return _allocate(c, h, d, len(hh), len(cc), w)
    centre, distance = _nearest_reaching(hh, cc, r)
    covered = centre >= 0
    reach = cKDTree(hh).query_ball_point(cc, r, return_length=True) * (w[0] if w.size else 1.0)
    return Coverage(
        covered=covered,
        centre=centre,
        distance=distance,
        reach=np.asarray(reach, dtype=float),
        allocated=np.bincount(centre[covered], weights=w[covered], minlength=len(cc)).astype(float),
    )


def _nearest_reaching(
    hh: NDArray[np.float64], cc: NDArray[np.float64], r: NDArray[np.float64], k: int = 8
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Per household the nearest centre whose radius reaches it (-1, inf if none), from the k
    nearest centres; households whose k nearest all lie within the largest radius but none
    reaches them (possible only with unequal radii) are resolved exactly from all pairs."""
    k = min(k, len(cc))
    d, i = cKDTree(cc).query(hh, k=k, distance_upper_bound=float(r.max()))
    d, i = d.reshape(len(hh), k), i.reshape(len(hh), k)
    found = np.isfinite(d)
    ok = found & (d <= r[np.where(found, i, 0)])
    first = np.argmax(ok, axis=1)
    rows = np.arange(len(hh))
    centre = np.where(ok.any(axis=1), i[rows, first], -1).astype(np.int64)
    distance = np.where(centre >= 0, d[rows, first], np.inf)
    unsure = np.flatnonzero((centre < 0) & found.all(axis=1) & (k < len(cc)))
    if unsure.size:
        c, h, dd = reach_pairs(hh[unsure], cc, r)
        sub = _allocate(c, h, dd, unsure.size, len(cc), np.ones(unsure.size))
        centre[unsure], distance[unsure] = sub.centre, sub.distance
    return centre, distance


@dataclass(frozen=True)
class RoadGraph:
    """An undirected road graph: node coordinates (metric) and edges with lengths in metres."""

    nodes_xy: NDArray[np.float64]
    u: NDArray[np.int64]
    v: NDArray[np.int64]
    length: NDArray[np.float64]

    @classmethod
    def from_lines(cls, lines: ArrayLike, snap: float = 0.01) -> RoadGraph:
        """The graph of road ``lines`` (metric CRS) noded where they cross: every segment of the
        noded linework is an edge, and ends within ``snap`` metres are one node."""
        geoms = np.asarray(lines, dtype=object)
        geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
        if len(geoms) == 0:
            raise InputError("no road lines to build a graph from", field="geometry")
        parts = np.asarray(shapely.get_parts(shapely.union_all(geoms)))
        xy, part = shapely.get_coordinates(parts, return_index=True)
        same = part[:-1] == part[1:]
        ends = np.stack([xy[:-1][same], xy[1:][same]], axis=1).reshape(-1, 2)
        nodes, inverse = np.unique(np.round(ends / snap) * snap, axis=0, return_inverse=True)
        u, v = inverse.reshape(-1, 2).T
        length = np.hypot(*(nodes[u] - nodes[v]).T)
        keep = length > 0
        return cls(nodes, u[keep], v[keep], length[keep])

    def matrix(self) -> sparse.csr_array:
        """The symmetric sparse adjacency matrix with edge lengths as weights."""
        n = len(self.nodes_xy)
        rows = np.concatenate([self.u, self.v])
        cols = np.concatenate([self.v, self.u])
        data = np.concatenate([self.length, self.length])
        if (data <= 0).any():
            raise InputError("road edges must have positive length", field="length")
        return sparse.csr_array((data, (rows, cols)), shape=(n, n))


def network_pairs(
    households: NDArray[np.float64],
    centres: NDArray[np.float64],
    radii: NDArray[np.float64],
    roads: RoadGraph,
    batch: int = 32,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """All (centre, household, walking distance) pairs within the centre's radius: the centre's
    straight walk to its nearest road node, then the road, then the household's straight walk
    from its nearest node. Dijkstra runs for a batch of centres at a time, bounded by the radius."""
    node_tree = cKDTree(roads.nodes_xy)
    snap_h, node_h = node_tree.query(households)
    snap_c, node_c = node_tree.query(centres)
    graph = roads.matrix()
    # Households grouped by their node, in CSR form, to expand (centre, node) into households.
    by_node = np.argsort(node_h, kind="stable")
    ptr = np.concatenate(([0], np.cumsum(np.bincount(node_h, minlength=graph.shape[0]))))
    parts: list[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]] = []
    for lo in range(0, len(centres), batch):
        ids = np.arange(lo, min(lo + batch, len(centres)))
        budget = radii[ids] - snap_c[ids]
        dist = csgraph.dijkstra(graph, indices=node_c[ids], limit=max(float(budget.max()), 0.0))
        row, node = np.nonzero(dist <= budget[:, None])
        start, count = ptr[node], ptr[node + 1] - ptr[node]
        c = np.repeat(ids[row], count)
        offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        h = by_node[np.repeat(start, count) + offset]
        d = np.repeat(dist[row, node], count) + snap_h[h] + snap_c[c]
        keep = d <= radii[c]
        parts.append((c[keep], h[keep], d[keep]))
    return tuple(np.concatenate(x) for x in zip(*parts, strict=True))  # type: ignore[return-value]


def coverage_network(
    households_xy: ArrayLike,
    centres_xy: ArrayLike,
    radius: ArrayLike,
    roads: RoadGraph,
    weights: ArrayLike | None = None,
) -> Coverage:
    """Walking coverage on ``roads`` with walking distances as in ``network_pairs``; ``radius``
    in metres (``walking_metres(15)`` for the 15-minute circle), scalar or one per centre."""
    hh, cc = _xy(households_xy, "households_xy"), _xy(centres_xy, "centres_xy")
    r, w = _radii(radius, len(cc)), _weights(weights, len(hh))
    if len(roads.nodes_xy) == 0:
        raise InputError("the road graph has no nodes", field="roads")
    c, h, d = network_pairs(hh, cc, r, roads)
    return _allocate(c, h, d, len(hh), len(cc), w)


def by_group(
    coverage: Coverage, groups: ArrayLike, weights: ArrayLike | None = None
) -> pd.DataFrame:
    """Covered and uncovered households per group (e.g. community code) and the covered share."""
    g = np.asarray(groups)
    w = _weights(weights, coverage.covered.size)
    frame = pd.DataFrame({"group": g, "covered": w * coverage.covered, "households": w})
    out = frame.groupby("group").sum()
    out["uncovered"] = out["households"] - out["covered"]
    out["share"] = out["covered"] / out["households"].where(out["households"] > 0)
    return out.reset_index()


def isochrones(
    centres_xy: ArrayLike, radius: ArrayLike, roads: RoadGraph, width: float = 40.0
) -> NDArray[np.object_]:
    """Per centre the area reached on foot within its ``radius`` (metres) on ``roads``: the road
    pieces walkable within the budget (edges cut where the budget runs out), buffered by
    ``width`` metres, with the blocks they enclose filled in — an isochrone polygon, not a
    circle. Empty where no road is in reach."""
    cc = _xy(centres_xy, "centres_xy")
    r = _radii(radius, len(cc))
    snap, node = cKDTree(roads.nodes_xy).query(cc)
    budget = r - snap
    dist = csgraph.dijkstra(roads.matrix(), indices=node, limit=max(float(budget.max()), 0.0))
    starts, ends, owner = [], [], []
    for a, b in ((roads.u, roads.v), (roads.v, roads.u)):  # walk each edge from either end
        left = budget[:, None] - dist[:, a]  # metres left on reaching end a
        i, e = np.nonzero(left > 0)
        frac = np.minimum(left[i, e] / roads.length[e], 1.0)[:, None]
        pa, pb = roads.nodes_xy[a[e]], roads.nodes_xy[b[e]]
        starts.append(pa)
        ends.append(pa + (pb - pa) * frac)
        owner.append(i)
    who = np.concatenate(owner)
    segs = shapely.linestrings(
        np.stack([np.concatenate(starts), np.concatenate(ends)], axis=1).reshape(-1, 2),
        indices=np.repeat(np.arange(who.size), 2),
    )
    areas = shapely.buffer(segs, width, quad_segs=2)
    out = np.full(len(cc), shapely.Polygon(), dtype=object)
    if who.size:
        order = np.argsort(who, kind="stable")
        ids, first = np.unique(who[order], return_index=True)
        groups = np.split(areas[order], first[1:])
        out[ids] = [shapely.union_all(g) for g in groups]
    parts, owner_of = shapely.get_parts(out, return_index=True)
    solid = shapely.polygons(shapely.get_exterior_ring(parts))  # blocks inside the walk count
    filled = np.full(len(cc), shapely.Polygon(), dtype=object)
    for_centre = np.split(solid, np.flatnonzero(np.diff(owner_of)) + 1) if solid.size else []
    filled[np.unique(owner_of)] = [shapely.union_all(g) for g in for_centre]
    return filled
