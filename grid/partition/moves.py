"""Local repairs of cells out of bounds: small cells merged into a neighbour, and a local search
moving single plots between neighbouring cells.

``merge_small`` merges each cell below the minimum into the neighbour giving the smallest total
within the maximum (or into a tall building's cell, whose households go into vertical cells).

After bisection and recombination a few cells may still be out of bounds: a remainder just
under the minimum beside cells that cannot give it a whole re-cut, or a cell just over the
maximum. A move hands one plot (a building and its ground) across a cell boundary: a cell under
the minimum takes a plot from a neighbour that stays within bounds and connected; a cell over the
maximum gives one to a neighbour that stays within bounds. When no single move helps, a chain
of two is tried: the small cell takes a plot, and its donor, left short, takes one from another
neighbour. Every move lowers the households out
of bounds (a whole number) and puts no cell out, so the search ends. Cells stay contiguous: the
plot moved touches its new cell, and its old cell is checked to stay connected.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from grid.partition.bounds import Bounds
from grid.partition.graph import PlotGraph, cell_pairs, unique_pairs

#: Moves tried per community at most (each is cheap; few cells are out of bounds).
MAX_MOVES = 200
#: First moves of a two-move chain tried per cell.
CHAINS = 8


def _stays_connected(labels: np.ndarray, graph: PlotGraph, cell: int, plot: int) -> bool:
    """Whether ``cell``'s plots without ``plot`` are still one connected piece (or none)."""
    nodes = np.flatnonzero(labels == cell)
    nodes = nodes[nodes != plot]
    if len(nodes) <= 1:
        return len(nodes) == 1
    local = np.full(len(labels), -1, dtype=np.int64)
    local[nodes] = np.arange(len(nodes))
    keep = (local[graph.i] >= 0) & (local[graph.j] >= 0)
    adj = sp.csr_matrix((np.ones(int(keep.sum())), (local[graph.i[keep]], local[graph.j[keep]])),
                        shape=(len(nodes), len(nodes)))
    return connected_components(adj, directed=False)[0] == 1


def _candidates(labels: np.ndarray, w: np.ndarray, graph: PlotGraph, cell: int,
                taking: bool) -> tuple[np.ndarray, np.ndarray]:
    """(plot, other cell) pairs across ``cell``'s boundary: plots of neighbours touching it
    when ``taking``, else its own plots touching a neighbour; plots with households only."""
    a, b = labels[graph.i], labels[graph.j]
    ends = np.concatenate([np.stack([graph.i, graph.j], 1), np.stack([graph.j, graph.i], 1)])
    cells = np.concatenate([np.stack([a, b], 1), np.stack([b, a], 1)])
    # each row: plot p (in cell cells[:,0]) touching plot q (in cells[:,1])
    if taking:
        rows = (cells[:, 1] == cell) & (cells[:, 0] != cell)
        plot, other = ends[rows, 0], cells[rows, 0]
    else:
        rows = (cells[:, 0] == cell) & (cells[:, 1] != cell)
        plot, other = ends[rows, 0], cells[rows, 1]
    pairs = unique_pairs(np.stack([plot, other], 1))
    pairs = pairs[w[pairs[:, 0]] > 0]
    return pairs[:, 0], pairs[:, 1]


def _options(labels: np.ndarray, w: np.ndarray, graph: PlotGraph, fixed: np.ndarray,
             bounds: Bounds, cell: int, hh: np.ndarray, chain: bool) -> list[tuple[int, int]]:
    """Moves (plot, its new cell) shrinking ``cell``'s gap to the bounds, best first. With
    ``chain`` a cell taking a plot may leave its donor under the minimum (to be refilled)."""
    taking = hh[cell] < bounds.low
    plot, other = _candidates(labels, w, graph, cell, taking)
    ok = ~np.isin(other, fixed)
    if taking:
        floor = 1 if chain else bounds.low
        ok &= (hh[other] - w[plot] >= floor) & (hh[cell] + w[plot] <= bounds.high)
        after = hh[cell] + w[plot]
    else:
        ok &= (hh[other] + w[plot] <= bounds.high) & (hh[cell] - w[plot] >= 1)
        after = hh[cell] - w[plot]
    gap = np.maximum(0, bounds.low - after) + np.maximum(0, after - bounds.high)
    ok &= gap < max(bounds.low - hh[cell], hh[cell] - bounds.high)
    order = np.lexsort((plot, gap))
    order = order[ok[order]]
    donor = other[order] if taking else np.full(len(order), cell)
    return [(int(plot[k]), int(cell if taking else other[k])) for k, d in zip(order, donor,
            strict=True) if _stays_connected(labels, graph, int(d), int(plot[k]))]


