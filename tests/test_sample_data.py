"""The committed Heping sample layers are valid, nested exactly and reproducible from the seed."""

from __future__ import annotations

import csv
import filecmp
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from grid.input.crs import to_metric
from grid.input.households import estimate_households

DATA = Path(__file__).resolve().parents[1] / "data" / "boundaries"
STREETS_CSV = Path(__file__).parents[1] / "data" / "boundaries" / "heping_streets.csv"
LAYERS = ("district", "streets", "communities", "buildings", "roads")


def layer(name: str) -> gpd.GeoDataFrame:
    """One committed sample layer."""
    return gpd.read_file(DATA / f"heping_{name}.geojson")


def assert_tiles(parts: gpd.GeoDataFrame, whole: shapely.Geometry, crs: object) -> None:
    """``parts`` cover ``whole`` exactly: no gap and no overlap beyond float noise (< 0.01 m²)."""
    metric = gpd.GeoSeries(list(parts.geometry) + [whole], crs=parts.crs).to_crs(crs)
    pieces, outline = metric.iloc[:-1], metric.iloc[-1]
    assert pieces.is_valid.all()
    assert shapely.coverage_is_valid(pieces.values)
    union = shapely.union_all(pieces.values)
    assert union.symmetric_difference(outline).area < 0.01
    assert abs(pieces.area.sum() - outline.area) < 0.01


def test_streets_are_the_real_six_and_tile_the_district() -> None:
    district, streets = layer("district"), layer("streets")
    assert district["code"].tolist() == ["120101"]
    with open(STREETS_CSV, encoding="utf-8") as f:
        real = {r["code"]: r["name"] for r in csv.DictReader(f)}
    assert dict(zip(streets["code"], streets["name"], strict=True)) == real
    assert_tiles(streets, district.geometry.iloc[0], to_metric(district).crs)


def test_communities_tile_their_street_and_codes_nest() -> None:
    streets, comms = layer("streets"), layer("communities")
    crs = to_metric(streets).crs
    assert comms["code"].is_unique
    assert comms["code"].str.fullmatch(r"\d{12}").all()
    assert (comms["code"].str[:9] == comms["street_code"]).all()
    per_street = comms.groupby("street_code").size()
    assert set(per_street.index) == set(streets["code"])
    assert per_street.between(8, 12).all()
    for code, street in zip(streets["code"], streets.geometry, strict=True):
        assert_tiles(comms[comms["street_code"] == code], street, crs)
    assert (comms.geometry.geom_type == "Polygon").all()


def test_buildings_lie_in_one_community_and_total_about_130k_households() -> None:
    comms, buildings = layer("communities"), layer("buildings")
    assert buildings["id"].is_unique
    joined = gpd.sjoin(buildings, comms, predicate="within")
    assert len(joined) == len(buildings)
    assert buildings["households"].isna().any() and buildings["levels"].isna().any()
    est = estimate_households(buildings)
    assert 120_000 <= est["households"].sum() <= 140_000
    assert est["households_estimated"].sum() == buildings["households"].isna().sum()
    non_residential = est["type"].isin(["school", "retail", "commercial", "office"])
    assert (est.loc[non_residential, "households"] == 0).all()


def test_coordinates_have_six_decimals_and_files_are_small() -> None:
    text = (DATA / "heping_roads.geojson").read_text(encoding="utf-8")
    assert "117.1" in text and "39.1" in text
    total = sum((DATA / f"heping_{n}.geojson").stat().st_size for n in LAYERS)
    assert total < 5_000_000


@pytest.mark.slow
def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(DATA / "generate.py"), "--out", str(tmp_path)], check=True)
    for name in LAYERS:
        assert filecmp.cmp(
            DATA / f"heping_{name}.geojson", tmp_path / f"heping_{name}.geojson", shallow=False
        ), name
