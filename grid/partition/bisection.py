"""Recursive bisection of a spanning tree of the plot adjacency graph into cells (DESIGN §6).

A part of ``W`` households that needs ``k`` cells is cut at one edge of its spanning tree: the edge
whose subtree can hold ``k1`` cells and the rest ``k - k1`` cells within the household bounds, and
which leaves the two sides most compact (least moment of inertia), best balanced and, where there
is a choice, split along a road (``grid.partition.cuts``). Both sides of a tree cut are connected,
so every cell is contiguous by construction. When a tree has no feasible cut, other random
spanning trees of the same part are tried before the least-bad cut is taken (and the cells are
later reported). Trees are rooted and their subtree sums kept in ``grid.partition.forest`` and
``grid.partition.trees``; all parts waiting at one time are cut in one step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from grid.partition.bounds import Bounds
from grid.partition.cuts import _plain_choice, choose, two_sides
from grid.partition.forest import Planting, RootedForest
from grid.partition.graph import PlotGraph
from grid.partition.trees import spanning_tree

#: Parts at most whose cells are counted one by one (numpy's per-call overhead costs more).
FEW_PARTS = 4


@dataclass
class _Frontier:
    """Parts waiting to be cut: their nodes one after another, each part in depth-first order
    (its root first), where each begins, and each one's place in the order parts are labelled
    (its path from the component: 0 for the side cut off, 1 for the rest)."""

    nodes: np.ndarray
    starts: np.ndarray
    paths: list[tuple[int, ...]]

    @classmethod
    def of(cls, parts: list[np.ndarray], paths: list[tuple[int, ...]]) -> _Frontier:
        """The frontier of the given parts."""
        starts = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum([len(p) for p in parts], out=starts[1:])
        return cls(np.concatenate(parts), starts, paths)

    def only(self, keep: np.ndarray) -> _Frontier:
        """The frontier of the parts where ``keep`` is set."""
        sizes = np.diff(self.starts)
        starts = np.zeros(int(keep.sum()) + 1, dtype=np.int64)
        np.cumsum(sizes[keep], out=starts[1:])
        return _Frontier(self.nodes[np.repeat(keep, sizes)], starts,
                         [p for p, k in zip(self.paths, keep.tolist(), strict=True) if k])

    def part(self) -> np.ndarray:
        """The part of each node."""
        return np.repeat(np.arange(len(self.paths)), np.diff(self.starts))


@dataclass
class _Bisection:
    """The cutting of all components: parts finished (leaves, by path) and parts waiting for
    another spanning tree (blocked, with their cells and least-bad child).

    Parts are cut all at once, a step per level of the recursion, with the same cuts as one by
    one (a part at a time, the side cut off first): parts never share nodes, and only
    re-planting draws random numbers. Parts waiting for another tree are re-planted one at a
    time, the first in label order first, once no other part can be cut: every part before it
    is then finished, so trees are drawn in the order one-by-one cutting draws them. Labels go
    to the leaves in the order of their paths, the order one-by-one cutting finishes them.
    """

    planting: Planting
    bounds: Bounds
    whole: bool
    leaves: list[tuple[tuple[int, ...], np.ndarray]] = field(default_factory=list)
    blocked: list[tuple[tuple[int, ...], np.ndarray, int, int]] = field(default_factory=list)
    replanted: set[tuple[int, ...]] = field(default_factory=set)

    def totals(self, f: _Frontier) -> list[float]:
        """Each part's households (:meth:`total`)."""
        if self.whole:
            return self.planting.forest.sums[0, f.nodes[f.starts[:-1]]].tolist()
        ends = f.starts.tolist()
        return [self.total(f.nodes[a:b]) for a, b in zip(ends[:-1], ends[1:], strict=True)]

    def total(self, nodes: np.ndarray) -> float:
        """A part's households (``nodes``, root first): its root's subtree sum when households
        are whole numbers (any order of adding them is exact), else added up root first, then
        by node number."""
        if self.whole:
            return float(self.planting.forest.sums[0, nodes[0]])
        return float(self.planting.w[np.concatenate((nodes[:1], np.sort(nodes[1:])))].sum())

    def plain_cut(self, nodes: np.ndarray, k: int) -> tuple[int, bool]:
        """The child to cut off the part ``nodes`` (root first) for ``k`` cells, and whether
        both sides fit, by :func:`_plain_choice` with the candidates by number (ties go to
        the least)."""
        forest = self.planting.forest
        plain = np.sort(nodes[1:])
        b, _, feasible = _plain_choice(forest.sums[:, plain].T, forest.sums[:, nodes[0]],
                                       forest.up_road[plain], k, self.bounds)
        return int(plain[b]), feasible

    def step(self, f: _Frontier) -> _Frontier | None:
        """Cuts every part of ``f`` needing more than one cell in two; returns the new parts."""
        if len(f.paths) == 1:
            return self.step_one(f.nodes, f.paths[0])
        k, possible = _cells_for_all(self.bounds, self.totals(f))
        go = (k > 1) & (np.diff(f.starts) >= 2)
        for p in np.flatnonzero(~go).tolist():
            self.leaves.append((f.paths[p], f.nodes[f.starts[p]:f.starts[p + 1]]))
        if not go.any():
            return None
        if np.count_nonzero(go) == 1:
            p = int(go.argmax())
            return self.cut_one(f.nodes[f.starts[p]:f.starts[p + 1]], f.paths[p], int(k[p]),
                                bool(possible[p]))
        if not go.all():
            k, possible, f = k[go], possible[go], f.only(go)
        possible = possible.tolist()
        child, cut = self.choices(f, k, possible)
        if not cut.any():
            return None
        if not cut.all():
            f, child = f.only(cut), child[cut]
        part = f.part()
        below = self.planting.forest.cut(f.nodes, part, child)
        key = 2 * part + ~below  # each part's side cut off first, then its rest
        order = np.argsort(key, kind="stable")
        starts = np.zeros(2 * len(child) + 1, dtype=np.int64)
        np.cumsum(np.bincount(key, minlength=2 * len(child)), out=starts[1:])
        return _Frontier(f.nodes[order], starts, [q for p in f.paths for q in (p + (0,), p + (1,))])

    def step_one(self, nodes: np.ndarray, path: tuple[int, ...]) -> _Frontier | None:
        """:meth:`step` of a lone part (``nodes``, root first), by :func:`_plain_choice` (the
        definition :func:`choose` follows), with far fewer numpy calls."""
        k, possible = self.bounds.cells_for(self.total(nodes))
        if k <= 1 or len(nodes) < 2:
            self.leaves.append((path, nodes))
            return None
        return self.cut_one(nodes, path, k, possible)

    def cut_one(self, nodes: np.ndarray, path: tuple[int, ...], k: int,
                possible: bool) -> _Frontier | None:
        """A lone part (``nodes``, root first) needing ``k`` cells cut in two, or set waiting
        for another tree; returns its two sides."""
        child, feasible = self.plain_cut(nodes, k)
        if not feasible and possible and path not in self.replanted:
            self.blocked.append((path, nodes, k, child))
            return None
        below = self.planting.forest.cut_one(nodes, child)
        return _Frontier(np.concatenate((nodes[below], nodes[~below])),
                         np.array([0, np.count_nonzero(below), len(nodes)]),
                         [path + (0,), path + (1,)])

    def choices(self, f: _Frontier, k: np.ndarray, possible: list[bool]
                ) -> tuple[np.ndarray, np.ndarray]:
        """Each part's child to cut off, and whether it is cut now (not when it waits for
        another tree)."""
        forest, part = self.planting.forest, f.part()
        roots = f.nodes[f.starts[:-1]]
        cand = np.ones(len(f.nodes), dtype=bool)
        cand[f.starts[:-1]] = False
        nodes, of = f.nodes[cand], part[cand]
        totals = forest.sums[:, roots]
        best, _, feasible = choose(two_sides(forest.sums, nodes, totals[:, of]), of, totals,
                                   k.astype(float), forest.up_road[nodes], nodes, self.bounds)
        child = nodes[best]
        for p in np.flatnonzero(best < 0).tolist():  # the plain choice decides
            child[p], feasible[p] = self.plain_cut(f.nodes[f.starts[p]:f.starts[p + 1]],
                                                   int(k[p]))
        cut = np.ones(len(best), dtype=bool)
        for p in np.flatnonzero(~feasible).tolist():
            if possible[p] and f.paths[p] not in self.replanted:
                # Other trees can only help when the count allows; a re-planted part is cut
                # with its best cut, as one by one.
                self.blocked.append((f.paths[p], f.nodes[f.starts[p]:f.starts[p + 1]],
                                     int(k[p]), int(child[p])))
                cut[p] = False
        return child, cut

    def unblock(self) -> _Frontier:
        """The first part waiting for another tree, re-planted (or cut as it is when no tree
        has a fitting cut)."""
        first = min(range(len(self.blocked)), key=lambda b: self.blocked[b][0])
        path, nodes, k, child = self.blocked.pop(first)
        self.replanted.add(path)
        planted = self.planting.replant(nodes, k, self.bounds)
        if planted is not None:
            return _Frontier.of([planted], [path])
        below = self.planting.forest.cut_one(nodes, child)
        return _Frontier.of([nodes[below], nodes[~below]], [path + (0,), path + (1,)])


