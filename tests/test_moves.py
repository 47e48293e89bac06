"""Local search (``grid.partition.moves``): single plots and two-move chains across cell
boundaries put cells in bounds, keep them connected, and never put another cell out (issue 16)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from grid.partition.bounds import Bounds
from grid.partition.graph import PlotGraph
from grid.partition.moves import move_plots

BOUNDS = Bounds(100, 200)


def path(n: int) -> PlotGraph:
    """Plots 0–1–…–(n-1) in a row."""
    i = np.arange(n - 1)
    return PlotGraph(i, i + 1, np.ones(n - 1), np.zeros(n - 1, dtype=bool))


def test_a_small_cell_takes_a_plot_from_its_neighbour() -> None:
    labels = move_plots(np.array([0, 1, 1, 1]), np.array([80.0, 30, 60, 60]), path(4),
                        np.empty(0, dtype=np.int64), BOUNDS)
    assert labels.tolist() == [0, 0, 1, 1]


def test_a_chain_of_two_moves_refills_the_donor() -> None:
    labels = move_plots(np.array([0, 1, 1, 2, 2]), np.array([70.0, 40, 70, 30, 100]), path(5),
                        np.empty(0, dtype=np.int64), BOUNDS)
    assert labels.tolist() == [0, 0, 1, 1, 2]


def test_a_fixed_cell_gives_nothing() -> None:
    labels = move_plots(np.array([0, 1, 1, 1]), np.array([80.0, 30, 60, 60]), path(4),
                        np.array([1]), BOUNDS)
    assert labels.tolist() == [0, 1, 1, 1]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 120), min_size=2, max_size=14), st.data())
def test_moves_never_put_a_cell_out_and_keep_cells_connected(w: list[int], data) -> None:
    n = len(w)
    cuts = sorted(set(data.draw(st.lists(st.integers(1, n - 1), max_size=n - 1))))
    labels = np.zeros(n, dtype=np.int64)
    for c in cuts:
        labels[c:] += 1
    weights = np.array(w, dtype=float)
    out = move_plots(labels, weights, path(n), np.empty(0, dtype=np.int64), BOUNDS)

    def gap(lab: np.ndarray) -> float:
        hh = np.bincount(lab, weights=weights)
        return float((np.maximum(0, BOUNDS.low - hh) + np.maximum(0, hh - BOUNDS.high)).sum())

    before = np.bincount(labels, weights=weights)
    after = np.bincount(out, weights=weights)
    assert gap(out) <= gap(labels)
    assert ((after >= BOUNDS.low) & (after <= BOUNDS.high)).sum() >= (
        (before >= BOUNDS.low) & (before <= BOUNDS.high)).sum()
    assert (np.diff(out) >= 0).all()  # on a path, connected cells are runs
    assert len(np.unique(out)) == len(np.unique(labels))
