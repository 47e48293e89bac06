"""Point → cell assignment equals geopandas.sjoin, with a deterministic rule on shared edges."""

from __future__ import annotations

import geopandas as gpd
import h3
import numpy as np
import pytest
import shapely

from grid.analysis.assign import OUTSIDE, CellIndex, assign_cells
from grid.analysis.h3index import h3_cell, h3_index
from grid.errors import InputError


def voronoi_cells(n: int, seed: int) -> gpd.GeoDataFrame:
    """Voronoi cells of ``n`` random sites clipped to a square: a tiling with shared edges."""
    rng = np.random.default_rng(seed)
    frame = shapely.box(0.0, 0.0, 1000.0, 800.0)
    sites = shapely.multipoints(rng.uniform((0, 0), (1000, 800), size=(n, 2)))
    polys = shapely.get_parts(shapely.voronoi_polygons(sites, extend_to=frame))
    polys = shapely.intersection(polys, frame)
    return gpd.GeoDataFrame({"code": [f"c{i:04d}" for i in range(len(polys))]}, geometry=polys)


def reference(cells: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """sjoin(intersects) matches, resolved to the lowest cell position per point; -1 if none."""
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y))
    j = gpd.sjoin(pts, cells, predicate="intersects", how="inner")
    out = np.full(len(x), -1)
    first = j["index_right"].groupby(level=0).min()
    out[first.index.to_numpy()] = first.to_numpy()
    return out


def test_random_and_vertex_points_equal_sjoin() -> None:
    cells = voronoi_cells(300, seed=1)
    rng = np.random.default_rng(2)
    xy = rng.uniform((-50, -50), (1050, 850), size=(20_000, 2))
    vertices = shapely.get_coordinates(cells.geometry.values)  # shared vertices, on several cells
    x = np.concatenate([xy[:, 0], vertices[:, 0]])
    y = np.concatenate([xy[:, 1], vertices[:, 1]])
    index = CellIndex(cells.geometry.values, cells["code"].to_numpy())
    np.testing.assert_array_equal(index.positions(x, y), reference(cells, x, y))


@pytest.mark.parametrize("density", [7, 256])
def test_points_exactly_on_shared_edges_go_to_first_cell(density: int) -> None:
    xs, ys = np.meshgrid(np.arange(10.0), np.arange(10.0))
    squares = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + 1, ys.ravel() + 1)
    cells = gpd.GeoDataFrame({"code": np.arange(100)[::-1]}, geometry=squares[::-1])
    rng = np.random.default_rng(3)
    on_vertical = np.column_stack([rng.integers(0, 11, 2000), rng.uniform(-1, 11, 2000)])
    on_horizontal = np.column_stack([rng.uniform(-1, 11, 2000), rng.integers(0, 11, 2000)])
    pts = np.vstack([on_vertical, on_horizontal]).astype(float)
    pos = CellIndex(
        cells.geometry.values, cells["code"].to_numpy(), squares_per_cell=density
    ).positions(pts[:, 0], pts[:, 1])
    np.testing.assert_array_equal(pos, reference(cells, pts[:, 0], pts[:, 1]))


def test_points_interpolated_onto_sloped_edges_equal_sjoin() -> None:
    cells = voronoi_cells(300, seed=1)
    edges = np.repeat(shapely.boundary(cells.geometry.values), 100)
    rng = np.random.default_rng(10)
    on = shapely.line_interpolate_point(edges, rng.uniform(0, 1, edges.size), normalized=True)
    x, y = shapely.get_coordinates(on).T  # within a rounding error of an edge, either side
    index = CellIndex(cells.geometry.values, cells["code"].to_numpy())
    np.testing.assert_array_equal(index.positions(x, y), reference(cells, x, y))


@pytest.mark.parametrize("density", [3, 1024])
def test_overlapping_cells_with_holes_and_parts_go_to_first_listed(density: int) -> None:
    rng = np.random.default_rng(8)
    centres, radii = rng.uniform(0, 100, (60, 2)), rng.uniform(2, 15, 60)
    polys = shapely.buffer(shapely.points(centres), radii, quad_segs=4)
    holes = shapely.buffer(shapely.points(centres[::5]), radii[::5] / 2)
    polys[::5] = shapely.difference(polys[::5], holes)  # donuts
    far = shapely.buffer(shapely.points(centres[1::7] + 40), 3.0)
    polys[1::7] = shapely.union(polys[1::7], far)  # some two-part multipolygons
    cells = gpd.GeoDataFrame({"code": np.arange(60)}, geometry=polys)
    vertices = shapely.get_coordinates(polys)
    xy = np.vstack([rng.uniform(-10, 150, (20_000, 2)), vertices])
    index = CellIndex(polys, np.arange(60), squares_per_cell=density)
    np.testing.assert_array_equal(
        index.positions(xy[:, 0], xy[:, 1]), reference(cells, xy[:, 0], xy[:, 1])
    )


