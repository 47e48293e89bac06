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
from scipy.sparse.csgraph import connected_components

from grid.geomops import EDGE_GRID, matching_edges, shared_edge_length
from grid.partition.cuts import _plain_choice, cell_range, choose, two_sides
from grid.partition.trees import Rooted, level_sums, preorder, root_tree, spanning_tree

#: Link cost multiplier for adjacency links that cross a road (so spanning trees avoid roads).
ROAD_COST = 5.0
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


class RootedForest:
    """Spanning trees of the parts being cut, rooted, with subtree sums kept up to date.

    A tree is rooted once; cutting off a subtree only subtracts its sums from its ancestors in
    the same part, so all cuts of a part share one traversal. Nodes are numbered in depth-first
    order when planted, and a part is kept as its nodes in that order, its root first: the nodes
    below a node are then a run of the part, found by comparing numbers, without walking the
    tree. A part whose tree has no feasible cut is re-planted with another spanning tree.
    """

    def __init__(self, values: np.ndarray) -> None:
        n = len(values)
        self.values = values
        #: Subtree sums as (column, node), so a part's sums are one gather.
        self.sums = np.array(values.T, dtype=float)
        self.up_road = np.zeros(n, dtype=bool)
        #: Depth-first number of each node (unique over all plantings) and its subtree's size.
        self.pos = np.zeros(n, dtype=np.int64)
        self.size = np.ones(n, dtype=np.int64)
        self.planted = 0

    def plant(self, nodes: np.ndarray, li: np.ndarray, lj: np.ndarray, road: np.ndarray,
              tree: Rooted | None = None) -> np.ndarray:
        """Roots the tree with local links ``li``–``lj`` over ``nodes`` at ``nodes[0]`` (``tree``:
        that tree already rooted); returns the nodes in depth-first order."""
        m = len(nodes)
        tree = root_tree(m, li, lj) if tree is None else tree
        self.sums[:, nodes] = level_sums(tree, self.values[nodes])
        child = np.where(tree.pred[lj] == li, lj, li)
        self.up_road[nodes[child]] = road
        order = nodes[preorder(tree)]
        self.pos[order] = self.planted + np.arange(m)
        self.size[nodes] = np.bincount(tree.anc, minlength=m)
        self.planted += m
        return order

    def best(self, nodes: np.ndarray, k: int, bounds: Bounds) -> tuple[int, bool]:
        """Best cut of the part ``nodes`` (depth-first order): (the child's place in ``nodes``,
        feasible). Of equal scores the least node number wins."""
        cand, root = nodes[1:], int(nodes[0])
        got = choose(two_sides(self.sums, cand, root), self.sums[:, root].tolist(),
                     self.up_road[cand], k, bounds, cand)
        if got is not None:
            return got[0] + 1, True
        plain = np.sort(cand)
        best, _, feasible = _plain_choice(self.sums[:, plain].T, self.sums[:, root],
                                          self.up_road[plain], k, bounds)
        return int((cand == plain[best]).nonzero()[0][0]) + 1, feasible

    def cut(self, nodes: np.ndarray, at: int) -> tuple[np.ndarray, np.ndarray]:
        """Cuts the subtree of ``nodes[at]`` off the part ``nodes``: (its nodes, the rest).

        A part is a connected piece of its planted tree, so its nodes numbered within the
        child's range are below it, a run from ``at``, and those whose range holds the child's
        number are above it."""
        child = int(nodes[at])
        pos = self.pos[nodes]
        first = pos[at]
        stop = int(pos.searchsorted(first + self.size[child]))
        head = nodes[:at]
        above = head[pos[:at] + self.size[head] > first]
        self.sums[:, above] -= self.sums[:, child, None]
        return nodes[at:stop], np.concatenate((head, nodes[stop:]))


