"""Building plots tile the community exactly, hold their building, and follow roads."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from grid.errors import InputError
from grid.partition.tessellate import (
    disjoint_footprints,
    plot_array,
    plots,
    representative_xy,
    union_by,
)

L_SHAPE = shapely.Polygon([(0, 0), (1000, 0), (1000, 400), (500, 400), (500, 1000), (0, 1000)])


def footprints(n: int, seed: int, area: shapely.Polygon = L_SHAPE) -> np.ndarray:
    """Random 16 m × 10 m footprints whose centres lie in ``area``."""
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 1000, n), rng.uniform(0, 1000, n)
    keep = shapely.contains_xy(area, x, y)
    return shapely.box(x[keep] - 8, y[keep] - 5, x[keep] + 8, y[keep] + 5)


def assert_tiles(pieces: np.ndarray, whole: shapely.Polygon) -> None:
    """``pieces`` are polygons covering ``whole`` with no overlap."""
    assert (shapely.get_type_id(pieces) == 3).all()
    assert abs(shapely.area(pieces).sum() - whole.area) <= 1e-6 * whole.area
    assert shapely.symmetric_difference(shapely.union_all(pieces), whole).area <= 1e-6 * whole.area
    i, j = shapely.STRtree(pieces).query(pieces, predicate="intersects")
    pair = i < j
    assert shapely.area(shapely.intersection(pieces[i[pair]], pieces[j[pair]])).sum() < 1e-6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_plots_tile_a_non_convex_community(seed: int) -> None:
    fp = footprints(300, seed)
    result = plot_array(L_SHAPE, fp)
    assert len(result) == len(fp)
    assert_tiles(result, L_SHAPE)
    # Each plot holds its building's own ground (overlapping random boxes: the earlier wins,
    # but where both anchors lie in the overlap each keeps the side nearer its anchor).
    ground = shapely.intersection(disjoint_footprints(fp, representative_xy(fp)), L_SHAPE)
    assert shapely.intersects_xy(result, *representative_xy(ground).T).all()
    uncovered = shapely.area(shapely.difference(ground, result)) / shapely.area(ground)
    assert uncovered.max() < 1e-6


def test_plot_edges_follow_roads() -> None:
    fp = footprints(300, 4)
    road = shapely.LineString([(-10, 200), (1010, 200)])
    result = plot_array(L_SHAPE, fp, np.array([road], dtype=object))
    assert_tiles(result, L_SHAPE)
    # Only the plot of a building standing on the road may cross it (a road never splits one).
    crossing = shapely.crosses(result, road) & ~shapely.intersects(fp, road)
    assert not crossing.any()


def test_plots_share_identical_edges_across_roads() -> None:
    # Touching footprints (shared walls) and two roads: plots are still a valid coverage, so
    # neighbours on either side of a road or of a wall meet along identical segments.
    fp = footprints(300, 8)
    walls = shapely.box(np.arange(100.0, 200.0, 10.0), 600, np.arange(110.0, 210.0, 10.0), 620)
    fp = np.concatenate([fp[~shapely.intersects(fp, shapely.box(95, 595, 215, 625))], walls])
    roads = np.array([shapely.LineString([(-10, 200), (1010, 200)]),
                      shapely.LineString([(300, -10), (300, 1010)])], dtype=object)
    result = plot_array(L_SHAPE, fp, roads)
    assert_tiles(result, L_SHAPE)
    assert shapely.coverage_is_valid(result)
    ground = shapely.intersection(disjoint_footprints(fp, representative_xy(fp)), L_SHAPE)
    uncovered = shapely.area(shapely.difference(ground, result)) / shapely.area(ground)
    assert uncovered.max() < 1e-6


def test_points_work_as_buildings() -> None:
    pts = shapely.centroid(footprints(100, 5))
    assert_tiles(plot_array(L_SHAPE, pts), L_SHAPE)


def test_no_building_gives_one_plot_for_the_whole_community() -> None:
    empty = gpd.GeoDataFrame({"households": []}, geometry=[], crs=32650)
    out = plots(L_SHAPE, empty)
    assert len(out) == 1 and out.geometry.iloc[0].equals(L_SHAPE)


def test_plots_frame_keeps_the_buildings_index() -> None:
    fp = footprints(50, 6)
    frame = gpd.GeoDataFrame({"households": 1}, geometry=fp, crs=32650,
                             index=[f"b{k}" for k in range(len(fp))])
    out = plots(L_SHAPE, frame)
    assert out.index.tolist() == frame.index.tolist()


def test_co_located_buildings_are_refused() -> None:
    fp = footprints(20, 7)
    with pytest.raises(InputError, match="shares its location"):
        plot_array(L_SHAPE, np.concatenate([fp, fp[:1]]))


def test_building_outside_the_community_is_refused() -> None:
    with pytest.raises(InputError, match="outside the community"):
        plot_array(L_SHAPE, np.array([shapely.box(800, 800, 820, 810), shapely.box(0, 0, 5, 5)]))


def test_union_by_groups_geometries() -> None:
    boxes = shapely.box(np.arange(4.0), 0, np.arange(4.0) + 1, 1)
    out = union_by(boxes, np.array([1, 0, 1, 1]), 3)
    assert out[0].area == 1 and out[1].area == 3 and out[2].is_empty


# Points of a nearly exact 35 m lattice (off by ~1e-9 m after a WGS84 round trip; full-precision
# offsets from the origin, so the bits are exact) on an L-shaped
# community: GEOS returns invalid, overlapping Voronoi cells for them unless nudged.
LATTICE = np.array([
    (34.99999999982538, 35.0), (69.99999999988358, 34.99999999906868),
    (105.00000000046566, 34.99999999906868), (139.99999999953434, 35.0),
    (174.99999999965075, 35.0), (210.00000000098953, 34.99999999906868),
    (244.99999999941792, 34.99999999906868), (279.99999999959255, 34.99999999906868),
    (34.99999999953434, 70.0), (69.99999999930151, 69.99999999906868),
    (104.99999999959255, 69.99999999906868), (140.00000000064028, 69.99999999906868),
    (175.00000000046566, 70.0), (209.9999999993015, 70.0),
    (244.99999999965075, 69.99999999906868), (279.99999999953434, 69.99999999906868),
    (34.99999999901047, 105.0), (70.00000000046566, 104.99999999906868),
    (105.00000000023283, 105.0), (140.0000000006985, 105.00000000186265),
    (175.0, 105.00000000093132), (210.00000000058208, 105.0), (245.00000000040745, 105.0),
    (279.99999999976717, 104.99999999906868), (35.000000000407454, 139.99999999906868),
    (69.99999999889405, 140.0), (105.00000000011642, 139.99999999906868),
    (139.99999999982538, 140.0), (175.00000000052387, 139.99999999906868),
    (34.99999999941792, 174.99999999906868), (69.99999999906868, 175.0),
    (104.9999999992433, 174.99999999906868), (140.00000000011642, 175.00000000093132),
    (174.99999999982538, 175.00000000093132), (35.000000000349246, 210.00000000093132),
    (70.00000000093132, 210.0), (104.99999999982538, 210.0),
    (139.99999999947613, 210.00000000093132), (175.0000000000582, 210.00000000093132),
    (35.00000000104774, 244.99999999906868), (70.00000000011642, 245.0),
    (104.99999999965075, 245.0), (140.0, 244.99999999906868), (174.99999999906868, 245.0),
    (34.9999999992433, 280.0), (70.00000000093132, 280.0), (105.00000000093132, 280.0),
    (139.99999999947613, 280.0), (174.99999999901047, 280.0),
]) + [500000.0, 4330000.0]
LATTICE_RING = np.array([
    (0.0, 0.0), (0.0, 300.0000000009313), (209.28015566949034, 300.0),
    (209.2801556705963, 129.43700461275876), (299.9999999998254, 129.43700461369008),
    (299.9999999994179, 0.0), (0.0, 0.0),
]) + [500000.0, 4330000.0]


def test_plots_tile_even_where_geos_voronoi_degenerates() -> None:
    community = shapely.Polygon(LATTICE_RING)
    points = shapely.points(LATTICE)
    raw = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points),
                                                     extend_to=community))
    assert not shapely.is_valid(raw).all()  # the degenerate input this test is about
    assert_tiles(plot_array(community, points), community)
