"""GeoParquet and zipped Shapefile exports, re-read by geopandas/GDAL: the same rows as the
GeoJSON export, a ``.cpg`` saying UTF-8, Chinese text intact, field names by the documented
10-character mapping, and no personal data."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from conftest import X0, Y0, record_body

from api.io.exports import PLACE_COLS, RECORD_COLS
from api.io.shapefile import MAX_NAME, SHP_FIELDS, shp_name

CELL_COLS = ("code", "community_code", "households", "valid_from")
BUILDING_COLS = ("id", "name", "cell_code", "households", "households_estimated")


def test_every_export_column_has_a_distinct_shapefile_name() -> None:
    """Each layer's columns map to distinct names of at most 10 characters; the table renames
    only what is too long."""
    for cols in (RECORD_COLS, PLACE_COLS, CELL_COLS, BUILDING_COLS):
        names = [shp_name(c) for c in cols]
        assert len(set(names)) == len(names) and max(map(len, names)) <= MAX_NAME
    assert all(len(ours) > MAX_NAME or ours == theirs for ours, theirs in SHP_FIELDS.items())


def _text(value: object) -> str:
    """A read-back attribute as text; a DBF field cannot tell an empty string from null, so
    both read back as "" here."""
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


@pytest.mark.parametrize("layer", ["records", "places", "cells", "buildings"])
def test_parquet_and_shapefile_hold_what_geojson_holds(api, layer: str, tmp_path: Path) -> None:
    """The three formats of one layer hold the same features with the same attributes."""
    party = [{"name": "王五六", "phone": "13712345678"}]
    body = record_body(lon=X0 + 0.003, lat=Y0 + 0.008, description="楼道堆物", parties=party)
    assert api.post("/records", "officer", json=body).status_code == 201
    ref = api.get(f"/export/{layer}", "admin").json()["features"]
    pq = api.get(f"/export/{layer}", "admin", params={"format": "parquet"})
    assert pq.status_code == 200 and pq.headers["content-type"] == "application/vnd.apache.parquet"
    frame = gpd.read_parquet(io.BytesIO(pq.content))
    assert len(frame) == len(ref) and frame.crs.to_epsg() == 4326
    shp = api.get(f"/export/{layer}", "admin", params={"format": "shp"})
    assert shp.status_code == 200 and 'shp.zip"' in shp.headers["content-disposition"]
    parts = zipfile.ZipFile(io.BytesIO(shp.content))
    assert parts.read(f"{layer}.cpg").strip() == b"UTF-8"
    assert {Path(n).suffix for n in parts.namelist()} >= {".shp", ".shx", ".dbf", ".prj", ".cpg"}
    (tmp_path / "x.zip").write_bytes(shp.content)
    read = gpd.read_file(tmp_path / "x.zip")
    assert len(read) == len(ref)
    key = "code" if layer == "cells" else "id"
    for name, col in (("parquet", frame), ("shp", read)):
        got = {str(k): r for k, r in zip(col[key], col.to_dict("records"), strict=True)}
        for feat in ref:
            row = got[str(feat["properties"][key])]
            for prop, value in feat["properties"].items():
                column = prop if name == "parquet" else shp_name(prop)
                if isinstance(value, str | int) and not isinstance(value, bool):
                    assert _text(row[column]) == str(value), (name, prop)
    texts = pq.content + shp.content
    assert "王五六".encode() not in texts and b"13712345678" not in texts
