"""Bisection's fast parts against plain, one-part-at-a-time definitions (issue 16: the solve made
faster without changing a single label): subtree sums added in the same order, the same cut
chosen, and the same labels from cutting every waiting part at once as from cutting them one by
one, ties, fractional households and re-planted trees included."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import breadth_first_order, connected_components, minimum_spanning_tree

from grid.partition.bisection import _cells_for_all, bisect
from grid.partition.bounds import Bounds
from grid.partition.cuts import _plain_choice, choose, two_sides
from grid.partition.forest import RETRIES
from grid.partition.graph import PlotGraph
from grid.partition.trees import level_sums, root_tree

FAST = settings(max_examples=120, deadline=None)


def _plain_sums(m: int, a: np.ndarray, b: np.ndarray, values: np.ndarray) -> tuple:
    """Subtree sums as first written: every node paired with each ancestor, one tree level a
    step, summed per ancestor by ``bincount``; and each node's parent."""
    both = sp.csr_matrix((np.ones(2 * len(a)), (np.r_[a, b], np.r_[b, a])), shape=(m, m))
    _, pred = breadth_first_order(both, 0, directed=True, return_predecessors=True)
    owners, members = [np.arange(m)], [np.arange(m)]
    cur, node = np.arange(m), np.arange(m)
    while len(cur):
        cur = pred[cur]
        up = cur >= 0
        cur, node = cur[up], node[up]
        owners.append(cur)
        members.append(node)
    anc, mem = np.concatenate(owners), np.concatenate(members)
    return np.column_stack([np.bincount(anc, weights=values[mem, k], minlength=m)
                            for k in range(values.shape[1])]), pred


