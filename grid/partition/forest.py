"""The rooted spanning trees of the parts bisection cuts, with subtree sums kept up to date.

Bisection cuts all the parts waiting at one time together (``grid.partition.bisection``), so
the forest cuts many parts in one step: a part is kept as its nodes in depth-first order, its
root first, and the parts waiting are laid one after another in one array.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from grid.partition.cuts import Cut, best_cut, cell_range
from grid.partition.trees import Rooted, level_sums, root_tree, spanning_tree

if TYPE_CHECKING:
    from grid.partition.bounds import Bounds

#: Random spanning trees tried on a part before settling for an out-of-bounds cut.
RETRIES = 2
#: Nodes at most for which whether a cut fits is worked out in plain Python.
PLAIN_FIT = 64


class RootedForest:
    """Spanning trees of the parts being cut, rooted, with subtree sums kept up to date.

    A tree is rooted once; cutting off a subtree only subtracts its sums from its ancestors in
    the same part, so all cuts of a part share one traversal. Nodes are numbered in depth-first
    order when planted, so the nodes of a part below a node are a run of the part, and those
    above it are found by comparing numbers, without walking the tree. A part whose tree has
    no feasible cut is re-planted with another spanning tree.
    """

    def __init__(self, values: np.ndarray) -> None:
        n = len(values)
        #: Values and subtree sums as (column, node), so a part's are one gather.
        self.values = np.array(values.T, dtype=float)
        self.sums = self.values.copy()
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
        self.sums[:, nodes] = level_sums(tree, self.values[:, nodes])
        child = np.where(tree.pred[lj] == li, lj, li)
        self.up_road[nodes[child]] = road
        order = nodes[tree.order]
        self.pos[order] = self.planted + np.arange(m)
        self.size[nodes] = np.bincount(tree.anc, minlength=m)
        self.planted += m
        return order

    def cut(self, nodes: np.ndarray, part: np.ndarray, child: np.ndarray) -> np.ndarray:
        """Cuts the subtree of ``child[p]`` off each part ``p`` (``nodes`` of the parts one after
        another, ``part``: each node's part); returns the mask of the nodes cut off.

        A part is a connected piece of its planted tree, so its nodes numbered within the
        child's range are below it, and those whose range holds the child's number above it."""
        at = self.pos[nodes]
        first = self.pos[child][part]
        below = (at >= first) & (at < first + self.size[child][part])
        above = (at < first) & (at + self.size[nodes] > first)
        self.sums[:, nodes[above]] -= self.sums[:, child[part[above]]]
        return below

    def cut_one(self, nodes: np.ndarray, child: int) -> np.ndarray:
        """:meth:`cut` of one part: the subtree of ``child`` cut off ``nodes``."""
        return self.cut(nodes, np.zeros(len(nodes), dtype=np.int64), np.array([child]))


def _any_fit(s: np.ndarray, k: int, bounds: Bounds) -> bool:
    """Whether a cut below any node but the root (``s``: the households below each node, the
    root's first) fits ``k`` cells: :func:`cell_range`'s floats, in plain Python for small
    finite trees (numpy's per-call overhead costs more there)."""
    values = s.tolist()
    if len(values) <= PLAIN_FIT and bounds.low > 0 and all(abs(v) < 1e300 for v in values):
        lo, hi, kf = float(bounds.low), float(bounds.high), float(k)
        for x in values[1:]:
            o = values[0] - x
            fewest = max(-math.floor(x / -hi), -math.floor(o / lo) + kf, 1.0)
            most = max(-math.floor(x / lo), -math.floor(o / -hi) - kf, 1.0 - kf)
            if fewest <= -most:
                return True
        return False
    span = cell_range(np.stack([s[1:], s[0] - s[1:]]), np.array(float(k)), bounds)
    return bool((span[0] <= -span[1]).any())


def _feasible_tree(
    w: np.ndarray, li: np.ndarray, lj: np.ndarray, cost: np.ndarray, k: int, bounds: Bounds,
    rng: np.random.Generator, tries: int = RETRIES,
) -> tuple[np.ndarray, Rooted] | None:
    """Random spanning trees of a part's graph (local links ``li``–``lj``, households ``w``)
    tried in turn: the first with a cut into ``k`` cells that fits, as (its link indices, the
    tree rooted at node 0). Whether a cut fits needs only the households below each link."""
    m = len(w)
    for _ in range(tries):
        noisy = cost * np.exp(rng.normal(0.0, 1.0, len(cost)))
        tree = spanning_tree(m, li, lj, noisy)
        if len(tree) != m - 1:
            return None
        rooted = root_tree(m, li[tree], lj[tree])
        if _any_fit(np.bincount(rooted.anc, weights=w[rooted.mem], minlength=m), k, bounds):
            return tree, rooted
    return None


def random_tree_cut(
    w: np.ndarray, moments: np.ndarray, li: np.ndarray, lj: np.ndarray, cost: np.ndarray,
    road: np.ndarray, k: int, bounds: Bounds, rng: np.random.Generator, tries: int,
) -> tuple[np.ndarray, Cut] | None:
    """Random spanning trees of a part's graph (local links ``li``–``lj``) tried in turn: the
    first with a cut into ``k`` cells that fits, as (its link indices, its best cut)."""
    found = _feasible_tree(w, li, lj, cost, k, bounds, rng, tries)
    if found is None:
        return None
    tree = found[0]
    cut = best_cut(w, moments, li[tree], lj[tree], road[tree], k, bounds)
    return None if cut is None else (tree, cut)  # a tree with a fitting cut has two nodes


@dataclass
class Planting:
    """What re-planting a part needs: households, the active links (ends, cost, road), the
    forest, the random generator, and scratch arrays over all nodes."""

    w: np.ndarray
    gi: np.ndarray
    gj: np.ndarray
    cost: np.ndarray
    road: np.ndarray
    forest: RootedForest
    rng: np.random.Generator
    local: np.ndarray
    inside: np.ndarray

    def replant(self, nodes: np.ndarray, k: int, bounds: Bounds) -> np.ndarray | None:
        """The part ``nodes`` (root first) re-planted with a random spanning tree that has a
        fitting cut, if one is found: its nodes in the new depth-first order. Nodes are
        numbered root first, then by node number, as the tree and its sums depend on that."""
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
