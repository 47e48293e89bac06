"""The plot adjacency graph (DESIGN §6): plots sharing an edge of positive length are linked,
at the cost of the distance between their buildings' anchors, dearer where the link crosses a
road, so spanning trees (``grid.partition.bisection``) stay on one side of roads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from grid.geomops import EDGE_GRID, matching_edges, shared_edge_length

#: Link cost multiplier for adjacency links that cross a road (so spanning trees avoid roads).
ROAD_COST = 5.0


@dataclass(frozen=True)
class PlotGraph:
    """Adjacency between plots sharing an edge: endpoints ``i < j``, link cost and road flag."""

    i: np.ndarray
    j: np.ndarray
    cost: np.ndarray
    road: np.ndarray


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """The distinct rows of an (n, 2) array of non-negative integers, sorted as
    ``np.unique(axis=0)`` sorts them, through one sorted integer key per row (several times
    faster; ``np.unique`` of the keys costs five times the sort on small arrays)."""
    if len(pairs) == 0:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.asarray(pairs, dtype=np.int64)
    m = int(pairs.max()) + 1
    key = np.sort(pairs[:, 0] * m + pairs[:, 1])
    first = np.ones(len(key), dtype=bool)
    np.not_equal(key[1:], key[:-1], out=first[1:])
    key = key[first]
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


def cell_pairs(labels: np.ndarray, graph: PlotGraph, of: np.ndarray | None = None) -> np.ndarray:
    """Unique (cell, adjacent cell) pairs of the plots' cell ``labels`` (-1: in no cell), both
    directions, sorted; with ``of``, only those whose first cell is in ``of`` (the same rows,
    fewer to sort)."""
    a, b = labels[graph.i], labels[graph.j]
    cross = (a != b) & (a >= 0) & (b >= 0)
    a, b = a[cross], b[cross]
    if of is None:
        return unique_pairs(np.column_stack([np.concatenate([a, b]), np.concatenate([b, a])]))
    mark = np.zeros(max(int(labels.max()), int(np.max(of, initial=-1))) + 1, dtype=bool)
    mark[of] = True  # a look-up: np.isin sorts
    ka, kb = mark[a], mark[b]
    return unique_pairs(np.column_stack([np.concatenate([a[ka], b[kb]]),
                                         np.concatenate([b[ka], a[kb]])]))

