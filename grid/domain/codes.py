"""Cell codes: the 12-digit community code plus a 3-digit sequence (DESIGN §2).

Cells are numbered the way a reader scans a map, as in Beijing's unit-grid rules: in horizontal
bands from north to south, and west to east within a band. Bands are formed from the cells'
centroids: band height is the side of a typical (median-area) cell, bands are counted down from the
northernmost centroid, so cells of about the same latitude share a band. Ties are broken by
latitude, then by the input order, so the numbering is deterministic.

Vertical cells (楼栋网格, the stack below the 2D cell of a building over the maximum) are coded
``<15-digit cell code>-<2-digit sequence>``: ``120101001001007-01`` is the first vertical cell
below cell 007. The sequence runs over the cell's tall buildings in input order, and within a
building by entrance unit (1 = the building's first unit), then from the lowest floor up. The
hyphen keeps the codes apart from the 15-digit cell codes, which do not change.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from grid.errors import PartitionError

COMMUNITY_CODE = re.compile(r"^\d{12}$")
#: A cell's code: its community's 12 digits and a 3-digit sequence.
CELL_CODE = re.compile(r"^\d{15}$")
#: Largest sequence a 3-digit code can hold.
MAX_CELLS = 999
#: A vertical cell's code: its 2D cell's code, a hyphen and a 2-digit sequence.
VERTICAL_CODE = re.compile(r"^\d{15}-\d{2}$")
#: Most vertical cells below one 2D cell.
MAX_VERTICAL = 99


def code_texts(values: pd.Series) -> np.ndarray:
    """Codes as read from a file, as text: numbers written as digits, surrounding spaces
    dropped, None where missing or blank (a numeric column with gaps reads them as NaN). The one
    rule for reading a code column, so checks and stores see the same codes."""
    s = values.astype(object)
    missing = pd.isna(s).to_numpy()
    out = s.astype(str).str.strip().to_numpy(dtype=object)
    out[missing | (out == "")] = None
    return out


def parent_codes(codes: np.ndarray, given: np.ndarray, digits: int) -> np.ndarray:
    """Each unit's parent code (a community's street, a cell's community): the one ``given``
    where present, else the first ``digits`` of its own code; None when neither is known. Both
    arrays as from ``code_texts``."""
    derived = pd.Series(codes, dtype=object).str[:digits].to_numpy(dtype=object)
    out = np.where(pd.isna(given), derived, given)
    out[pd.isna(out)] = None
    return out


def band_order(geoms: np.ndarray) -> np.ndarray:
    """Positions of ``geoms`` in reading order: bands north→south, west→east inside a band."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return np.empty(0, dtype=np.int64)
    xy = shapely.get_coordinates(shapely.centroid(geoms))
    reach = max(float(np.sqrt(np.median(shapely.area(geoms)))), 1e-9) / 2.0
    y = xy[:, 1]
    north_first = np.lexsort((np.arange(len(y)), -y))
    band = np.empty(len(y), dtype=np.int64)
    current, top = -1, np.inf
    for k in north_first:  # one step per cell of one community, not per building
        if y[k] <= top - reach:
            current, top = current + 1, y[k]
        band[k] = current
    return np.lexsort((np.arange(len(geoms)), -xy[:, 1], xy[:, 0], band))


def sequence_codes(
    cells_metric: gpd.GeoSeries | gpd.GeoDataFrame | np.ndarray, community_code: str
) -> np.ndarray:
    """15-digit codes for the cells of one community (metric CRS), in the input's order.

    Raises ``PartitionError`` for a malformed community code or more than 999 cells.
    """
    code = str(community_code)
    if not COMMUNITY_CODE.match(code):
        raise PartitionError(
            f"community code {code!r} is not 12 digits", source="communities", field="code"
        )
    geoms = np.asarray(getattr(cells_metric, "geometry", cells_metric), dtype=object)
    if len(geoms) > MAX_CELLS:
        raise PartitionError(
            f"{len(geoms)} cells do not fit a 3-digit sequence (max {MAX_CELLS})",
            source="communities",
            feature=code,
        )
    seq = np.empty(len(geoms), dtype=np.int64)
    seq[band_order(geoms)] = np.arange(1, len(geoms) + 1)
    return np.array([f"{code}{s:03d}" for s in seq], dtype=object)


def vertical_codes(cell_code: str, n: int) -> list[str]:
    """Codes of the ``n`` vertical cells below the 2D cell ``cell_code``, in stack order.

    Raises ``PartitionError`` for more than 99 (a building of ~20,000 households)."""
    if n > MAX_VERTICAL:
        raise PartitionError(f"{n} vertical cells do not fit a 2-digit sequence "
                             f"(max {MAX_VERTICAL})", source="buildings", feature=cell_code)
    return [f"{cell_code}-{k:02d}" for k in range(1, n + 1)]
