"""Registered households per building replace the estimate where the register has them."""

import geopandas as gpd
import pandas as pd
import shapely

from grid.register.households import households_per_building, register_households


def test_register_counts_replace_estimates_only_where_registered():
    buildings = gpd.GeoDataFrame(
        {"id": [1, 2, 3], "households": [40, 25, 9], "households_estimated": [True, False, True]},
        geometry=[shapely.Point(0, 0)] * 3,
        crs="EPSG:4326",
    )
    people = pd.DataFrame(
        {
            "building_id": [1, 1, 1, 2, None],
            "household_key": ["a", "a", "b", "c", "d"],
        }
    )
    assert households_per_building(people).to_dict() == {1: 2, 2: 1}
    out = register_households(buildings, people)
    assert out["households"].tolist() == [2, 1, 9]
    assert out["households_estimated"].tolist() == [False, False, True]
    assert out["households_source"].tolist() == ["register", "register", "estimated"]
    assert buildings["households"].tolist() == [40, 25, 9]  # the input is not changed
