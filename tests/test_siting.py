"""Maximal covering: never worse than greedy, exact on tiny instances (vs brute force)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from grid.analysis.siting import site_centres
from grid.errors import InputError


def instance(seed: int, n: int = 400, m: int = 25) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    clusters = rng.uniform(0, 3000, (6, 2))
    hh = clusters[rng.integers(0, 6, n)] + rng.normal(0, 300, (n, 2))
    cand = rng.uniform(0, 3000, (m, 2))
    return hh, cand, rng.integers(1, 10, n).astype(float)


def brute_force(hh: np.ndarray, cand: np.ndarray, w: np.ndarray, k: int, r: float) -> float:
    within = np.hypot(*(hh[None] - cand[:, None]).transpose(2, 0, 1)) <= r
    return max(
        float(w[within[list(c)].any(axis=0)].sum()) for c in combinations(range(len(cand)), k)
    )


@pytest.mark.parametrize("seed", range(8))
def test_exact_on_tiny_instances(seed: int) -> None:
    hh, cand, w = instance(seed, n=120, m=9)
    for k in (1, 2, 3):
        got = site_centres(hh, cand, k, 500.0, weights=w)
        assert got.covered == pytest.approx(brute_force(hh, cand, w, k, 500.0))
        assert got.gain >= 0 and len(set(got.chosen.tolist())) == k


@pytest.mark.parametrize("seed", range(6))
def test_never_worse_than_greedy_and_swap_alone_helps_or_ties(seed: int) -> None:
    hh, cand, w = instance(100 + seed)
    heuristic = site_centres(hh, cand, 4, 600.0, weights=w, use_milp=False)
    assert heuristic.covered >= heuristic.greedy_covered
    best = site_centres(hh, cand, 4, 600.0, weights=w)
    assert best.covered >= heuristic.covered
    within = np.hypot(*(hh[None] - cand[best.chosen][:, None]).transpose(2, 0, 1)) <= 600.0
    assert best.covered == pytest.approx(w[within.any(axis=0)].sum())


def test_swap_beats_greedy_on_the_classic_trap() -> None:
    # Candidate 0 reaches the heavy middle of both clusters (households at 10, 20, 1000, 1010:
    # 12); candidates 1 and 2 each cover one whole cluster (7 each).
    hh = np.array([[0, 0], [10, 0], [20, 0], [1000, 0], [1010, 0], [1020, 0]], dtype=float)
    w = np.array([1, 1, 5, 5, 1, 1], dtype=float)
    cand = np.array([[510, 0], [10, 0], [1010, 0]], dtype=float)
    got = site_centres(hh, cand, 2, np.array([500.0, 15.0, 15.0]), weights=w, use_milp=False)
    assert got.greedy_covered == 13.0  # greedy takes the middle (12), then adds household 0
    assert got.covered == 14.0 and got.gain == 1.0 and got.method == "swap"
    assert got.chosen.tolist() == [1, 2]


def test_existing_centres_make_their_households_worthless() -> None:
    hh = np.array([[0, 0], [100, 0], [5000, 0]], dtype=float)
    cand = np.array([[50, 0], [5000, 0]], dtype=float)
    got = site_centres(hh, cand, 1, 200.0, existing_xy=[[0, 0]])
    assert got.chosen.tolist() == [1] and got.covered == 1.0


def test_bad_k() -> None:
    with pytest.raises(InputError):
        site_centres([[0, 0]], [[0, 0]], 2, 100.0)
