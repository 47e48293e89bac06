"""Stack top-ups: neighbouring plots moved into a tall building's cell so that its vertical
cells (楼栋网格) fit the bounds where the building's floors alone cannot (DESIGN §6).

A building's floors or units are grouped into vertical cells of whole floors or units, so some
buildings leave one vertical cell out whatever the grouping: 208 households on 9 floors make
92 + 116 (or one cell of 208), 502 households on 7 floors make 143 + 143 + 215. The small
buildings of a stack's 2D cell join its first vertical cell (``grid.partition.vertical``), so a
few households' worth of neighbouring plots taken into that cell (8 for the first, 28 for the
second) bring every vertical cell within bounds. A plot is taken only from a neighbouring cell
that stays within bounds and connected, and only when it touches the tall cell, so cells stay
contiguous and no other cell goes out; moves that do not reach fewer vertical cells out of
bounds are undone. The rule is general: it knows nothing of the data beyond households, floors
and units.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from grid.partition.bounds import Bounds
from grid.partition.graph import PlotGraph
from grid.partition.vertical import stack

#: How a cell's stack fares: (vertical cells out of bounds, households outside the bounds)
#: for the tall plots ``towers`` of a 2D cell holding ``total`` households.
StackMisses = Callable[[np.ndarray, int], tuple[int, int]]
#: Moves into one tall cell at most.
MAX_TAKEN = 6


def stack_misses(own: np.ndarray, units: np.ndarray, levels: np.ndarray,
                 bounds: Bounds) -> StackMisses:
    """The misses of a cell's stack, as ``community_stacks`` will cut it: per plot ``own`` are
    the tall building's own households (the rest of the cell joins the first tower's stack)."""
    def misses(towers: np.ndarray, total: int) -> tuple[int, int]:
        extra = int(total - own[towers].sum())
        n, out = 0, 0
        for k, t in enumerate(towers):  # one step per tall building of the cell (mostly one)
            hh = np.array([p.households for p in stack(int(own[t]), float(units[t]),
                                                        float(levels[t]), bounds,
                                                        extra if k == 0 else 0)])
            gap = np.maximum(0, bounds.low - hh) + np.maximum(0, hh - bounds.high)
            n, out = n + int((gap > 0).sum()), out + int(gap.sum())
        return n, out

    return misses


def top_up_stacks(labels: np.ndarray, h: np.ndarray, graph: PlotGraph, over: np.ndarray,
                  bounds: Bounds, misses: StackMisses) -> np.ndarray:
    """Labels after topping up every tall cell whose stack has vertical cells out of bounds."""
    labels = labels.copy()
    for c in np.unique(labels[over]):  # one step per tall-building cell
        towers = np.flatnonzero(over & (labels == c))
        _top_up(labels, h, graph, over, bounds, misses, int(c), towers)
    return labels


def _wanted(misses: StackMisses, towers: np.ndarray, total: int,
            bounds: Bounds) -> np.ndarray:
    """Households that could be added to the cell (0..max) giving its fewest misses, when
    fewer than it has now; empty when none does better."""
    now = misses(towers, total)
    if now[0] == 0:  # every vertical cell fits already (most stacks)
        return np.empty(0, dtype=np.int64)
    got = [now] + [misses(towers, total + e) for e in range(1, bounds.high + 1)]
    best = min(got)
    if best >= got[0]:
        return np.empty(0, dtype=np.int64)
    return np.array([e for e, m in enumerate(got) if m == best], dtype=np.int64)


def _with_cut_off(labels: np.ndarray, h: np.ndarray, graph: PlotGraph, donor: int,
                  plot: int) -> np.ndarray:
    """``plot`` and the plots of ``donor`` it alone connects to the donor's remaining piece
    of most households: what moves with it so the donor stays contiguous (the moved plots
    touch ``plot``'s new cell through it)."""
    nodes = np.flatnonzero(labels == donor)
    nodes = nodes[nodes != plot]
    if len(nodes) == 0:
        return np.array([plot])
    local = np.full(len(labels), -1, dtype=np.int64)
    local[nodes] = np.arange(len(nodes))
    keep = (local[graph.i] >= 0) & (local[graph.j] >= 0)
    adj = sp.csr_matrix((np.ones(int(keep.sum())), (local[graph.i[keep]], local[graph.j[keep]])),
                        shape=(len(nodes), len(nodes)))
    n, comp = connected_components(adj, directed=False)
    if n == 1:
        return np.array([plot])
    weight = np.bincount(comp, weights=h[nodes], minlength=n) + 1e-6 * np.bincount(comp)
    main = np.argmax(weight)
    return np.concatenate([[plot], nodes[comp != main]])


def _top_up(labels: np.ndarray, h: np.ndarray, graph: PlotGraph, over: np.ndarray,
            bounds: Bounds, misses: StackMisses, cell: int, towers: np.ndarray) -> None:
    """Moves neighbouring plots (each with any plots of its cell that only it connects) into
    ``cell``, in place, until the households added are among those wanted; undoes them when
    that cannot be reached."""
    total = int(h[labels == cell].sum())
    wanted = _wanted(misses, towers, total, bounds)
    if not len(wanted):
        return
    before = labels.copy()
    added, steps = 0, 0
    tall = np.unique(labels[over])
    while added not in wanted and steps < MAX_TAKEN:
        steps += 1
        hh = np.bincount(labels, weights=h, minlength=int(labels.max()) + 1)
        a, b = labels[graph.i], labels[graph.j]
        plot = np.unique(np.concatenate([graph.i[(b == cell) & (a != cell)],
                                         graph.j[(a == cell) & (b != cell)]]))
        plot = plot[(h[plot] > 0) & ~np.isin(labels[plot], tall)
                    & (hh[labels[plot]] <= bounds.high)]
        moves = []
        for p in plot:  # one step per plot on the cell's edge (few)
            donor = int(labels[p])
            group = _with_cut_off(labels, h, graph, donor, int(p))
            w = int(h[group].sum())
            if w > 0 and hh[donor] - w >= bounds.low and added + w <= wanted.max():
                # A move landing in the wanted range, the smallest first; else the largest.
                lands = added + w in wanted
                moves.append(((not lands, w if lands else -w, int(p)), group, w))
        if not moves:
            break
        _, group, w = min(moves, key=lambda m: m[0])
        labels[group] = cell
        added += w
    if added not in wanted:
        labels[:] = before
