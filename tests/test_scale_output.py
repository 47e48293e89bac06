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