def _feasible_tree(
    w: np.ndarray, li: np.ndarray, lj: np.ndarray, cost: np.ndarray, k: int, bounds: Bounds,
    rng: np.random.Generator,
) -> tuple[np.ndarray, Rooted] | None:
    """Random spanning trees of a part's graph (local links ``li``–``lj``, households ``w``)
    tried in turn: the first with a cut into ``k`` cells that fits, as (its link indices, the
    tree rooted at node 0). Whether a cut fits needs only the households below each link."""
    m = len(w)
    for _ in range(RETRIES):
        noisy = cost * np.exp(rng.normal(0.0, 1.0, len(cost)))
        tree = spanning_tree(m, li, lj, noisy)
        if len(tree) != m - 1:
            return None
        rooted = root_tree(m, li[tree], lj[tree])
        s = np.bincount(rooted.anc, weights=w[rooted.mem], minlength=m)
        span = cell_range(np.stack([s[1:], s[0] - s[1:]]), k, bounds)
        if (span[0] <= -span[1]).any():
            return tree, rooted
    return None


@dataclass
class _Parts:
    """What bisection keeps while it cuts: the active links (ends, cost, road), the forest, the
    random generator for re-planting, and scratch arrays over all nodes."""

    w: np.ndarray
    gi: np.ndarray
    gj: np.ndarray
    cost: np.ndarray
    road: np.ndarray
    forest: RootedForest
    rng: np.random.Generator
    local: np.ndarray
    inside: np.ndarray
    whole: bool

    def total(self, nodes: np.ndarray) -> float:
        """The part's households: its root's subtree sum when households are whole numbers (any
        order of adding them is exact), else added up root first, then by node number."""
        if self.whole:
            return float(self.forest.sums[0, nodes[0]])
        return float(self.w[np.concatenate((nodes[:1], np.sort(nodes[1:])))].sum())

    def replant(self, nodes: np.ndarray, k: int, bounds: Bounds) -> np.ndarray | None:
        """The part re-planted with a random spanning tree that has a fitting cut, if one is
        found: its nodes in the new depth-first order. Nodes are numbered root first, then by
        node number, as the tree and its sums depend on the numbering."""
        first = np.concatenate((nodes[:1], np.sort(nodes[1:])))
        self.local[first] = np.arange(len(first))
        self.inside[first] = True
        cand = np.flatnonzero(self.inside[self.gi] & self.inside[self.gj])
        self.inside[first] = False
        li, lj = self.local[self.gi[cand]], self.local[self.gj[cand]]
        found = _feasible_tree(self.w[first], li, lj, self.cost[cand], k, bounds, self.rng)
        if found is None:
            return None
        tree, rooted = found
        return self.forest.plant(first, li[tree], lj[tree], self.road[cand[tree]], rooted)


def _whole_numbers(w: np.ndarray) -> bool:
    """Whether ``w`` holds whole numbers small enough that every sum of them is exact."""
    return bool(np.isfinite(w).all() and (w == np.floor(w)).all() and np.abs(w).sum() < 2.0**52)


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
    tree = spanning_tree(n, gi, gj, gcost)
    adj = sp.csr_matrix((np.ones(len(tree)), (gi[tree], gj[tree])), shape=(n, n))
    _, comp = connected_components(adj, directed=False)
    part = np.where(active, comp, -1)
    parts = _Parts(np.asarray(w), gi, gj, gcost, groad,
                   RootedForest(np.column_stack([w, moments])), np.random.default_rng(seed),
                   np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=bool),
                   _whole_numbers(np.asarray(w, dtype=float)[active]))
    stack = []
    for p in np.unique(part[part >= 0]).tolist():  # one rooted tree per connected component
        nodes = np.flatnonzero(part == p)
        parts.local[nodes] = np.arange(len(nodes))
        links = tree[(part[gi[tree]] == p)]
        stack.append(parts.forest.plant(nodes, parts.local[gi[links]], parts.local[gj[links]],
                                        groad[links]))
    stack.reverse()
    next_label = 0
    while stack:
        nodes = stack.pop()  # in depth-first order, its root first
        k, possible = bounds.cells_for(parts.total(nodes))
        if k <= 1 or len(nodes) < 2:
            labels[nodes] = next_label
            next_label += 1
            continue
        at, feasible = parts.forest.best(nodes, k, bounds)
        if not feasible and possible:  # other trees can only help when the count allows
            planted = parts.replant(nodes, k, bounds)
            if planted is not None:
                nodes = planted
                at, _ = parts.forest.best(nodes, k, bounds)
        below, rest = parts.forest.cut(nodes, at)
        stack += [rest, below]
    return labels