@pytest.mark.parametrize("offset, scale", [((117.1, 39.0), 1e-5), ((500_000, 4_300_000), 1.0)])
def test_far_from_origin_coordinates_equal_sjoin(offset: tuple[float, float], scale: float) -> None:
    cells = voronoi_cells(200, seed=7)
    cells.geometry = cells.geometry.affine_transform([scale, 0, 0, scale, *offset])
    rng = np.random.default_rng(9)
    vertices = shapely.get_coordinates(cells.geometry.values)
    xy = np.vstack([rng.uniform(0, 1000, (20_000, 2)) * scale + offset, vertices])
    index = CellIndex(cells.geometry.values, cells["code"].to_numpy())
    np.testing.assert_array_equal(
        index.positions(xy[:, 0], xy[:, 1]), reference(cells, xy[:, 0], xy[:, 1])
    )


def test_thin_strip_of_cells_keeps_the_raster_bounded_and_exact() -> None:
    left = np.arange(50) * 100.0
    strip = gpd.GeoDataFrame(
        {"code": np.arange(50)}, geometry=shapely.box(left, 0, left + 100, 0.01)
    )
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.uniform(-10, 5010, 5000), left])  # and every shared edge
    y = np.concatenate([rng.uniform(-0.005, 0.015, 5000), rng.uniform(0, 0.01, 50)])
    index = CellIndex(strip.geometry.values, strip["code"].to_numpy())
    assert np.prod(index._shape) <= 5 * 1024 * 50 + 100
    np.testing.assert_array_equal(index.positions(x, y), reference(strip, x, y))


def test_lookup_returns_ids_and_none_outside() -> None:
    cells = voronoi_cells(20, seed=4)
    x = np.array([500.0, -10.0, 2000.0])
    y = np.array([400.0, 400.0, 400.0])
    got = assign_cells(cells, x, y)
    expected_pos = reference(cells, x, y)
    assert got[0] == cells["code"].iloc[expected_pos[0]]
    assert got[1] is None and got[2] is None
    assert CellIndex(cells.geometry.values, cells.index.to_numpy()).positions(x, y)[1] == OUTSIDE


def test_multipolygon_and_hole() -> None:
    donut = shapely.box(0, 0, 10, 10).difference(shapely.box(4, 4, 6, 6))
    pair = shapely.MultiPolygon([shapely.box(20, 0, 21, 1), shapely.box(30, 0, 31, 1)])
    index = CellIndex([donut, pair], ["d", "p"])
    got = index.lookup([5.0, 1.0, 30.5, 25.0, 4.0], [5.0, 1.0, 0.5, 0.5, 5.0])
    assert got.tolist() == [None, "d", "p", None, "d"]


def test_bad_input_raises_input_error() -> None:
    cells = voronoi_cells(5, seed=5)
    with pytest.raises(InputError):
        assign_cells(cells, [1.0, np.nan], [1.0, 2.0])
    with pytest.raises(InputError):
        assign_cells(cells, [1.0], [1.0, 2.0])
    with pytest.raises(InputError):
        assign_cells(cells, [1.0], [1.0], id_col="nope")
    with pytest.raises(InputError):
        CellIndex([shapely.Point(0, 0)], ["a"])


def test_h3_index_equals_h3() -> None:
    rng = np.random.default_rng(6)
    lon = np.concatenate([rng.uniform(117.1, 117.3, 500), [-180.0, 180.0, 0.0, 0.0, 179.99]])
    lat = np.concatenate([rng.uniform(39.0, 39.2, 500), [0.0, 0.0, 90.0, -90.0, -60.0]])
    for res in (0, 7, 9, 12, 15):
        got = h3_index(lon, lat, res)
        assert got.tolist() == [h3.latlng_to_cell(a, o, res) for a, o in zip(lat, lon, strict=True)]
    assert h3_index([], [], 9).shape == (0,)
    with pytest.raises(InputError):
        h3_index(lon, lat, 16)
    with pytest.raises(InputError):
        h3_index([39.1], [117.2], 9)  # swapped: latitude 117 is impossible


def test_h3_cell_is_h3_index_for_one_point() -> None:
    rng = np.random.default_rng(7)
    lon = np.concatenate([rng.uniform(117.1, 117.3, 200), [-180.0, 180.0, 0.0, 179.99]])
    lat = np.concatenate([rng.uniform(39.0, 39.2, 200), [0.0, 0.0, 90.0, -60.0]])
    for res in (0, 9, 11, 15):
        want = h3_index(lon, lat, res).tolist()
        assert [h3_cell(float(o), float(a), res) for o, a in zip(lon, lat, strict=True)] == want
    for x, y, res in ((39.1, 117.2, 9), (float("nan"), 39.1, 9), (117.2, 39.1, 16)):
        with pytest.raises(InputError):
            h3_cell(x, y, res)
