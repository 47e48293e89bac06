"""Coverage of 130k households by 100 centres: straight line and road network (DESIGN §8).

Targets: ≤0.5 s straight line, ≤5 s road network. Peers on the same data: spopt's cost-matrix
build for MCLP/LSCP (``scipy.spatial.distance.cdist`` of every household to every centre, then the
radius test, as ``spopt.locate.MCLP.from_geodataframe`` does) and, for the network, the full
household × centre network cost matrix one would hand to ``MCLP.from_cost_matrix`` (unbounded
Dijkstra from every centre). Synthetic, seeded data in metres over a 6 km × 5 km district with a
50 m street grid. Run: .venv/bin/python bench/coverage.py
"""

from __future__ import annotations

import time

import numpy as np
from scipy.sparse import csgraph
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist

from grid.analysis.coverage import RoadGraph, coverage_network, coverage_straight, walking_metres

N_HOUSEHOLDS = 130_000
N_CENTRES = 100
RADIUS = 1000.0
WALK_RADIUS = walking_metres(15)


def households(rng: np.random.Generator) -> np.ndarray:
    """Households clustered around 300 compounds."""
    compounds = rng.uniform((0, 0), (6000, 5000), size=(300, 2))
    hh = compounds[rng.integers(0, 300, N_HOUSEHOLDS)] + rng.normal(0, 120, (N_HOUSEHOLDS, 2))
    return np.clip(hh, 0, (6000, 5000))


def street_grid(rng: np.random.Generator, step: float = 50.0) -> RoadGraph:
    """A jittered street grid with 10 % of its edges removed (blocked by walls and compounds)."""
    nx, ny = int(6000 / step) + 1, int(5000 / step) + 1
    gx, gy = np.meshgrid(np.arange(nx) * step, np.arange(ny) * step)
    nodes = np.column_stack([gx.ravel(), gy.ravel()]) + rng.normal(0, 5, (nx * ny, 2))
    ids = np.arange(nx * ny).reshape(ny, nx)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    keep = rng.random(u.size) > 0.1
    u, v = u[keep], v[keep]
    return RoadGraph(nodes, u, v, np.hypot(*(nodes[u] - nodes[v]).T))


def timed(fn, *args):  # noqa: ANN001, ANN202 - tiny timing helper
    """(result, seconds) of the best of three runs."""
    best, out = np.inf, None
    for _ in range(3):
        t0 = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return out, best


def spopt_straight(hh: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """spopt's way: the full household × centre cdist matrix, then the radius test."""
    return (cdist(hh, centres, "euclidean") <= RADIUS).any(axis=1)


def full_network_matrix(hh: np.ndarray, centres: np.ndarray, roads: RoadGraph) -> np.ndarray:
    """The full household × centre walking cost matrix (unbounded Dijkstra from every centre)."""
    tree = cKDTree(roads.nodes_xy)
    snap_h, node_h = tree.query(hh)
    snap_c, node_c = tree.query(centres)
    dist = csgraph.dijkstra(roads.matrix(), indices=node_c)
    cost = dist[:, node_h].T + snap_h[:, None] + snap_c[None, :]
    return (cost <= WALK_RADIUS).any(axis=1)


def main() -> None:
    """Run both sides on the same data, check agreement, print the table with ratios."""
    rng = np.random.default_rng(0)
    hh = households(rng)
    centres = rng.uniform((0, 0), (6000, 5000), size=(N_CENTRES, 2))
    roads = street_grid(rng)

    ours_s, t_ours_s = timed(coverage_straight, hh, centres, RADIUS)
    peer_s, t_peer_s = timed(spopt_straight, hh, centres)
    ours_n, t_ours_n = timed(coverage_network, hh, centres, WALK_RADIUS, roads)
    peer_n, t_peer_n = timed(full_network_matrix, hh, centres, roads)
    assert (ours_s.covered == peer_s).all() and (ours_n.covered == peer_n).all()

    print(
        f"{N_HOUSEHOLDS:,} households, {N_CENTRES} centres, {len(roads.nodes_xy):,} road nodes, "
        f"{len(roads.u):,} edges; results agree with the peers"
    )
    print(f"{'case':<48}{'wangge s':>10}{'peer s':>10}{'ratio':>8}{'target':>9}")
    rows = [
        (f"straight line, r = {RADIUS:.0f} m (peer: spopt cdist)", t_ours_s, t_peer_s, "<=0.5 s"),
        (f"network, 15 min = {WALK_RADIUS:.0f} m (peer: full matrix)", t_ours_n, t_peer_n, "<=5 s"),
    ]
    for name, ours, peer, target in rows:
        print(f"{name:<48}{ours:>10.3f}{peer:>10.3f}{peer / ours:>7.1f}x{target:>9}")
    print(f"covered: straight {ours_s.covered.mean():.1%}, network {ours_n.covered.mean():.1%}")


if __name__ == "__main__":
    main()
