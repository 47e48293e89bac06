"""``grid.prepare``: the one input pipeline of the command, the demo loader and notebooks (read →
check coordinates → repair polygons → shift warnings → estimate households)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from test_cli import building_layer, community_layer, road_layer

import grid
from grid.errors import CoordinateError, InputError
from grid.input.prepare import prepare
from grid.input.shift import wgs84_to_gcj02
from grid.partition import partition

FIELDS = {"households": "hh", "levels": "floors"}


def bowtie_first(communities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``communities`` with the first one's ring drawn as a self-intersecting bow tie."""
    xmin, ymin, xmax, ymax = communities.geometry.iloc[0].bounds
    bad = shapely.Polygon([(xmin, ymin), (xmax, ymax), (xmax, ymin), (xmin, ymax)])
    out = communities.copy()
    out.loc[out.index[0], "geometry"] = bad
    return out


def test_frames_are_checked_repaired_and_estimated_like_files() -> None:
    ready = grid.prepare(
        bowtie_first(community_layer()), building_layer(), road_layer(), building_fields=FIELDS
    )
    assert shapely.is_valid(np.asarray(ready.communities.geometry.values)).all()
    assert any(
        w.kind == "repaired" and str(w).startswith("communities: feature 0:")
        for w in ready.warnings
    )
    given = building_layer()["hh"].notna().to_numpy()
    assert (ready.buildings["households_estimated"].to_numpy() == ~given).all()
    assert (ready.buildings["households"] > 0).all() and ready.roads is not None
    result = partition(ready.communities, ready.buildings, ready.roads)
    assert len(result.cells) > 0


def test_files_and_frames_give_the_same_layers(tmp_path: Path) -> None:
    paths = [tmp_path / f"{n}.geojson" for n in ("c", "b", "r")]
    for layer, path in zip((community_layer(), building_layer(), road_layer()), paths, strict=True):
        layer.to_file(path)
    from_files = prepare(*paths, building_fields=FIELDS)
    from_frames = prepare(community_layer(), building_layer(), road_layer(), building_fields=FIELDS)
    assert from_files.warnings == from_frames.warnings == []
    assert (from_files.buildings["households"] == from_frames.buildings["households"]).all()
    assert list(from_files.communities["code"]) == list(from_frames.communities["code"])


def test_swapped_coordinates_in_a_frame_are_refused_naming_the_role() -> None:
    swapped = building_layer()
    swapped.geometry = shapely.transform(swapped.geometry.values, lambda xy: xy[:, ::-1])
    with pytest.raises(CoordinateError, match="swapped") as err:
        prepare(community_layer(), swapped)
    assert err.value.source == "buildings"


def test_buildings_shifted_to_gcj02_are_warned_unless_a_crs_is_declared() -> None:
    shifted = building_layer()
    shifted.geometry = shapely.transform(
        shifted.geometry.values, lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]))
    )
    ready = prepare(community_layer(), shifted, building_fields=FIELDS)
    assert [w.kind for w in ready.warnings if w.kind == "looks_shifted"] == ["looks_shifted"]
    declared = prepare(community_layer(), shifted, crs="gcj02", building_fields=FIELDS)
    assert not [w for w in declared.warnings if w.kind == "looks_shifted"]


def test_a_missing_mapped_field_is_refused() -> None:
    with pytest.raises(InputError, match="no such field") as err:
        prepare(community_layer(), building_layer(), building_fields={"households": "nope"})
    assert err.value.field == "nope"
