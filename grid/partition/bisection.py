"""Recursive bisection of a spanning tree of the plot adjacency graph into cells (DESIGN §6).

A part of ``W`` households that needs ``k`` cells is cut at one edge of its spanning tree: the edge
whose subtree can hold ``k1`` cells and the rest ``k - k1`` cells within the household bounds, and
which leaves the two sides most compact (least moment of inertia), best balanced and, where there
is a choice, split along a road. Both sides of a tree cut are connected, so every cell is
contiguous by construction. When a tree has no feasible cut, other random spanning trees of the
same part are tried before the least-bad cut is taken (and the cells are later reported).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import (
    breadth_first_order,
    connected_components,
    depth_first_order,
    minimum_spanning_tree,
)

from grid.geomops import EDGE_GRID, matching_edges, shared_edge_length

#: Link cost multiplier for adjacency links that cross a road (so spanning trees avoid roads).
ROAD_COST = 5.0
#: Score bonus for cutting a tree edge that crosses a road (scores are ~0..1).
ROAD_BONUS = 0.25
#: Weight of the household balance term against the compactness term.
BALANCE_WEIGHT = 0.5
#: Random spanning trees tried on a part before settling for an out-of-bounds cut.
RETRIES = 2


@dataclass(frozen=True)
class Bounds:
    """Households allowed per cell, ``low`` ≤ h ≤ ``high``; cells aim for the middle."""

    low: int
    high: int

    @property
    def target(self) -> float:
        """The household count cells aim for, leaving room to grow and shrink."""
        return (self.low + self.high) / 2.0

    def cells_for(self, total: float) -> tuple[int, bool]:
        """How many cells ``total`` households should make, and whether that count is feasible."""
        kmin = int(np.ceil(total / self.high))
        kmax = int(np.floor(total / self.low))
        k = int(round(total / self.target))
        if kmin <= kmax:
            return max(1, min(max(k, kmin), kmax)), True
        return max(1, k), False


@dataclass(frozen=True)
class PlotGraph:
    """Adjacency between plots sharing an edge: endpoints ``i < j``, link cost and road flag."""

    i: np.ndarray
    j: np.ndarray
    cost: np.ndarray
    road: np.ndarray


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """The distinct rows of an (n, 2) array of non-negative integers, sorted as
    ``np.unique(axis=0)`` sorts them, through one integer key per row (several times faster)."""
    if len(pairs) == 0:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.asarray(pairs, dtype=np.int64)
    m = int(pairs.max()) + 1
    key = np.unique(pairs[:, 0] * m + pairs[:, 1])
    return np.column_stack([key // m, key % m])


def _edge_jitter(xy: np.ndarray, i: np.ndarray, j: np.ndarray, seed: int) -> np.ndarray:
    """A deterministic pseudo-random factor in [1, 1.01) per link, from the link's coordinates.

    Hashing coordinates (not positions in the input) keeps links unchanged when a building is
    added elsewhere, so small edits change few cells.
    """
    key = np.round(xy, 2)
    h = np.sin(key[:, 0] * 12.9898 + key[:, 1] * 78.233 + seed * 0.6180339887) * 43758.5453
    u = np.mod(h[i] + h[j], 1.0)
    return 1.0 + 0.01 * u


def _touching(
    plots: np.ndarray, only: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``i < j`` of plots that intersect (candidates for sharing an edge); with ``only``
    (a mask), just the pairs involving those plots."""
    sel = np.arange(len(plots)) if only is None else np.flatnonzero(only)
    k, j = shapely.STRtree(plots).query(plots[sel], predicate="intersects")
    i = sel[k]
    i, j = np.minimum(i, j), np.maximum(i, j)
    keep = i < j
    key = np.unique(i[keep] * len(plots) + j[keep])
    return key // len(plots), key % len(plots)