def _one_way(n: int, a: np.ndarray, b: np.ndarray) -> sp.csr_matrix:
    """The links ``a``–``b`` over ``n`` nodes as a CSR matrix (one direction), built straight
    from its arrays: scipy's COO conversion costs more than finding the components."""
    order = np.argsort(a, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(a, minlength=n), out=indptr[1:])
    return sp.csr_matrix((np.ones(len(a)), b[order].astype(np.int32), indptr), shape=(n, n))


def _cells_for_all(bounds: Bounds, totals: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`Bounds.cells_for` of every total at once: (cells, whether that count fits)."""
    t = np.array(totals)
    if len(totals) <= FEW_PARTS or not np.isfinite(t).all():  # as one by one (which refuses
        counts = [bounds.cells_for(x) for x in totals]  # non-finite totals), few at a time
        return np.array([c[0] for c in counts]), np.array([c[1] for c in counts], dtype=bool)
    fewest, most = np.ceil(t / bounds.high), np.floor(t / bounds.low)
    near = np.rint(t / bounds.target)  # round() of a float: half to even, as np.rint
    fits = fewest <= most
    k = np.where(fits, np.minimum(np.maximum(near, fewest), most), near)
    return np.maximum(k, 1).astype(np.int64), fits


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
    _, comp = connected_components(_one_way(n, gi[tree], gj[tree]), directed=False)
    part = np.where(active, comp, -1)
    planting = Planting(np.asarray(w), gi, gj, gcost, groad,
                        RootedForest(np.column_stack([w, moments])), np.random.default_rng(seed),
                        np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=bool))
    planted = []
    for p in np.unique(part[part >= 0]).tolist():  # one rooted tree per connected component
        nodes = np.flatnonzero(part == p)
        planting.local[nodes] = np.arange(len(nodes))
        links = tree[(part[gi[tree]] == p)]
        planted.append(planting.forest.plant(nodes, planting.local[gi[links]],
                                             planting.local[gj[links]], groad[links]))
    run = _Bisection(planting, bounds, _whole_numbers(np.asarray(w, dtype=float)[active]))
    frontier = _Frontier.of(planted, [(c,) for c in range(len(planted))]) if planted else None
    while frontier is not None or run.blocked:
        frontier = run.step(frontier) if frontier is not None else run.step(run.unblock())
    run.leaves.sort(key=lambda leaf: leaf[0])
    for label, (_, nodes) in enumerate(run.leaves):
        labels[nodes] = label
    return labels
