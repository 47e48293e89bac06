"""Capacitated maximal covering: exact against brute force (every k-subset scored by an
independent max-flow), never over capacity, and walking reach follows the roads."""

from __future__ import annotations

from itertools import combinations

import networkx as nx
import numpy as np
import pytest
import shapely

from grid.analysis.capacitated import site_capacitated
from grid.analysis.coverage import RoadGraph
from grid.analysis.siting import site_centres
from grid.errors import InputError


def instance(seed: int, n: int = 40, m: int = 8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clustered households with whole-number weights and random candidate sites (metres)."""
    rng = np.random.default_rng(seed)
    clusters = rng.uniform(0, 2000, (4, 2))
    hh = clusters[rng.integers(0, 4, n)] + rng.normal(0, 250, (n, 2))
    return hh, rng.uniform(0, 2000, (m, 2)), rng.integers(1, 30, n).astype(float)


def flow_value(
    hh: np.ndarray, w: np.ndarray, centres: np.ndarray, radius: float, cap: np.ndarray
) -> float:
    """Households served by ``centres`` within ``radius`` and capacity, by networkx max-flow."""
    g = nx.DiGraph()
    for i, wi in enumerate(w):
        g.add_edge("s", ("h", i), capacity=float(wi))
    for j, (c, cj) in enumerate(zip(centres, cap, strict=True)):
        g.add_edge(("c", j), "t", capacity=float(cj))
        for i in np.flatnonzero(np.hypot(*(hh - c).T) <= radius):
            g.add_edge(("h", int(i)), ("c", j), capacity=float(w[i]))
    if "t" not in g:
        return 0.0
    return float(nx.maximum_flow_value(g, "s", "t"))


def brute_force(hh, w, cand, k, radius, cap, existing=None, ecap=None):
    """The best households served over every k-subset of the candidates."""
    existing = np.empty((0, 2)) if existing is None else existing
    ecap = np.empty(0) if ecap is None else ecap
    return max(
        flow_value(
            hh,
            w,
            np.vstack([existing, cand[list(s)]]),
            radius,
            np.concatenate([ecap, np.full(k, cap)]),
        )
        for s in combinations(range(len(cand)), k)
    )


@pytest.mark.parametrize("seed", range(6))
def test_exact_against_brute_force(seed: int) -> None:
    hh, cand, w = instance(seed)
    cap = float(w.sum() / 5)  # tight: one site cannot take a whole cluster
    for k in (1, 2, 3):
        got = site_capacitated(hh, cand, k, 600.0, cap, weights=w)
        want = brute_force(hh, w, cand, k, 600.0, cap)
        assert got.served_after == pytest.approx(want, abs=1e-6)
        assert flow_value(hh, w, cand[got.chosen], 600.0, np.full(k, cap)) == pytest.approx(want)
        assert (got.load <= cap + 1e-6).all() and len(set(got.chosen.tolist())) == k


@pytest.mark.parametrize("seed", range(4))
def test_with_existing_centres_exact_and_greedy_never_over_capacity(seed: int) -> None:
    hh, cand, w = instance(50 + seed)
    existing, ecap = hh[:2] + 10.0, np.array([40.0, 25.0])
    got = site_capacitated(
        hh, cand, 2, 600.0, 60.0, existing_xy=existing, existing_capacity=ecap, weights=w
    )
    want = brute_force(hh, w, cand, 2, 600.0, 60.0, existing, ecap)
    assert got.served_after == pytest.approx(want, abs=1e-6)
    assert got.served_before == pytest.approx(flow_value(hh, w, existing, 600.0, ecap))
    assert (got.load <= np.concatenate([ecap, [60.0, 60.0]]) + 1e-6).all()
    greedy = site_capacitated(
        hh,
        cand,
        2,
        600.0,
        60.0,
        existing_xy=existing,
        existing_capacity=ecap,
        weights=w,
        use_milp=False,
    )
    assert greedy.served_after <= got.served_after + 1e-6 and greedy.method == "greedy"


def test_capacity_changes_the_choice() -> None:
    """500 households in one place, 100 in another, sites of capacity 300: uncapacitated covering
    takes one site at each place (600 "covered", 400 servable); capacitated puts both sites by
    the big place and serves 500."""
    hh = np.array([[0.0, 0.0], [5000.0, 0.0]])
    w = np.array([500.0, 100.0])
    cand = np.array([[0.0, 10.0], [10.0, 0.0], [5000.0, 10.0]])
    got = site_capacitated(hh, cand, 2, 300.0, 300.0, weights=w)
    assert got.chosen.tolist() == [0, 1] and got.served_after == pytest.approx(500.0)
    assert site_centres(hh, cand, 2, 300.0, weights=w).chosen.tolist() == [0, 2]


def test_walking_reach_follows_the_roads() -> None:
    """A household 100 m away across a river with the bridge 2 km off is not reached on foot."""
    roads = RoadGraph.from_lines(
        np.array(
            [
                shapely.LineString([(0, 0), (2000, 0), (2000, 100), (0, 100)]),
            ],
            dtype=object,
        )
    )
    hh = np.array([[0.0, 100.0], [300.0, 0.0]])
    cand = np.array([[0.0, 0.0]])
    straight = site_capacitated(hh, cand, 1, 500.0, 10.0)
    walking = site_capacitated(hh, cand, 1, 500.0, 10.0, roads=roads)
    assert straight.served_after == 2.0 and walking.served_after == 1.0


def test_bad_k_and_capacity_are_refused() -> None:
    with pytest.raises(InputError):
        site_capacitated([[0, 0]], [[0, 0]], 2, 100.0, 10.0)
    with pytest.raises(InputError):
        site_capacitated([[0, 0]], [[0, 0]], 1, 100.0, -1.0)