def plot_graph(
    plots: np.ndarray, xy: np.ndarray, roads: np.ndarray | None, seed: int = 0,
    blocks: np.ndarray | None = None,
) -> PlotGraph:
    """The adjacency graph of ``plots`` (pairs sharing a boundary of positive length).

    A link costs the distance between the two building anchors ``xy``, times ``ROAD_COST`` when
    the straight link crosses a road, so spanning trees prefer to stay on one side of roads.
    ``blocks`` (edge groups from ``plots_and_blocks``) lets pairs inside one group, whose plots
    share identical segments, skip the tolerant measure; -1 marks plots that need it.
    """
    if blocks is None:
        i, j = _touching(plots)
        keep = shared_edge_length(plots[i], plots[j]) > EDGE_GRID
        i, j = i[keep], j[keep]
    else:
        # Inside a group plots share identical segments; only pairs across groups (or with
        # a plot marked -1) need the tolerant (and slower) measure.
        ei, ej, elen = matching_edges(plots)
        i, j = ei[elen > EDGE_GRID], ej[elen > EDGE_GRID]
        groups = len(np.unique(blocks[blocks >= 0]))
        if groups > 1 or (blocks < 0).any():
            # With one group, only pairs with a -1 plot can cross: query just those plots.
            ci, cj = _touching(plots, None if groups > 1 else blocks < 0)
            cross = (blocks[ci] != blocks[cj]) | (blocks[ci] < 0)
            # Pairs already sharing identical segments need no second measure.
            cross &= ~np.isin(ci * len(plots) + cj, i * len(plots) + j)
            ci, cj = ci[cross], cj[cross]
            keep = shared_edge_length(plots[ci], plots[cj]) > EDGE_GRID
            key = np.unique(np.concatenate([i * len(plots) + j, ci[keep] * len(plots) + cj[keep]]))
            i, j = key // len(plots), key % len(plots)
    road = np.zeros(len(i), dtype=bool)
    if roads is not None and len(roads) and len(i):
        links = shapely.linestrings(np.stack([xy[i], xy[j]], axis=1))
        hit, _ = shapely.STRtree(roads).query(links, predicate="intersects")
        road[hit] = True
    length = np.hypot(*(xy[i] - xy[j]).T) + 1e-3
    cost = length * np.where(road, ROAD_COST, 1.0) * _edge_jitter(xy, i, j, seed)
    return PlotGraph(i, j, cost, road)


def _spanning_tree(n: int, i: np.ndarray, j: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Indices of the links forming a minimum spanning forest over ``n`` nodes."""
    if len(i) == 0:
        return np.empty(0, dtype=np.int64)
    lo, hi = np.minimum(i, j).astype(np.int64), np.maximum(i, j).astype(np.int64)
    key = lo * n + hi
    order = np.argsort(key)
    if (key[order][1:] == key[order][:-1]).any():  # a pair given twice: scipy sums them
        w = sp.csr_matrix((cost, (lo, hi)), shape=(n, n))
    else:
        # Laid out straight from the sorted links, as scipy's COO conversion lays it out.
        indptr = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(np.bincount(lo, minlength=n), out=indptr[1:])
        w = sp.csr_matrix((np.asarray(cost, float)[order], hi[order].astype(np.int32), indptr),
                          shape=(n, n))
    t = minimum_spanning_tree(w).tocoo()
    found = np.searchsorted(key[order], np.minimum(t.row, t.col).astype(np.int64) * n
                            + np.maximum(t.row, t.col))
    return order[found]


@dataclass(frozen=True)
class Cut:
    """A chosen tree cut: the link to remove, the cells meant for the child side, whether both
    sides fit the bounds, and the child side as a boolean mask over the tree's nodes."""

    link: int
    k1: int
    feasible: bool
    side: np.ndarray


def _both_ways(m: int, a: np.ndarray, b: np.ndarray) -> sp.csr_matrix:
    """The links ``a``–``b`` over ``m`` nodes as a CSR matrix holding both directions, built
    straight from its arrays (scipy's COO conversion costs more than the search on small
    trees, and bisection searches hundreds of them)."""
    rows, cols = np.concatenate([a, b]), np.concatenate([b, a])
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(m + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=m), out=indptr[1:])
    return sp.csr_matrix((np.ones(len(rows)), cols[order].astype(np.int32), indptr),
                         shape=(m, m))


def _subtree_sums(m: int, a: np.ndarray, b: np.ndarray, values: np.ndarray) -> tuple:
    """Sums of ``values`` over every subtree of a tree rooted at node 0, each node's parent,
    and the (ancestor, descendant) pairs that define the subtrees.

    Every node is paired with each of its ancestors (one vectorised step per tree level), and
    the values are summed per ancestor with ``bincount``.
    """
    _, pred = breadth_first_order(_both_ways(m, a, b), 0, directed=True,
                                  return_predecessors=True)
    owners, members = [np.arange(m)], [np.arange(m)]
    cur, node = np.arange(m), np.arange(m)
    while True:
        cur = pred[cur]
        up = cur >= 0
        cur, node = cur[up], node[up]
        if len(cur) == 0:
            break
        owners.append(cur)
        members.append(node)
    anc, mem = np.concatenate(owners), np.concatenate(members)
    sums = np.column_stack(
        [np.bincount(anc, weights=values[mem, k], minlength=m) for k in range(values.shape[1])]
    )
    return sums, pred, anc, mem