def _random_tree(m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Links of a random tree over ``m`` nodes, numbered and oriented at random."""
    parent = np.array([int(rng.integers(0, v)) for v in range(1, m)], dtype=np.int64)
    name = rng.permutation(m)
    a, b = name[parent], name[np.arange(1, m)]
    flip = rng.random(m - 1) < 0.5
    return np.where(flip, b, a), np.where(flip, a, b)


@FAST
@given(m=st.integers(1, 150), seed=st.integers(0, 10_000))
def test_subtree_sums_are_added_in_the_plain_order(m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = _random_tree(m, rng)
    values = rng.gamma(2.0, 13.0, (m, 3)) * rng.choice([1e-3, 1.0, 1e6], (m, 3))
    tree = root_tree(m, a, b)
    want, pred = _plain_sums(m, a, b, values)
    assert np.array_equal(np.maximum(tree.pred, -1), np.maximum(pred, -1))  # scipy's root: -9999
    assert np.array_equal(level_sums(tree, values.T), want.T)  # bit for bit, not close


@FAST
@given(c=st.integers(1, 40), k=st.integers(2, 9), seed=st.integers(0, 10_000))
def test_choice_is_the_plain_choice(c: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    bounds = Bounds(int(rng.integers(5, 40)), int(rng.integers(40, 90)))
    s = rng.integers(0, 60 * k, c).astype(float) if seed % 2 else rng.gamma(2.0, 20.0 * k, c)
    sums = np.vstack([s, rng.random((4, c)) * rng.choice([0.0, 1.0, 1e4], (4, c))])
    if seed % 3 == 0:  # equal candidates: the first wins
        sums[:, c // 2:] = sums[:, :1]
    total = sums.sum(axis=1, keepdims=True) + rng.random((5, 1))
    road = rng.random(c) < 0.3
    best, cells, fits = choose(two_sides(sums, np.arange(c), total), np.zeros(c, dtype=np.int64),
                               total, np.array([float(k)]), road, np.arange(c), bounds)
    assert (best[0], cells[0], fits[0]) == _plain_choice(sums.T, total[:, 0], road, k, bounds)


@FAST
@given(st.lists(st.one_of(st.integers(0, 5000).map(float), st.floats(0, 5000),
                          st.sampled_from([149.99999999999997, 150.0, 225.0, 375.0, 0.5])),
                max_size=30), st.integers(1, 200), st.integers(0, 300))
def test_cells_for_all_is_cells_for(totals: list[float], low: int, extra: int) -> None:
    bounds = Bounds(low, low + extra)
    k, fits = _cells_for_all(bounds, totals)
    assert [(int(a), bool(b)) for a, b in zip(k, fits, strict=True)] == [
        bounds.cells_for(t) for t in totals]


def plain_tree(n: int, i: np.ndarray, j: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """The minimum spanning forest's link indices through scipy's own COO conversion."""
    if len(i) == 0:
        return np.empty(0, dtype=np.int64)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    t = minimum_spanning_tree(sp.csr_matrix((cost, (lo, hi)), shape=(n, n))).tocoo()
    key = lo * n + hi
    order = np.argsort(key)
    return order[np.searchsorted(key[order], np.minimum(t.row, t.col) * n
                                 + np.maximum(t.row, t.col))]


class _OneByOne:
    """Bisection one part at a time, as first written: parts popped from a stack (the side cut
    off first), each with its root first and the rest by number, the subtree below a cut found
    by walking parents, and its sums taken off its ancestors."""

    def __init__(self, w: np.ndarray, moments: np.ndarray, graph: PlotGraph, active: np.ndarray,
                 bounds: Bounds, seed: int) -> None:
        n = len(w)
        self.w, self.bounds, self.rng = w, bounds, np.random.default_rng(seed)
        self.local = np.full(n, -1)
        on = active[graph.i] & active[graph.j]
        self.gi, self.gj = graph.i[on], graph.j[on]
        self.cost, self.road = graph.cost[on], graph.road[on]
        self.tree = plain_tree(n, self.gi, self.gj, self.cost)
        adj = sp.csr_matrix((np.ones(len(self.tree)), (self.gi[self.tree], self.gj[self.tree])),
                            shape=(n, n))
        self.part = np.where(active, connected_components(adj, directed=False)[1], -1)
        self.values = np.column_stack([w, moments])
        self.sums, self.parent = self.values.astype(float), np.full(n, -1)
        self.up_road = np.zeros(n, dtype=bool)

    def plant(self, nodes: np.ndarray, li: np.ndarray, lj: np.ndarray, road: np.ndarray) -> None:
        self.sums[nodes], pred = _plain_sums(len(nodes), li, lj, self.values[nodes])
        self.parent[nodes] = np.where(pred >= 0, nodes[np.maximum(pred, 0)], -1)
        self.up_road[nodes[np.where(pred[lj] == li, lj, li)]] = road

    def best(self, nodes: np.ndarray, k: int) -> tuple[int, bool]:
        got, _, feasible = _plain_choice(self.sums[nodes[1:]], self.sums[nodes[0]],
                                         self.up_road[nodes[1:]], k, self.bounds)
        return int(nodes[1 + got]), feasible

    def replant(self, p: int, nodes: np.ndarray, k: int) -> bool:
        """Random trees of the part tried in turn; the first with a fitting cut is planted."""
        gi, gj, part = self.gi, self.gj, self.part
        self.local[nodes] = np.arange(len(nodes))
        cand = np.flatnonzero((part[gi] == p) & (part[gj] == p))
        li, lj = self.local[gi[cand]], self.local[gj[cand]]
        for _ in range(RETRIES):
            t = plain_tree(len(nodes), li, lj,
                            self.cost[cand] * np.exp(self.rng.normal(0.0, 1.0, len(cand))))
            if len(t) != len(nodes) - 1:
                return False
            s, pred = _plain_sums(len(nodes), li[t], lj[t], self.values[nodes])
            below = np.where(pred[lj[t]] == li[t], lj[t], li[t])
            if _plain_choice(s[below], s[0], self.road[cand[t]], k, self.bounds)[2]:
                self.plant(nodes, li[t], lj[t], self.road[cand[t]])
                return True
        return False

    def cut(self, p: int, nodes: np.ndarray, child: int) -> np.ndarray:
        """The child's subtree taken off the part ``p``: its sums off its ancestors."""
        parent, part = self.parent, self.part
        up = parent[child]
        while up >= 0 and part[up] == p:  # the ancestors within the part
            self.sums[up] -= self.sums[child]
            up = parent[up]
        side = np.zeros(len(part), dtype=bool)
        for v in nodes:  # the nodes whose chain of parents reaches the child
            u = v
            while u >= 0 and part[u] == p and u != child:
                u = parent[u]
            side[v] = u == child
        parent[child] = -1
        return side

    def labels(self) -> np.ndarray:
        part, gi, gj, tree = self.part, self.gi, self.gj, self.tree
        labels = np.full(len(part), -1)
        parts = [int(p) for p in np.unique(part[part >= 0])]
        for p in parts:
            nodes = np.flatnonzero(part == p)
            self.local[nodes] = np.arange(len(nodes))
            links = tree[part[gi[tree]] == p]
            self.plant(nodes, self.local[gi[links]], self.local[gj[links]], self.road[links])
        stack, next_part, label = parts[::-1], max(parts, default=0) + 1, 0
        while stack:
            p = stack.pop()
            nodes = np.flatnonzero(part == p)
            nodes = nodes[np.argsort(self.parent[nodes] >= 0, kind="stable")]
            k, possible = self.bounds.cells_for(float(self.w[nodes].sum()))
            if k <= 1 or len(nodes) < 2:
                labels[nodes], label = label, label + 1
                continue
            child, feasible = self.best(nodes, k)
            if not feasible and possible and self.replant(p, nodes, k):
                child, _ = self.best(nodes, k)
            part[self.cut(p, nodes, child)] = next_part
            stack += [p, next_part]
            next_part += 1
        return labels


def _plain_bisect(w: np.ndarray, moments: np.ndarray, graph: PlotGraph, active: np.ndarray,
                  bounds: Bounds, seed: int) -> np.ndarray:
    """The labels of bisection one part at a time (:class:`_OneByOne`)."""
    return _OneByOne(w, moments, graph, active, bounds, seed).labels()


def _case(n: int, seed: int, lattice: bool) -> tuple:
    """A plot graph (a lattice with equal costs, or random links with a few costs), households
    (whole, equal, fractional or with tall buildings), moments, active plots and bounds."""
    rng = np.random.default_rng(seed)
    if lattice:
        r = max(1, int(np.sqrt(n)))
        idx = np.arange(r * (n // r)).reshape(r, -1)
        i = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
        j = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
        n = idx.size
        xy = np.column_stack([idx.ravel() % idx.shape[1], idx.ravel() // idx.shape[1]]) * 10.0
        cost = np.ones(len(i))
    else:
        xy = rng.uniform(0, 100, (n, 2))
        near = np.argsort(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1)), axis=1)[:, 1:4]
        pairs = np.unique(np.sort(np.column_stack([np.repeat(np.arange(n), near.shape[1]),
                                                   near.ravel()]), axis=1), axis=0)
        i, j = pairs[:, 0], pairs[:, 1]
        cost = rng.integers(1, 4, len(i)).astype(float)
    kind = seed % 4
    w = [np.full(n, 20.0), rng.integers(0, 60, n).astype(float), rng.gamma(2.0, 13.0, n),
         np.where(rng.random(n) < 0.1, 350.0, rng.integers(1, 40, n).astype(float))][kind]
    area = np.ones(n) if lattice else rng.uniform(50, 150, n)
    xy = xy - xy.mean(axis=0)
    moments = np.column_stack([area, area * xy[:, 0], area * xy[:, 1],
                               area * (xy**2).sum(axis=1)])
    graph = PlotGraph(i, j, cost, rng.random(len(i)) < 0.2)
    active = (rng.random(n) < 0.9) & (w <= 200)
    bounds = [Bounds(100, 200), Bounds(30, 60), Bounds(50, 70)][seed % 3]
    return w, moments, graph, active, bounds


@FAST
@given(n=st.integers(2, 60), seed=st.integers(0, 10_000), lattice=st.booleans())
def test_bisection_labels_are_the_one_by_one_labels(n: int, seed: int, lattice: bool) -> None:
    w, moments, graph, active, bounds = _case(n, seed, lattice)
    assert np.array_equal(bisect(w, moments, graph, active, bounds, seed % 5),
                          _plain_bisect(w, moments, graph, active, bounds, seed % 5))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("lattice", [False, True])
def test_bisection_labels_are_the_one_by_one_labels_on_large_parts(seed: int,
                                                                   lattice: bool) -> None:
    # Parts over PLAIN_WALK nodes and graphs over PLAIN_KRUSKAL links go through scipy.
    w, moments, graph, active, bounds = _case(220, seed, lattice)
    assert np.array_equal(bisect(w, moments, graph, active, bounds, seed),
                          _plain_bisect(w, moments, graph, active, bounds, seed))
