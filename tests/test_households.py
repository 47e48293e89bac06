"""Household estimation: area × levels ÷ 90 m², levels from levels, height or type; given kept."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from grid.errors import InputError
from grid.input.crs import utm_crs
from grid.input.households import DEFAULT_LEVELS, UNKNOWN_LEVELS, estimate_households

UTM = utm_crs(117.2, 39.12)


def squares(n: int, side: float = 30.0) -> list[shapely.Polygon]:
    """``n`` squares of ``side`` metres in Heping's UTM zone, 100 m apart."""
    x0, y0 = 520_000.0, 4_330_000.0
    return list(shapely.box(x0 + 100 * np.arange(n), y0, x0 + 100 * np.arange(n) + side, y0 + side))


def frame(**columns) -> gpd.GeoDataFrame:
    """Buildings as 30 m × 30 m squares (900 m²) in WGS84 with the given columns."""
    n = len(next(iter(columns.values())))
    return gpd.GeoDataFrame(columns, geometry=squares(n), crs=UTM).to_crs(4326)


def test_levels_then_height_then_type_default() -> None:
    b = frame(
        levels=[6, None, None, None],
        height=[99.0, 30.0, None, None],
        type=["apartments", "apartments", "house", "yes"],
    )
    out = estimate_households(b)
    # 900 m² per floor ÷ 90 m² = 10 households per level
    assert out["households"].tolist() == [
        60,
        100,
        10 * DEFAULT_LEVELS["house"],
        10 * UNKNOWN_LEVELS,
    ]
    assert out["households_estimated"].all()
    assert out["households"].dtype == np.int64


def test_given_counts_are_kept_and_flagged_not_estimated() -> None:
    b = frame(households=[37, None], levels=[6, 6], type=["apartments", "apartments"])
    out = estimate_households(b)
    assert out["households"].tolist() == [37, 60]
    assert out["households_estimated"].tolist() == [False, True]


def test_non_residential_types_and_tiny_sheds_hold_no_households() -> None:
    b = frame(levels=[4, 4, 4], type=["school", "Retail", "apartments"])
    assert estimate_households(b)["households"].tolist() == [0, 0, 40]
    kiosk = gpd.GeoDataFrame({"levels": [1]}, geometry=squares(1, side=4.0), crs=UTM).to_crs(4326)
    assert estimate_households(kiosk)["households"].tolist() == [0]


def test_osm_style_messy_levels_and_named_columns() -> None:
    b = frame(
        **{
            "building:levels": ["5;6", "3,5", "abc", "0"],
            "building": ["yes"] * 4,
            "floors": [1, 1, 1, 1],
        }
    )
    out = estimate_households(b)
    assert out["households"].tolist() == [50, 35, 40, 40]
    named = estimate_households(b, levels="floors", type_col="building")
    assert named["households"].tolist() == [10, 10, 10, 10]


def test_area_is_measured_in_metres_for_projected_input_too() -> None:
    b = gpd.GeoDataFrame({"levels": [2]}, geometry=squares(1), crs=UTM)
    assert estimate_households(b)["households"].tolist() == [20]


def test_missing_named_field_and_bad_given_count_are_refused() -> None:
    b = frame(id=[5, 6], households=[10, -3], levels=[6, 6])
    with pytest.raises(InputError) as err:
        estimate_households(b, households="hh", source="b.geojson")
    assert err.value.field == "hh" and str(err.value).startswith("b.geojson: field 'hh'")
    with pytest.raises(InputError, match="not a whole number") as err:
        estimate_households(b, source="b.geojson")
    assert err.value.feature == 6 and err.value.field == "households"
    with pytest.raises(InputError, match="not a whole number"):
        estimate_households(frame(households=["many"]))


def test_input_is_not_modified() -> None:
    b = frame(levels=[6])
    estimate_households(b)
    assert "households" not in b.columns