def _choose(
    sub: np.ndarray, total: np.ndarray, road: np.ndarray, k: int, bounds: Bounds
) -> tuple[int, int, bool]:
    """Best candidate cut from the child sides' sums ``sub`` (rows: households, moments) and the
    part's ``total``: (candidate index, cells for the child side, whether both sides fit).

    Called once per cut on every node of the part, so it is written for few numpy calls: the
    columns are taken once, transposed, and the part's own figures are Python floats."""
    s, a, ax, ay, a2 = sub.T
    wt, ta, tax, tay, ta2 = (float(v) for v in total)
    other = wt - s
    lo, hi = bounds.low, bounds.high
    # min/max, not np.clip: the same values at a fraction of the overhead, on small arrays.
    k1_lo = np.maximum(np.maximum(np.ceil(s / hi), k - np.floor(other / lo)), 1)
    k1_hi = np.minimum(np.minimum(np.floor(s / lo), k - np.ceil(other / hi)), k - 1)
    feasible = k1_lo <= k1_hi
    k1 = np.minimum(np.maximum(np.round(k * s / max(wt, 1e-12)), 1), k - 1)
    k1 = np.where(feasible, np.minimum(np.maximum(k1, k1_lo), np.maximum(k1_lo, k1_hi)), k1)
    k2 = k - k1
    oa, oax, oay = ta - a, tax - ax, tay - ay
    whole = ta2 - (tax**2 + tay**2) / max(ta, 1e-12)
    inertia = ((a2 - (ax**2 + ay**2) / np.maximum(a, 1e-12))
               + ((ta2 - a2) - (oax**2 + oay**2) / np.maximum(oa, 1e-12))) / max(whole, 1e-9)
    t = bounds.target
    # Balance matters only for sides that will be cut again; a final cell just has to fit.
    balance = (np.where(k1 > 1, np.abs(s / k1 - t) / t, 0.0)
               + np.where(k2 > 1, np.abs(other / k2 - t) / t, 0.0))
    score = inertia + BALANCE_WEIGHT * balance - ROAD_BONUS * road
    if feasible.any():
        best = int(np.argmin(np.where(feasible, score, np.inf)))
    else:  # the least violation of the bounds, computed only when no cut fits
        violation = (np.maximum(0, k1 * lo - s) + np.maximum(0, s - k1 * hi)
                     + np.maximum(0, k2 * lo - other) + np.maximum(0, other - k2 * hi))
        best = int(np.lexsort((score, violation))[0])
    return best, int(k1[best]), bool(feasible[best])


def best_cut(
    w: np.ndarray, moments: np.ndarray, a: np.ndarray, b: np.ndarray, road: np.ndarray,
    k: int, bounds: Bounds,
) -> Cut | None:
    """The best cut of a tree (links ``a``–``b`` over local nodes) into ``k`` cells, if any.

    ``moments`` holds per node (area, area·x, area·y, area·(x²+y²)) for the compactness score.
    Returns ``None`` when the tree has fewer than two nodes.
    """
    m = len(w)
    if m < 2:
        return None
    sums, pred, anc, mem = _subtree_sums(m, a, b, np.column_stack([w, moments]))
    child = np.where(pred[b] == a, b, a)
    best, k1, feasible = _choose(sums[child], sums[0], road, k, bounds)
    side = np.zeros(m, dtype=bool)
    side[mem[anc == child[best]]] = True
    return Cut(best, k1, feasible, side)


class RootedForest:
    """Spanning trees of the parts being cut, rooted, with subtree sums kept up to date.

    A tree is rooted once; cutting off a subtree only subtracts its sums from its ancestors in
    the same part, so all cuts of a part share one traversal. Nodes are numbered in depth-first
    order when planted, so a subtree is a range of numbers: the nodes of a part below (or
    above) a node are found by comparing numbers, without walking the tree. A part whose tree
    has no feasible cut is re-planted with another spanning tree.
    """

    def __init__(self, values: np.ndarray) -> None:
        n = len(values)
        self.values = values
        self.sums = values.astype(float).copy()
        self.parent = np.full(n, -1, dtype=np.int64)
        self.up_road = np.zeros(n, dtype=bool)
        #: Depth-first number of each node (unique over all plantings) and its subtree's size.
        self.pos = np.zeros(n, dtype=np.int64)
        self.size = np.ones(n, dtype=np.int64)
        self.planted = 0

    def plant(self, nodes: np.ndarray, li: np.ndarray, lj: np.ndarray, road: np.ndarray) -> None:
        """Roots the tree with local links ``li``–``lj`` over ``nodes`` at ``nodes[0]``."""
        m = len(nodes)
        sums, pred, anc, _ = _subtree_sums(m, li, lj, self.values[nodes])
        self.sums[nodes] = sums
        self.parent[nodes] = np.where(pred >= 0, nodes[np.maximum(pred, 0)], -1)
        child = np.where(pred[lj] == li, lj, li)
        self.up_road[nodes[child]] = road
        order = depth_first_order(_both_ways(m, li, lj), 0, directed=True,
                                  return_predecessors=False)
        self.pos[nodes[order]] = self.planted + np.arange(len(order))
        self.size[nodes] = np.bincount(anc, minlength=m)
        self.planted += m

    def best(self, nodes: np.ndarray, k: int, bounds: Bounds) -> tuple[int, int, bool]:
        """Best cut of the part ``nodes`` (its root first): (child node, k1, feasible)."""
        cand = nodes[1:]
        best, k1, feasible = _choose(self.sums[cand], self.sums[nodes[0]], self.up_road[cand],
                                     k, bounds)
        return int(cand[best]), k1, feasible

    def cut(self, nodes: np.ndarray, child: int) -> np.ndarray:
        """Cuts ``child``'s subtree off the part ``nodes``; returns the mask of it over nodes.

        A part is a connected piece of its planted tree, so its nodes numbered within
        ``child``'s range are below it, and those whose range holds ``child`` are above it."""
        at, lo = self.pos[nodes], self.pos[child]
        below = (at >= lo) & (at < lo + self.size[child])
        above = (at < lo) & (at + self.size[nodes] > lo)
        self.sums[nodes[above]] -= self.sums[child]
        self.parent[child] = -1
        return below


