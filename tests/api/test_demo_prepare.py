"""The demo loader prepares its inputs like ``wangge partition`` (``grid.prepare``): bad sample
files are refused before anything is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import shapely
from conftest import fresh_database

from api.io.demo import DATA, is_empty, load_demo
from api.settings import Settings
from api.store import make_store
from grid.errors import CoordinateError
from grid.input.io import read_layer


def test_demo_refuses_swapped_building_coordinates_and_writes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("heping_buildings.geojson", "*.py"))
    buildings = read_layer(DATA / "heping_buildings.geojson", kind="buildings").iloc[:50]
    buildings.geometry = shapely.transform(buildings.geometry.values, lambda xy: xy[:, ::-1])
    buildings.to_file(data / "heping_buildings.geojson")
    gen = fresh_database("sqlite", tmp_path)
    settings = Settings(
        database_url=next(gen), secret_key="k" * 40, photo_dir=tmp_path / "p", web_dir=tmp_path
    )
    store = make_store(settings)
    with pytest.raises(CoordinateError, match="swapped"):
        load_demo(store, data=data)
    assert is_empty(store)
    store.engine.dispose()
    gen.close()
