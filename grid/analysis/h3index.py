"""Point → H3 cell for records and heat (DESIGN §8): one point as a write locates a record, or
millions at once for the heat tables. Coordinates are WGS84 lon/lat, checked like the cell index
checks them (``grid.analysis.assign.finite_xy``).
"""

from __future__ import annotations

import itertools
import math

import h3 as h3_str
import h3.api.numpy_int as h3_int
import numpy as np
from numpy.typing import ArrayLike, NDArray

from grid.analysis.assign import finite_xy
from grid.errors import InputError

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8).astype("<u4")  # UCS-4 code points


def _check_resolution(res: int) -> None:
    """Refuse anything but an H3 resolution (an integer 0..15)."""
    if not isinstance(res, int | np.integer) or not 0 <= int(res) <= 15:
        raise InputError(f"H3 resolution must be an integer 0..15, got {res!r}", field="res")


_OUT_OF_RANGE = "H3 needs WGS84 lon/lat; coordinates are out of range"


def h3_cell(x: float, y: float, res: int) -> str:
    """The H3 cell (hex string) at resolution ``res`` of one WGS84 point (x = lon, y = lat):
    ``h3_index`` for a single point without the array work, as a write locates one record."""
    _check_resolution(res)
    if not (math.isfinite(x) and math.isfinite(y)):
        raise InputError("the point has missing or non-finite coordinates", field="x/y")
    if abs(y) > 90 or abs(x) > 180:
        raise InputError(_OUT_OF_RANGE, field="x/y")
    return h3_str.latlng_to_cell(float(y), float(x), int(res))


def h3_ints(x: ArrayLike, y: ArrayLike, res: int) -> NDArray[np.uint64]:
    """The H3 cell of each WGS84 point as its 64-bit integer (``h3_index`` is its hex form):
    the compact form batch jobs store, one C call per point and no string."""
    _check_resolution(res)
    lon, lat = finite_xy(x, y)
    if (np.abs(lat) > 90).any() or (np.abs(lon) > 180).any():
        raise InputError(_OUT_OF_RANGE, field="x/y")
    # h3 4 has no vectorised entry point: one C call per point through the integer API.
    return np.fromiter(
        map(h3_int.latlng_to_cell, lat.tolist(), lon.tolist(), itertools.repeat(int(res))),
        dtype=np.uint64,
        count=lat.size,
    )


def h3_index(x: ArrayLike, y: ArrayLike, res: int) -> NDArray[np.str_]:
    """The H3 cell (hex string) at resolution ``res`` of each WGS84 point (x = lon, y = lat)."""
    cells = h3_ints(x, y, res)
    # A cell index lies in [2**59, 2**60), so its hex form is exactly 15 digits, as
    # h3.latlng_to_cell writes it; every hex digit is made at once.
    digits = np.empty((cells.size, 15), dtype="<u4")
    for i, shift in enumerate(range(56, -4, -4)):  # a loop over digits, not points
        digits[:, i] = _HEX[(cells >> np.uint64(shift)) & np.uint64(15)]
    return digits.view("<U15").ravel()
