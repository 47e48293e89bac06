"""Validation refuses swapped or out-of-range coordinates, repairs polygons, flags buildings."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from grid.errors import CoordinateError, InputError
from grid.input.validate import (
    ValidationWarning,
    check_buildings_in_communities,
    check_coordinates,
    repair_polygons,
)

BOWTIE = shapely.Polygon([(117.20, 39.12), (117.21, 39.13), (117.21, 39.12), (117.20, 39.13)])


def frame(geoms, ids=None, crs=4326) -> gpd.GeoDataFrame:
    """A GeoDataFrame of ``geoms`` with optional ids."""
    data = {"id": ids} if ids is not None else {}
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=crs)


def test_good_coordinates_pass() -> None:
    check_coordinates(frame([shapely.Point(117.2, 39.1), BOWTIE]), "ok.geojson")


def test_swapped_lat_lon_is_refused_with_feature_named() -> None:
    pts = frame([shapely.Point(39.12, 117.20), shapely.Point(39.13, 117.21)], ids=["a", "b"])
    with pytest.raises(CoordinateError, match="swapped") as err:
        check_coordinates(pts, "swapped.csv")
    assert err.value.feature == "a" and err.value.source == "swapped.csv"
    assert str(err.value).startswith("swapped.csv: feature a: ")


def test_out_of_range_and_projected_coordinates_are_refused() -> None:
    with pytest.raises(CoordinateError, match="out of range") as err:
        check_coordinates(frame([shapely.Point(117.2, 39.1), shapely.Point(200.0, 95.0)]), "x")
    assert err.value.feature == 1
    with pytest.raises(CoordinateError, match="projected CRS"):
        check_coordinates(frame([shapely.Point(500000, 4330000)], crs=None), "utm.csv")
    with pytest.raises(CoordinateError, match="finite"):
        check_coordinates(frame([shapely.Point(117.2, 39.1), shapely.Point(np.nan, 39.1)]), "n")


def test_self_intersecting_polygon_is_repaired_and_reported() -> None:
    gdf = frame([BOWTIE, shapely.box(117.2, 39.1, 117.21, 39.11)], ids=[11, 12])
    fixed, warnings = repair_polygons(gdf, "c.geojson")
    assert fixed.is_valid.all()
    assert fixed.geometry.iloc[0].geom_type == "MultiPolygon"
    assert fixed.geometry.iloc[0].area == pytest.approx(0.5 * BOWTIE.envelope.area)
    assert fixed.geometry.iloc[1].equals(gdf.geometry.iloc[1])
    assert warnings == [ValidationWarning("c.geojson", 11, "repaired", warnings[0].message)]
    assert "Self-intersection" in str(warnings[0]) and str(warnings[0]).startswith(
        "c.geojson: feature 11"
    )


def test_valid_input_is_returned_untouched() -> None:
    gdf = frame([shapely.box(0, 0, 1, 1)])
    fixed, warnings = repair_polygons(gdf, "c")
    assert fixed is gdf and warnings == []


def test_unrepairable_and_empty_polygons_are_rejected_by_feature() -> None:
    flat = shapely.Polygon([(117.2, 39.1), (117.21, 39.1), (117.22, 39.1), (117.2, 39.1)])
    with pytest.raises(InputError, match="no area left") as err:
        repair_polygons(frame([shapely.box(0, 0, 1, 1), flat], ids=[1, 2]), "c.geojson")
    assert err.value.feature == 2
    with pytest.raises(InputError, match="empty geometry") as err:
        repair_polygons(frame([shapely.box(0, 0, 1, 1), shapely.Polygon()]), "c.geojson")
    assert err.value.feature == 1


def test_unrepairable_features_can_be_dropped_with_a_warning() -> None:
    flat = shapely.Polygon([(117.2, 39.1), (117.21, 39.1), (117.22, 39.1), (117.2, 39.1)])
    gdf = frame([shapely.box(0, 0, 1, 1), flat, shapely.Polygon(), BOWTIE], ids=[1, 2, 3, 4])
    kept, warnings = repair_polygons(gdf, "osm.pbf", drop_unrepairable=True)
    assert kept["id"].tolist() == [1, 4] and kept.is_valid.all()
    assert [(w.feature, w.kind) for w in warnings] == [
        (2, "dropped"),
        (3, "dropped"),
        (4, "repaired"),
    ]


def test_buildings_outside_or_straddling_communities_are_warned() -> None:
    comms = gpd.GeoDataFrame(
        {"code": ["120101001001", "120101001002"]},
        geometry=shapely.box([117.200, 117.210], 39.12, [117.210, 117.220], 39.13),
        crs=4326,
    )
    blds = frame(
        shapely.box(
            [117.2020, 117.2095, 117.2300, 117.2150],
            39.1250,
            [117.2030, 117.2105, 117.2310, 117.2160],
            39.1255,
        ),
        ids=[1, 2, 3, 4],
    )
    warnings = check_buildings_in_communities(blds, comms, source="b.geojson")
    kinds = {(w.feature, w.kind) for w in warnings}
    assert kinds == {(3, "outside_communities"), (2, "straddles_communities")}
    straddle = next(w for w in warnings if w.kind == "straddles_communities")
    assert "120101001001" in straddle.message and "120101001002" in straddle.message