def _move_one(labels: np.ndarray, w: np.ndarray, graph: PlotGraph, fixed: np.ndarray,
              bounds: Bounds, cell: int, hh: np.ndarray) -> bool:
    """One move fixing or shrinking ``cell``'s gap to the bounds, in place; else a chain of two
    (a plot taken from a neighbour, which refills from another neighbour); False if none."""
    direct = _options(labels, w, graph, fixed, bounds, cell, hh, chain=False)
    if direct:
        labels[direct[0][0]] = direct[0][1]
        return True
    if hh[cell] >= bounds.low:
        return False
    for plot, _ in _options(labels, w, graph, fixed, bounds, cell, hh, chain=True)[:CHAINS]:
        donor = int(labels[plot])
        labels[plot] = cell
        after = np.bincount(labels, weights=w, minlength=len(hh))
        refill = _options(labels, w, graph, np.append(fixed, cell), bounds, donor, after, False)
        if refill and after[donor] + w[refill[0][0]] >= bounds.low:
            labels[refill[0][0]] = donor
            return True
        labels[plot] = donor
    return False


def move_plots(labels: np.ndarray, w: np.ndarray, graph: PlotGraph, fixed: np.ndarray,
               bounds: Bounds) -> np.ndarray:
    """Labels after moving single plots across cell boundaries while that puts cells out of
    bounds (other than those in ``fixed``) closer to the bounds and no other cell out."""
    labels = labels.copy()
    for _ in range(MAX_MOVES):
        hh = np.bincount(labels, weights=w, minlength=int(labels.max()) + 1)
        bad = np.flatnonzero(((hh < bounds.low) | (hh > bounds.high)) & (hh > 0))
        bad = bad[~np.isin(bad, fixed)]
        if not any(_move_one(labels, w, graph, fixed, bounds, int(c), hh) for c in bad):
            break
    return dense_labels(labels)


def merge_small(
    labels: np.ndarray, h: np.ndarray, graph: PlotGraph, bounds: Bounds, absorbers: np.ndarray
) -> np.ndarray:
    """Labels after merging each cell below the minimum into the neighbour giving the smallest
    merged total within the maximum (or into an oversized-building cell in ``absorbers``)."""
    labels = labels.copy()
    stuck: set[int] = set()
    absorbing = set(np.asarray(absorbers).tolist())
    while True:
        hh = np.bincount(labels, weights=h, minlength=labels.max() + 1)
        present = np.bincount(labels, minlength=len(hh)) > 0
        small = [c for c in np.flatnonzero(present & (hh < bounds.low)).tolist()
                 if c not in stuck and c not in absorbing]
        if not small or np.count_nonzero(present) == 1:
            break
        c = min(small, key=lambda x: (hh[x], x))
        nb = cell_pairs(labels, graph, np.array([c]))[:, 1]
        fits = nb[hh[nb] + hh[c] <= bounds.high]
        if len(fits):
            target = int(fits[np.argmin(hh[fits] + np.arange(len(fits)) * 1e-9)])
        elif np.isin(nb, absorbers).any():
            target = int(nb[np.isin(nb, absorbers)][0])
        else:
            stuck.add(int(c))
            continue
        labels[labels == c] = target
    return dense_labels(labels)


def dense_labels(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 0.. in their order, as ``np.unique(labels, return_inverse=True)``
    numbers them (one count instead of a sort)."""
    present = np.bincount(labels) > 0
    return (np.cumsum(present) - 1)[labels]
