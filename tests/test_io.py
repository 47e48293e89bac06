"""read_layer reads every supported format into WGS84 and refuses bad files with a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from grid.errors import InputError
from grid.input.io import read_layer, write_cells, write_layer
from grid.input.shift import wgs84_to_gcj02

DATA = Path(__file__).parent / "data"
HEPING = Path(__file__).resolve().parents[1] / "data" / "boundaries"


def buildings() -> gpd.GeoDataFrame:
    """Three small buildings in Heping with a household field named ``hh``."""
    boxes = shapely.box(
        [117.2000, 117.2010, 117.2020], 39.12, [117.2004, 117.2014, 117.2024], 39.1203
    )
    return gpd.GeoDataFrame(
        {"id": [1, 2, 3], "hh": [40, None, 12], "floors": [6, 5, None]}, geometry=boxes, crs=4326
    )


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".shp"])
def test_vector_formats_round_trip(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"b{suffix}"
    buildings().to_file(path)
    got = read_layer(path, kind="buildings")
    assert got.crs.to_epsg() == 4326 and len(got) == 3
    assert np.allclose(got.total_bounds, buildings().total_bounds)


def test_projected_file_comes_back_in_wgs84(tmp_path: Path) -> None:
    path = tmp_path / "b.gpkg"
    buildings().to_crs(32650).to_file(path)
    got = read_layer(path)
    assert got.crs.to_epsg() == 4326
    assert np.allclose(got.total_bounds, buildings().total_bounds, atol=1e-7)


def test_field_mapping_renames_and_missing_field_is_named(tmp_path: Path) -> None:
    path = tmp_path / "b.geojson"
    buildings().to_file(path)
    got = read_layer(path, fields={"households": "hh", "levels": "floors"})
    assert {"households", "levels"} <= set(got.columns) and "hh" not in got.columns
    with pytest.raises(InputError) as err:
        read_layer(path, fields={"households": "households_total"})
    assert err.value.field == "households_total" and str(path) in str(err.value)


def test_csv_points_detect_lon_lat_and_named_columns(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("name,Longitude,Latitude\na,117.2,39.12\nb,117.21,39.13\n", encoding="utf-8")
    got = read_layer(path)
    assert got.geometry.geom_type.tolist() == ["Point", "Point"]
    assert got.geometry.x.tolist() == [117.2, 117.21]
    path2 = tmp_path / "q.csv"
    path2.write_text("E,N\n117.2,39.12\n", encoding="utf-8")
    assert read_layer(path2, x="E", y="N").geometry.y.tolist() == [39.12]
    with pytest.raises(InputError, match="no x coordinate column"):
        read_layer(path2)


def test_csv_bad_coordinate_names_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("lon,lat\n117.2,39.12\n117.3,north\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_layer(path)
    assert err.value.feature == 1 and err.value.field == "lat"


def test_declared_gcj02_is_converted_to_wgs84(tmp_path: Path) -> None:
    lon, lat = np.array([117.200983, 116.391275]), np.array([39.118119, 39.906217])
    glon, glat = wgs84_to_gcj02(lon, lat)
    path = tmp_path / "amap.csv"
    path.write_text(
        "lng,lat\n" + "".join(f"{a:.9f},{b:.9f}\n" for a, b in zip(glon, glat, strict=True))
    )
    got = read_layer(path, crs="gcj02")
    assert np.allclose(got.geometry.x, lon, atol=1e-8) and np.allclose(
        got.geometry.y, lat, atol=1e-8
    )
    assert np.allclose(read_layer(path, crs="GCJ-02").geometry.x, lon, atol=1e-8)


def test_declared_epsg_overrides_missing_crs(tmp_path: Path) -> None:
    path = tmp_path / "utm.csv"
    path.write_text("x,y\n500000,4330000\n", encoding="utf-8")
    got = read_layer(path, crs="EPSG:32650")
    assert got.geometry.x.iloc[0] == pytest.approx(117.0, abs=1e-6)
    with pytest.raises(InputError, match="unknown CRS"):
        read_layer(path, crs="EPSG:999999")


@pytest.mark.parametrize(
    ("content", "match"),
    [(None, "file not found"), (b"", "file is empty"), (b"{not json", "cannot read as GeoJSON")],
)
def test_bad_files_raise_input_error_naming_the_file(tmp_path: Path, content, match) -> None:
    path = tmp_path / "bad.geojson"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=match) as err:
        read_layer(path)
    assert err.value.source == str(path)


def test_empty_feature_collection_and_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "none.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    with pytest.raises(InputError, match="no features"):
        read_layer(path)
    other = tmp_path / "b.xlsx"
    other.write_bytes(b"PK")
    with pytest.raises(InputError, match="unsupported format"):
        read_layer(other)


def test_wrong_geometry_type_names_the_feature(tmp_path: Path) -> None:
    path = tmp_path / "roads.geojson"
    gpd.GeoDataFrame(
        {"id": [7, 8]},
        geometry=[shapely.LineString([(117.2, 39.1), (117.3, 39.1)]), shapely.Point(117.2, 39.1)],
        crs=4326,
    ).to_file(path)
    with pytest.raises(InputError) as err:
        read_layer(path, kind="roads")
    assert err.value.feature == 8 and "Point" in err.value.reason


def test_osm_xml_buildings_and_roads() -> None:
    b = read_layer(DATA / "tiny.osm", kind="buildings")
    assert b["building"].tolist() == ["apartments", "yes"]
    assert b["building:levels"].tolist()[0] == "6" and b["height"].tolist()[1] == "18"
    r = read_layer(DATA / "tiny.osm", kind="roads")
    assert r["highway"].tolist() == ["residential"] and r["name"].tolist() == ["Test Road"]
    with pytest.raises(InputError, match="need kind"):
        read_layer(DATA / "tiny.osm")


def test_gpkg_with_several_layers_needs_a_layer_name(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    write_cells(buildings(), path)
    write_layer(buildings(), path, layer="buildings")
    assert set(pyogrio.list_layers(path)[:, 0]) == {"cells", "buildings"}
    with pytest.raises(InputError, match="several layers"):
        read_layer(path)
    assert len(read_layer(path, layer="buildings")) == 3


def test_write_geojson_in_wgs84_with_empty_object_column(tmp_path: Path) -> None:
    cells = buildings().to_crs(32650)
    cells["leader"] = None
    path = write_cells(cells, tmp_path / "cells.geojson")
    got = pyogrio.read_dataframe(path)
    assert got.crs.to_epsg() == 4326 and got["leader"].isna().all()
    assert np.allclose(got.total_bounds, buildings().total_bounds, atol=1e-6)


def test_sample_buildings_read_with_mapping() -> None:
    got = read_layer(
        HEPING / "heping_buildings.geojson", kind="buildings", fields={"building:levels": "levels"}
    )
    assert "building:levels" in got.columns and len(got) > 1000