def random_tree_cut(
    w: np.ndarray, moments: np.ndarray, li: np.ndarray, lj: np.ndarray, cost: np.ndarray,
    road: np.ndarray, k: int, bounds: Bounds, rng: np.random.Generator, tries: int,
) -> tuple[np.ndarray, Cut] | None:
    """Random spanning trees of a part's graph (local links ``li``–``lj``) tried in turn; the
    first with a feasible cut into ``k`` cells is returned as (its link indices, the cut)."""
    for _ in range(tries):
        noisy = cost * np.exp(rng.normal(0.0, 1.0, len(cost)))
        tree = _spanning_tree(len(w), li, lj, noisy)
        if len(tree) != len(w) - 1:
            return None
        cut = best_cut(w, moments, li[tree], lj[tree], road[tree], k, bounds)
        if cut is not None and cut.feasible:
            return tree, cut
    return None


def bisect(
    w: np.ndarray, moments: np.ndarray, graph: PlotGraph, active: np.ndarray, bounds: Bounds,
    seed: int = 0,
) -> np.ndarray:
    """Cell labels (0..) for the ``active`` nodes of ``graph`` (-1 for the others).

    Each connected component is split recursively; a part stops when it needs one cell or has
    one node. Deterministic for given input and ``seed``.
    """
    n = len(w)
    labels = np.full(n, -1, dtype=np.int64)
    on = active[graph.i] & active[graph.j]
    gi, gj, gcost, groad = graph.i[on], graph.j[on], graph.cost[on], graph.road[on]
    tree = _spanning_tree(n, gi, gj, gcost)
    adj = sp.csr_matrix((np.ones(len(tree)), (gi[tree], gj[tree])), shape=(n, n))
    _, comp = connected_components(adj, directed=False)
    part = np.where(active, comp, -1)
    forest = RootedForest(np.column_stack([w, moments]))
    rng = np.random.default_rng(seed)
    local = np.full(n, -1, dtype=np.int64)
    parts = [int(p) for p in np.unique(part[part >= 0])]
    for p in parts:  # one rooted tree per connected component
        nodes = np.flatnonzero(part == p)
        local[nodes] = np.arange(len(nodes))
        links = tree[(part[gi[tree]] == p)]
        forest.plant(nodes, local[gi[links]], local[gj[links]], groad[links])
    stack = parts[::-1]
    next_part = int(part.max()) + 1 if n else 0
    next_label = 0
    while stack:
        p = stack.pop()
        nodes = np.flatnonzero(part == p)
        nodes = nodes[np.argsort(forest.parent[nodes] >= 0, kind="stable")]  # root first
        k, possible = bounds.cells_for(float(w[nodes].sum()))
        if k <= 1 or len(nodes) < 2:
            labels[nodes] = next_label
            next_label += 1
            continue
        child, _, feasible = forest.best(nodes, k, bounds)
        if not feasible and possible:  # other trees can only help when the count allows
            local[nodes] = np.arange(len(nodes))
            cand = np.flatnonzero((part[gi] == p) & (part[gj] == p))
            found = random_tree_cut(w[nodes], moments[nodes], local[gi[cand]], local[gj[cand]],
                                    gcost[cand], groad[cand], k, bounds, rng, RETRIES)
            if found is not None:
                links = cand[found[0]]
                forest.plant(nodes, local[gi[links]], local[gj[links]], groad[links])
                child, _, _ = forest.best(nodes, k, bounds)
        side = forest.cut(nodes, child)
        part[nodes[side]] = next_part
        stack.extend([p, next_part])
        next_part += 1
    return labels
