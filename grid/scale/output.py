"""The GeoParquet layout of a partition run: ``OUT/cells/street=S/part-0.parquet`` and
``OUT/buildings/street=S/part-0.parquet``, one file per street office (the first nine digits
of the community code; ``street=none`` holds buildings in no community).

The in-process run and every distributed task write through ``write_streets``, cells sorted by
code and buildings in input order, so the two runs give the same bytes street by street.
Each file is written beside its place and renamed, so a task retried after a lost worker
overwrites it whole, never half.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from grid.input.io import writable

NO_STREET = "none"
STREET_DIGITS = 9


def street_of(community_codes: pd.Series | np.ndarray) -> np.ndarray:
    """The street office code of each community code (``NO_STREET`` for a missing one)."""
    codes = pd.Series(np.asarray(community_codes, dtype=object))
    return codes.str.slice(0, STREET_DIGITS).fillna(NO_STREET).to_numpy(dtype=object)


def write_streets(cells: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, out: Path) -> list[str]:
    """Write ``cells`` and ``buildings`` (with ``community_code``) under ``out`` by street;
    returns the streets written."""
    streets = []
    for name, layer in (("cells", cells), ("buildings", buildings)):
        key = street_of(layer["community_code"])
        for street in sorted(set(key.tolist())):
            part = _codes_as_text(layer[key == street].reset_index(drop=True))
            _write_atomic(part, out / name / f"street={street}" / "part-0.parquet")
            streets.append(street)
    return sorted(set(streets))


#: Code columns written as nullable text, whatever dtype the frame gave them (an all-empty
#: column would otherwise be written as Arrow's null type in one run and as text in another).
CODE_COLUMNS = ("community_code", "cell_code", "vertical_code")


def _codes_as_text(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``gdf`` with its code columns as pandas' nullable string dtype."""
    present = [c for c in CODE_COLUMNS if c in gdf.columns]
    return gdf.astype(dict.fromkeys(present, "string")) if present else gdf


def _write_atomic(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """``gdf`` as one GeoParquet file at ``path``, written aside and renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    writable(gdf).to_parquet(tmp, index=False, compression="zstd")
    os.replace(tmp, path)


def read_streets(out: Path, layer: str) -> gpd.GeoDataFrame:
    """One layer (``cells`` or ``buildings``) of a partition output, all streets, sorted the
    way the in-process result is (cells by code)."""
    gdf = gpd.read_parquet(out / layer)
    gdf["street"] = gdf["street"].astype(str)
    if layer == "cells":
        gdf = gdf.sort_values("code", ignore_index=True)
    return gdf


def clear(out: Path) -> None:
    """Make ``out`` ready for a new run: our layers of an earlier run are removed; anything
    else there is refused, so a wrong path never loses data."""
    import shutil

    from grid.errors import InputError

    if not out.exists():
        return
    if not out.is_dir() or any(p.name not in ("cells", "buildings") for p in out.iterdir()):
        raise InputError("exists and is not the output of an earlier partition run",
                         source=str(out))
    for p in out.iterdir():
        shutil.rmtree(p)
