"""Local repair of cells out of bounds by recombination (ReCom) with neighbours.

A cell with too few or too many households is merged with an adjacent cell, and the pair is cut
again along a random spanning tree of its plots into two cells that are both within bounds; when
no neighbour works, the cell is re-partitioned together with two nearby cells. New cells are
connected (tree cuts), the group's outline is unchanged, and cells elsewhere are not touched, so
a repair is local. Each success puts one more cell in bounds and none out, so the loops end.
"""

from __future__ import annotations

import numpy as np

from grid.partition.bisection import bisect
from grid.partition.bounds import Bounds
from grid.partition.forest import random_tree_cut
from grid.partition.graph import PlotGraph, cell_pairs, unique_pairs
from grid.partition.moves import dense_labels

#: Random spanning trees tried per (cell, neighbour) pair.
TRIES = 4
#: Cell triples tried per leftover bad cell, and triple repairs per community at most.
TRIOS = 4
MAX_TRIPLES = 20
#: Random re-partitions tried per triple.
TRIO_TRIES = 2


def _pair_pass(
    labels: np.ndarray, w: np.ndarray, moments: np.ndarray, graph: PlotGraph,
    fixed: np.ndarray, bounds: Bounds, rng: np.random.Generator,
) -> bool:
    """Re-cuts out-of-bounds cells with one neighbour each, in place; True if any changed."""
    changed = False
    given_up: set[tuple[int, int]] = set()
    while True:
        hh = np.bincount(labels, weights=w, minlength=int(labels.max()) + 1)
        bad = np.flatnonzero(((hh < bounds.low) | (hh > bounds.high)) & (hh > 0))
        bad = bad[~np.isin(bad, fixed)]
        if len(bad) == 0:
            return changed
        pairs = cell_pairs(labels, graph, bad)
        pairs = pairs[~np.isin(pairs[:, 1], fixed)]
        total = hh[pairs[:, 0]] + hh[pairs[:, 1]]
        ok = (total >= 2 * bounds.low) & (total <= 2 * bounds.high)
        ok &= np.array([(int(c), int(t)) not in given_up for c, t in pairs], dtype=bool)
        if not ok.any():
            return changed
        pairs, total = pairs[ok], total[ok]
        order = np.lexsort((pairs[:, 1], pairs[:, 0], np.abs(total - 2 * bounds.target)))
        c, t = (int(x) for x in pairs[order[0]])
        nodes = np.flatnonzero((labels == c) | (labels == t))
        local = np.full(len(labels), -1, dtype=np.int64)
        local[nodes] = np.arange(len(nodes))
        inside = np.flatnonzero((local[graph.i] >= 0) & (local[graph.j] >= 0))
        li, lj = local[graph.i[inside]], local[graph.j[inside]]
        found = random_tree_cut(w[nodes], moments[nodes], li, lj, graph.cost[inside],
                                graph.road[inside], 2, bounds, rng, TRIES)
        if found is None:
            given_up.add((c, t))
            continue
        labels[nodes] = np.where(found[1].side, t, c)
        given_up = {p for p in given_up if c not in p and t not in p}
        changed = True


def _triple_pass(
    labels: np.ndarray, w: np.ndarray, moments: np.ndarray, graph: PlotGraph,
    fixed: np.ndarray, bounds: Bounds, rng: np.random.Generator,
) -> bool:
    """Re-partitions each out-of-bounds cell together with two nearby cells (2 or 3 new cells,
    all within bounds), in place; True if any changed."""
    hh = np.bincount(labels, weights=w, minlength=int(labels.max()) + 1)
    bad = np.flatnonzero(((hh < bounds.low) | (hh > bounds.high)) & (hh > 0))
    bad = bad[~np.isin(bad, fixed)]
    pairs = cell_pairs(labels, graph)
    pairs = pairs[~np.isin(pairs[:, 1], fixed)]
    for c in bad:  # one step per leftover bad cell, few per community
        near = pairs[pairs[:, 0] == c, 1]
        second = pairs[np.isin(pairs[:, 0], near), :]
        trios = unique_pairs(np.sort(second, axis=1))
        trios = trios[(trios[:, 0] != c) & (trios[:, 1] != c)]
        if len(trios) == 0:
            continue
        total = hh[c] + hh[trios[:, 0]] + hh[trios[:, 1]]
        k = np.round(total / bounds.target)
        order = np.lexsort((trios[:, 1], trios[:, 0], np.abs(total - k * bounds.target)))
        for t, u in trios[order[:TRIOS]]:
            members = np.array([c, t, u])
            k, feasible = bounds.cells_for(float(hh[members].sum()))
            if not feasible or k > 3:
                continue
            nodes = np.isin(labels, members)
            for _ in range(TRIO_TRIES):
                noisy = PlotGraph(graph.i, graph.j,
                                  graph.cost * np.exp(rng.normal(0.0, 1.0, len(graph.i))),
                                  graph.road)
                new = bisect(w, moments, noisy, nodes, bounds, int(rng.integers(1 << 31)))
                got = np.bincount(new[nodes], weights=w[nodes])
                if len(got) == k and ((got >= bounds.low) & (got <= bounds.high)).all():
                    labels[nodes] = members[new[nodes]]
                    return True
    return False


def recombine(
    labels: np.ndarray, w: np.ndarray, moments: np.ndarray, graph: PlotGraph,
    fixed: np.ndarray, bounds: Bounds, seed: int = 0,
) -> np.ndarray:
    """Labels (renumbered 0..) after recombining each out-of-bounds cell with one neighbour, or
    else with two nearby cells, wherever a re-cut puts them all within bounds. Cells listed in
    ``fixed`` (oversized buildings) are left alone."""
    labels = labels.copy()
    rng = np.random.default_rng(seed + 7919)
    _pair_pass(labels, w, moments, graph, fixed, bounds, rng)
    for _ in range(MAX_TRIPLES):
        if not _triple_pass(labels, w, moments, graph, fixed, bounds, rng):
            break
        _pair_pass(labels, w, moments, graph, fixed, bounds, rng)
    return dense_labels(labels)
