"""The GeoParquet layout by street writes the same bytes for the same content, whatever dtype a
run gave the code columns (the in-process run has Python objects, a dask task pandas' strings):
the cluster run's promise of byte-identical output rests on it."""

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from grid.scale.output import write_streets


def _buildings(dtype: str | None) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"id": [1, 2], "community_code": ["120101001001", "120101001001"],
         "cell_code": ["120101001001001", "120101001001002"], "vertical_code": [None, None]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=4326)
    if dtype:
        frame = frame.astype({"cell_code": dtype, "vertical_code": dtype})
    return frame


def test_code_columns_are_written_alike_whatever_their_dtype(tmp_path: Path) -> None:
    cells = gpd.GeoDataFrame({"community_code": pd.Series([], dtype=object)}, geometry=[],
                             crs=4326)
    files = {}
    for dtype in (None, "string"):
        out = tmp_path / str(dtype)
        write_streets(cells, _buildings(dtype), out)
        files[dtype] = (out / "buildings" / "street=120101001" / "part-0.parquet").read_bytes()
    assert files[None] == files["string"]


def test_geopackage_from_streets_types_its_layer_for_all_of_them(tmp_path: Path) -> None:
    """A street of polygons before a street of multipolygons: the layer is MultiPolygon, as
    pyogrio makes it when the whole layer is written at once, not the first street's type."""
    import pyogrio

    from grid.input.io import write_layer
    from grid.scale.gpkg import write_gpkg

    cells = gpd.GeoDataFrame(
        {"code": ["120101001001001", "120101002001001"],
         "community_code": ["120101001001", "120101002001"], "households": [120, 130]},
        geometry=[shapely.box(0, 0, 1, 1),
                  shapely.MultiPolygon([shapely.box(2, 0, 3, 1), shapely.box(4, 0, 5, 1)])],
        crs=4326)
    buildings = _buildings(None)
    write_streets(cells, buildings, tmp_path / "streets")
    write_gpkg(tmp_path / "streets", pd.DataFrame(), tmp_path / "got.gpkg")
    write_layer(cells, tmp_path / "want.gpkg", layer="cells")
    got = pyogrio.read_dataframe(tmp_path / "got.gpkg", layer="cells")
    want = pyogrio.read_dataframe(tmp_path / "want.gpkg", layer="cells")
    assert pyogrio.read_info(tmp_path / "got.gpkg", layer="cells")["geometry_type"] == \
        pyogrio.read_info(tmp_path / "want.gpkg", layer="cells")["geometry_type"] == "MultiPolygon"
    assert shapely.equals_exact(got.geometry.values, want.geometry.values, tolerance=0).all()
    assert got["code"].tolist() == cells["code"].tolist()
    assert len(pyogrio.read_dataframe(tmp_path / "got.gpkg", layer="buildings")) == 2
