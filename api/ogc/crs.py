"""The coordinate reference systems of the OGC API (Part 2): their URIs, axis order and the
vectorised transforms between them and the stored WGS84 (lon, lat).

CRS84 is lon/lat; EPSG:4326 and EPSG:4490 (CGCS2000, the same as WGS84 within centimetres,
DESIGN §5) are lat/lon by their definition, so their coordinates are swapped; EPSG:3857 is
projected with pyproj.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer

from api.ogc.errors import InvalidParameter

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"

Coords = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Crs:
    """One CRS we serve: its URI, whether its axes are lat/lon, and the transforms."""

    uri: str
    lat_first: bool
    forward: Coords  # stored (lon, lat) → this CRS, in its axis order
    backward: Coords  # this CRS, in its axis order → (lon, lat)
    decimals: int = 7  # written precision: 1e-7° ≈ 1 cm, as CGCS2000 and WGS84 agree


def _same(xy: np.ndarray) -> np.ndarray:
    """Coordinates unchanged."""
    return xy


def _swap(xy: np.ndarray) -> np.ndarray:
    """Coordinates with their two axes exchanged (lon/lat ↔ lat/lon)."""
    return xy[:, ::-1].copy()


_TO_3857 = Transformer.from_crs(4326, 3857, always_xy=True)
_FROM_3857 = Transformer.from_crs(3857, 4326, always_xy=True)


def _to_3857(xy: np.ndarray) -> np.ndarray:
    """lon/lat to Web Mercator metres."""
    x, y = _TO_3857.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _from_3857(xy: np.ndarray) -> np.ndarray:
    """Web Mercator metres to lon/lat."""
    x, y = _FROM_3857.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


SUPPORTED: dict[str, Crs] = {
    c.uri: c
    for c in (
        Crs(CRS84, False, _same, _same),
        Crs(EPSG + "4326", True, _swap, _swap),
        Crs(EPSG + "4490", True, _swap, _swap),
        Crs(EPSG + "3857", False, _to_3857, _from_3857, 2),
    )
}
URIS = list(SUPPORTED)


def parse(text: str | None, name: str) -> Crs:
    """The CRS named by ``text`` (its URI, a ``[EPSG:n]`` safe CURIE or ``EPSG:n``); CRS84 when
    not given; 400 naming the parameter for any other."""
    if text is None or text == "":
        return SUPPORTED[CRS84]
    key = text.strip().strip("[]")
    if key.upper().startswith("EPSG:"):
        key = EPSG + key[5:]
    elif key.upper() in ("CRS84", "OGC:CRS84"):
        key = CRS84
    if key not in SUPPORTED:
        raise InvalidParameter(f"{name} must be one of {', '.join(URIS)}; got {text!r}", name)
    return SUPPORTED[key]


def geoms_to(crs: Crs, geoms: np.ndarray) -> np.ndarray:
    """Stored WGS84 geometries in ``crs``, rounded to its written precision (centimetres: a
    quarter less text to send; vectorised over the array)."""
    return shapely.transform(geoms, lambda xy: np.round(crs.forward(xy), crs.decimals))


def bbox_to_crs84(crs: Crs, box: tuple[float, float, float, float]) -> tuple[float, ...]:
    """A bbox given in ``crs`` (in its axis order) as CRS84 (minlon, minlat, maxlon, maxlat)."""
    corners = crs.backward(np.array([[box[0], box[1]], [box[2], box[3]]], dtype=float))
    return (
        float(corners[:, 0].min()),
        float(corners[:, 1].min()),
        float(corners[:, 0].max()),
        float(corners[:, 1].max()),
    )
