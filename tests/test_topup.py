"""Stack top-ups (``grid.partition.topup``): a tall building whose floors cannot all be grouped
within bounds takes a few neighbouring households into its first vertical cell (issue 16)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from grid.input.crs import utm_crs
from grid.partition import partition
from grid.partition.bounds import Bounds
from grid.partition.topup import stack_misses

BOUNDS = Bounds(100, 200)


def test_misses_count_the_vertical_cells_out_and_their_gap() -> None:
    misses = stack_misses(np.array([208, 502]), np.array([np.nan, np.nan]),
                          np.array([9.0, 7.0]), BOUNDS)
    assert misses(np.array([0]), 208) == (1, 8)  # 208 alone (or 92 + 116)
    assert misses(np.array([0]), 216) == (0, 0)  # 8 more households: 100 + 116
    assert misses(np.array([1]), 502) == (1, 15)  # 143 + 144 + 215
    assert misses(np.array([1]), 530) == (0, 0)  # 28 more: 100 + 143 + 144 + 143


def tower_beside_houses(levels: float) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A 208-household tower of ``levels`` floors beside a row of 15 houses of 10 households."""
    crs = utm_crs(117.2, 39.12)
    x0, y0 = 500000.0, 4330000.0
    tower = shapely.box(x0 + 10, y0 + 10, x0 + 40, y0 + 40)
    houses = [shapely.box(x0 + 60 + 20 * k, y0 + 15, x0 + 72 + 20 * k, y0 + 35) for k in range(15)]
    blds = gpd.GeoDataFrame(
        {"households": [208] + [10] * 15, "building:levels": [levels] + [2.0] * 15},
        geometry=[tower, *houses], crs=crs, index=[f"b{k}" for k in range(16)],
    )
    comm = gpd.GeoDataFrame({"code": ["120101001001"]},
                            geometry=[shapely.box(x0, y0, x0 + 380, y0 + 50)], crs=crs)
    return comm.to_crs(4326), blds.to_crs(4326)


def test_a_tower_whose_floors_leave_one_cell_out_takes_in_its_neighbour() -> None:
    comm, blds = tower_beside_houses(9.0)
    result = partition(comm, blds, min_households=100, max_households=200)
    vertical = result.vertical
    assert len(vertical) == 2 and vertical["households"].between(100, 200).all()
    assert vertical["households"].sum() == 208 + vertical["others"].sum() > 208
    assert result.cells["households"].sum() == 358
    small = result.cells[result.cells["code"] != vertical["cell_code"].iloc[0]]
    assert small["households"].between(100, 200).all()
    joined = result.buildings[result.buildings["vertical_code"].notna()]
    assert len(joined) >= 1 and (joined["households"] == 10).all()
    assert set(joined["vertical_code"]) == {vertical["code"].iloc[0]}
    assert (result.exceptions["kind"] != "vertical_granularity").all()
    assert (result.cells.geometry.geom_type == "Polygon").all()


def test_a_tower_cut_in_bounds_takes_nothing() -> None:
    comm, blds = tower_beside_houses(8.0)  # 8 floors of 26: 104 + 104
    result = partition(comm, blds, min_households=100, max_households=200)
    assert result.vertical["households"].tolist() == [104, 104]
    assert result.buildings["vertical_code"].isna().all()


@pytest.mark.parametrize("podium_first", [True, False])
@pytest.mark.parametrize("podium_box", [(5, 5, 15, 10), (-5, -5, 40, 35)])
def test_a_tower_drawn_with_a_part_or_podium_hosts_them_and_is_topped_up(
        podium_first: bool, podium_box: tuple[float, ...]) -> None:
    # OSM draws towers with a building:part inside them (a one-level entrance hall) or over a
    # larger podium (裙楼), listed before or after the tower, neither with households. The two
    # share one plot hosted by the tower, the one with households, so the tower's own floors
    # and households decide its top-up, as they do without the other footprint.
    comm, blds = tower_beside_houses(9.0)
    metric = utm_crs(117.2, 39.12)
    x0, y0, _, _ = blds.to_crs(metric).geometry.iloc[0].bounds
    dx0, dy0, dx1, dy1 = podium_box
    other = gpd.GeoDataFrame({"households": [0], "building:levels": [1.0]},
                             geometry=[shapely.box(x0 + dx0, y0 + dy0, x0 + dx1, y0 + dy1)],
                             crs=metric, index=["part"]).to_crs(4326)
    both = [other, blds] if podium_first else [blds, other]
    result = partition(comm, gpd.GeoDataFrame(pd.concat(both)),
                       min_households=100, max_households=200)
    vertical = result.vertical
    assert len(vertical) == 2 and vertical["households"].between(100, 200).all()
    assert vertical["others"].sum() > 0
    cells = result.buildings["cell_code"]
    assert cells["part"] == cells["b0"] == vertical["cell_code"].iloc[0]
    assert (result.exceptions["kind"] != "vertical_granularity").all()
