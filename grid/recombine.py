"""Local repair of cells out of bounds by recombination (ReCom) with a neighbour.

A cell with too few or too many households is merged with an adjacent cell, and the pair is cut
again along a random spanning tree of its plots into two cells that are both within bounds. Both
new cells are connected (tree cuts), the pair's outline is unchanged, and cells elsewhere are not
touched, so a repair is local. Each success puts one more cell in bounds and none out, so the
loop ends.
"""

from __future__ import annotations

import numpy as np

from grid.bisection import Bounds, PlotGraph, random_tree_cut

#: Random spanning trees tried per (cell, neighbour) pair.
TRIES = 8


def _neighbours(labels: np.ndarray, graph: PlotGraph) -> np.ndarray:
    """Unique (cell, adjacent cell) pairs, both directions."""
    a, b = labels[graph.i], labels[graph.j]
    cross = (a != b) & (a >= 0) & (b >= 0)
    pairs = np.concatenate([np.stack([a[cross], b[cross]], 1), np.stack([b[cross], a[cross]], 1)])
    return np.unique(pairs, axis=0) if len(pairs) else np.empty((0, 2), dtype=np.int64)


def recombine(
    labels: np.ndarray, w: np.ndarray, moments: np.ndarray, graph: PlotGraph,
    fixed: np.ndarray, bounds: Bounds, seed: int = 0,
) -> np.ndarray:
    """Labels after recombining each out-of-bounds cell with a neighbour where a feasible
    re-cut exists. Cells listed in ``fixed`` (oversized buildings) are left alone."""
    labels = labels.copy()
    rng = np.random.default_rng(seed + 7919)
    given_up: set[tuple[int, int]] = set()
    while True:
        k = int(labels.max()) + 1
        hh = np.bincount(labels[labels >= 0], weights=w[labels >= 0], minlength=k)
        bad = np.flatnonzero(((hh < bounds.low) | (hh > bounds.high)) & (hh > 0))
        bad = bad[~np.isin(bad, fixed)]
        if len(bad) == 0:
            break
        pairs = _neighbours(labels, graph)
        pairs = pairs[np.isin(pairs[:, 0], bad) & ~np.isin(pairs[:, 1], fixed)]
        total = hh[pairs[:, 0]] + hh[pairs[:, 1]]
        ok = (total >= 2 * bounds.low) & (total <= 2 * bounds.high)
        ok &= np.array([(int(c), int(t)) not in given_up for c, t in pairs], dtype=bool)
        if not ok.any():
            break
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
    return labels
