"""The solve's shortcuts against the plain steps they replace (issue 16: faster, not a label
changed): the best cut per part by minima against a sort, whether a small tree has a fitting
cut in plain Python against ``cell_range``, labels renumbered by a count against ``np.unique``,
and the pairs of cells read for a few cells against all pairs filtered."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from grid.partition.bounds import Bounds
from grid.partition.cuts import GROUPED_LEAST, _least, cell_range
from grid.partition.forest import _any_fit
from grid.partition.graph import PlotGraph, cell_pairs, unique_pairs
from grid.partition.moves import dense_labels

FAST = settings(max_examples=80, deadline=None)


def _sorted_least(part: np.ndarray, score: np.ndarray, ids: np.ndarray,
                  violation: np.ndarray | None) -> np.ndarray:
    """Each part's least (violation,) score, id, by one sort of all candidates."""
    keys = (ids, score, part) if violation is None else (ids, score, violation, part)
    order = np.lexsort(keys)
    ranked = part[order]
    return order[np.r_[True, ranked[1:] != ranked[:-1]]]


@FAST
@given(parts=st.integers(1, 60), seed=st.integers(0, 10_000), with_violation=st.booleans())
def test_least_by_minima_is_least_by_sort(parts: int, seed: int, with_violation: bool) -> None:
    rng = np.random.default_rng(seed)
    c = GROUPED_LEAST + 1 + int(rng.integers(0, 800))
    part = np.sort(rng.integers(0, parts, c))
    ids = np.concatenate([rng.permutation(np.count_nonzero(part == p)) + 1000 * p
                          for p in np.unique(part)])
    score = rng.choice([0.0, -0.0, 0.25, 1.5, np.inf, -np.inf], c) if seed % 2 else rng.random(c)
    violation = rng.integers(0, 3, c).astype(float) if with_violation else None
    assert np.array_equal(_least(part, parts, score, ids, violation),
                          _sorted_least(part, score, ids, violation))


@FAST
@given(m=st.integers(1, 80), k=st.integers(2, 6), low=st.integers(1, 120),
       extra=st.integers(0, 120), seed=st.integers(0, 10_000))
def test_any_fit_is_cell_range(m: int, k: int, low: int, extra: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    bounds = Bounds(low, low + extra)
    below = (rng.integers(0, 3 * low * k + 2, m).astype(float) if seed % 2
             else rng.gamma(2.0, low * k / 2, m))
    below[0] = below.max() + (rng.random() if seed % 3 else 0.0)
    span = cell_range(np.stack([below[1:], below[0] - below[1:]]), np.array(float(k)), bounds)
    assert _any_fit(below, k, bounds) == bool((span[0] <= -span[1]).any())


@FAST
@given(st.lists(st.integers(0, 40), min_size=1, max_size=60))
def test_dense_is_unique_inverse(labels: list[int]) -> None:
    got, want = dense_labels(np.array(labels)), np.unique(np.array(labels), return_inverse=True)[1]
    assert got.dtype == want.dtype and np.array_equal(got, want)


@FAST
@given(n=st.integers(2, 60), cells=st.integers(1, 12), seed=st.integers(0, 10_000))
def test_neighbours_of_some_cells_are_all_pairs_filtered(n: int, cells: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pairs = unique_pairs(np.sort(rng.integers(0, n, (3 * n, 2)), axis=1))
    pairs = pairs[pairs[:, 0] < pairs[:, 1]]
    graph = PlotGraph(pairs[:, 0], pairs[:, 1], np.ones(len(pairs)), np.zeros(len(pairs), bool))
    labels = rng.integers(0, cells, n)
    some = np.unique(rng.integers(0, cells, int(rng.integers(0, 4))))
    every = cell_pairs(labels, graph)
    assert np.array_equal(cell_pairs(labels, graph, some), every[np.isin(every[:, 0], some)])
    for c in range(cells):
        assert np.array_equal(cell_pairs(labels, graph, np.array([c]))[:, 1],
                              every[every[:, 0] == c, 1])
