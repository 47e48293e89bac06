"""Coverage against brute-force distances, and walking coverage on a small hand-made graph."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from grid.analysis.coverage import (
    CENTRE_KINDS,
    RoadGraph,
    by_group,
    coverage_network,
    coverage_straight,
    isochrones,
    walking_metres,
)
from grid.errors import InputError


def test_straight_equals_brute_force() -> None:
    rng = np.random.default_rng(0)
    hh = rng.uniform(0, 5000, (3000, 2))
    centres = rng.uniform(0, 5000, (12, 2))
    radii = rng.choice([k.radius_m for k in CENTRE_KINDS.values()], 12)
    w = rng.integers(1, 5, 3000).astype(float)
    cov = coverage_straight(hh, centres, radii, weights=w)
    d = np.hypot(*(hh[None, :, :] - centres[:, None, :]).transpose(2, 0, 1))  # (centre, hh)
    within = d <= radii[:, None]
    np.testing.assert_array_equal(cov.covered, within.any(axis=0))
    np.testing.assert_allclose(cov.reach, within @ w)
    masked = np.where(within, d, np.inf)
    nearest = masked.argmin(axis=0)
    np.testing.assert_array_equal(cov.centre[cov.covered], nearest[cov.covered])
    np.testing.assert_allclose(cov.distance[cov.covered], masked.min(axis=0)[cov.covered])
    expected_alloc = np.bincount(nearest[cov.covered], weights=w[cov.covered], minlength=12)
    np.testing.assert_allclose(cov.allocated, expected_alloc)
    cap = np.full(12, 300.0)
    np.testing.assert_array_equal(cov.over_capacity(cap), expected_alloc > 300)


def hand_graph() -> RoadGraph:
    """A path 0—1—2—3 along y=0 with 100 m edges, and a 500 m detour 0—4—3 (node 4 far north)."""
    nodes = np.array([[0, 0], [100, 0], [200, 0], [300, 0], [150, 240]], dtype=float)
    return RoadGraph(
        nodes_xy=nodes,
        u=np.array([0, 1, 2, 0, 4]),
        v=np.array([1, 2, 3, 4, 3]),
        length=np.array([100.0, 100.0, 100.0, 250.0, 250.0]),
    )


def test_network_on_hand_graph() -> None:
    roads = hand_graph()
    centres = np.array([[0.0, -10.0]])  # 10 m south of node 0
    hh = np.array([[100, 5], [200, 0], [300, 20], [150, 230], [160, 0]], dtype=float)
    # walking: 10 + road + household snap
    #   hh0 → node 1: 10 + 100 + 5 = 115; hh1 → node 2: 210; hh2 → node 3: 10 + 300 + 20 = 330;
    #   hh3 → node 4: 10 + 250 + 10 = 270; hh4 → node 2 (nearest, 40 m): 10 + 200 + 40 = 250
    cov = coverage_network(hh, centres, 260.0, roads)
    assert cov.covered.tolist() == [True, True, False, False, True]
    np.testing.assert_allclose(cov.distance[cov.covered], [115, 210, 250])
    cov2 = coverage_network(hh, centres, 330.0, roads, weights=[1, 2, 3, 4, 5])
    assert cov2.covered.all() and cov2.reach[0] == 15 and cov2.allocated[0] == 15
    straight = coverage_straight(hh, centres, 260.0)
    assert straight.covered.tolist() == [True, True, False, False, True]  # 283 m, 301 m away


def test_network_allocates_to_nearest_by_road() -> None:
    roads = hand_graph()
    centres = np.array([[0.0, 0.0], [300.0, 0.0]])
    hh = np.array([[90.0, 0.0], [210.0, 0.0]])
    cov = coverage_network(hh, centres, [500.0, 500.0], roads)
    assert cov.centre.tolist() == [0, 1]
    assert cov.reach.tolist() == [2.0, 2.0]


def test_walking_minutes_and_groups() -> None:
    assert walking_metres(15) == 1200.0 and walking_metres(10) == 800.0
    cov = coverage_straight([[0, 0], [5000, 0], [10, 0]], [[0, 0]], 100.0, weights=[3, 4, 5])
    g = by_group(cov, ["a", "a", "b"], weights=[3, 4, 5]).set_index("group")
    assert g.loc["a", ["covered", "uncovered", "households"]].tolist() == [3, 4, 7]
    assert g.loc["b", "share"] == 1.0


def test_bad_input() -> None:
    with pytest.raises(InputError):
        coverage_straight([[0, 0]], [[0, 0]], -1.0)
    with pytest.raises(InputError):
        coverage_straight([[0, np.nan]], [[0, 0]], 1.0)
    with pytest.raises(InputError):
        coverage_straight([0, 0], [[0, 0]], 1.0)
    with pytest.raises(InputError):
        coverage_straight([[0, 0]], np.zeros((0, 2)), 1.0)


@pytest.mark.parametrize("n_centres", [3, 40])
def test_unweighted_fast_path_equals_brute_force(n_centres: int) -> None:
    rng = np.random.default_rng(n_centres)
    hh = rng.uniform(0, 4000, (4000, 2))
    centres = rng.uniform(0, 4000, (n_centres, 2))
    radii = rng.choice([100.0, 300.0, 2500.0], n_centres)  # unequal: the k-nearest may not reach
    cov = coverage_straight(hh, centres, radii)
    d = np.hypot(*(hh[None, :, :] - centres[:, None, :]).transpose(2, 0, 1))
    masked = np.where(d <= radii[:, None], d, np.inf)
    covered = np.isfinite(masked).any(axis=0)
    np.testing.assert_array_equal(cov.covered, covered)
    np.testing.assert_array_equal(cov.centre[covered], masked.argmin(axis=0)[covered])
    np.testing.assert_allclose(cov.distance, masked.min(axis=0))
    np.testing.assert_allclose(cov.reach, (d <= radii[:, None]).sum(axis=1))


def test_road_graph_from_lines_nodes_crossings() -> None:
    # A plus sign: two 200 m roads crossing at their middles give 5 nodes and 4 edges of 100 m.
    import shapely

    lines = [shapely.LineString([(0, 100), (200, 100)]), shapely.LineString([(100, 0), (100, 200)])]
    g = RoadGraph.from_lines(lines)
    assert len(g.nodes_xy) == 5 and len(g.u) == 4
    np.testing.assert_allclose(np.sort(g.length), [100.0] * 4)
    centre = int(np.flatnonzero((g.nodes_xy == [100, 100]).all(axis=1))[0])
    assert ((g.u == centre) | (g.v == centre)).all()


def test_isochrones_follow_the_roads_not_a_circle() -> None:
    """On an L-shaped road the walking area reaches 500 m along the road, not across the corner."""
    roads = RoadGraph.from_lines(
        np.array([shapely.LineString([(0, 0), (1000, 0), (1000, 1000)])], dtype=object)
    )
    (poly,) = isochrones([[0.0, 0.0]], 500.0, roads, width=20.0)
    assert poly.contains(shapely.Point(480, 0)) and not poly.contains(shapely.Point(560, 0))
    assert not poly.contains(shapely.Point(300, 300))  # inside the circle, off the road
    (far,) = isochrones([[700.0, 0.0]], 500.0, roads, width=20.0)
    assert far.contains(shapely.Point(1000, 150)) and not far.contains(shapely.Point(1000, 260))


def test_isochrones_fill_the_blocks_the_walk_encloses() -> None:
    """A square block walked all round counts as reached, inside as well as along the road."""
    ring = shapely.LineString([(0, 0), (200, 0), (200, 200), (0, 200), (0, 0)])
    roads = RoadGraph.from_lines(np.array([ring], dtype=object))
    (poly,) = isochrones([[0.0, 0.0]], 1000.0, roads, width=20.0)
    assert poly.contains(shapely.Point(100, 100)) and not poly.contains(shapely.Point(300, 100))
