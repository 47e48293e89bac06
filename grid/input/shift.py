"""GCJ-02 and BD-09 ("shifted" Chinese coordinates) to and from WGS84, on numpy arrays (DESIGN §5).

GCJ-02 is WGS84 plus a smooth, non-linear offset of a few hundred metres inside China (Amap,
Tencent, phones); BD-09 is a further transform of GCJ-02 (Baidu). The forward transforms are the
published formulas; the inverses solve them by fixed-point iteration to well under a millimetre.
Points outside China's bounding box are left unchanged, as every implementation of GCJ-02 does.
``looks_shifted`` warns when a WGS84-declared layer sits where a GCJ-02/BD-09 shift of the
reference layer would put it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0
_TOLERANCE_DEG = 1e-10  # about 0.01 mm; the inverse iterations stop below this
_MAX_ITER = 30

Array = NDArray[np.float64]


def in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Whether each point lies in the rough box where GCJ-02 applies (lon 72–138, lat 0.8–56)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _offset(lon: Array, lat: Array) -> tuple[Array, Array]:
    """The GCJ-02 offset (dlon, dlat) in degrees at WGS84 points (lon, lat)."""
    x, y = lon - 105.0, lat - 35.0
    sx = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx + common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx + common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = dlon * 180.0 / (_A / sqrt_magic * np.cos(rad) * np.pi)
    return dlon, dlat


def _arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """Inputs as float arrays of one broadcast shape."""
    a, b = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return a.astype(float), b.astype(float)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """WGS84 → GCJ-02 (the published forward formula); points outside China are unchanged."""
    lon, lat = _arrays(lon, lat)
    dlon, dlat = _offset(lon, lat)
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def _gcj02_to_bd09(lon: Array, lat: Array) -> tuple[Array, Array]:
    """GCJ-02 → BD-09 (Baidu's published forward formula)."""
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """WGS84 → BD-09 (through GCJ-02); points outside China are unchanged."""
    lon, lat = _arrays(lon, lat)
    inside = in_china(lon, lat)
    blon, blat = _gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
    return np.where(inside, blon, lon), np.where(inside, blat, lat)


def _invert(forward, lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """Solve forward(w) = (lon, lat) for w by fixed-point iteration (Jacobian near identity)."""
    tlon, tlat = _arrays(lon, lat)
    wlon, wlat = tlon.copy(), tlat.copy()
    for _ in range(_MAX_ITER):
        flon, flat = forward(wlon, wlat)
        elon, elat = flon - tlon, flat - tlat
        wlon, wlat = wlon - elon, wlat - elat
        if (
            max(np.max(np.abs(elon), initial=0.0), np.max(np.abs(elat), initial=0.0))
            < _TOLERANCE_DEG
        ):
            break
    return wlon, wlat


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """GCJ-02 → WGS84, the exact inverse of ``wgs84_to_gcj02`` by iteration (error < 1 mm)."""
    return _invert(wgs84_to_gcj02, lon, lat)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """BD-09 → WGS84, the exact inverse of ``wgs84_to_bd09`` by iteration (error < 1 mm)."""
    return _invert(wgs84_to_bd09, lon, lat)


TO_WGS84 = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
FROM_WGS84 = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}


@dataclass(frozen=True)
class ShiftVerdict:
    """Whether a layer looks shifted, which system fits, and the misfit before and after undoing it.

    The misfit is the median distance to the reference in metres (``looks_shifted``) or the share
    of points outside the reference polygons (``looks_shifted_inside``), as ``unit`` says.
    """

    shifted: bool
    system: str | None  # "gcj02" or "bd09" when shifted
    before: float  # misfit as declared
    after: float  # misfit after converting the best-fitting system to WGS84
    unit: str = "m"  # "m" or "share"

    def message(self, source: str) -> str:
        """A user-facing warning naming the file and the likely coordinate system."""
        if self.unit == "share":
            misfit = (
                f"{self.before:.0%} of its points fall outside the reference layer, "
                f"{self.after:.0%} after converting {self.system} → WGS84"
            )
        else:
            misfit = (
                f"median offset {self.before:.0f} m from the reference layer, "
                f"{self.after:.0f} m after converting {self.system} → WGS84"
            )
        system = self.system
        return f"{source}: coordinates look like {system} ({misfit}); declare --crs {system} if so"


def looks_shifted(
    x: ArrayLike,
    y: ArrayLike,
    ref_x: ArrayLike,
    ref_y: ArrayLike,
    *,
    min_offset_m: float = 50.0,
) -> ShiftVerdict:
    """Whether WGS84-declared points (x, y) sit as if shifted to GCJ-02/BD-09 from reference points.

    Each point is matched to its nearest reference point. The layer looks shifted when its median
    offset exceeds ``min_offset_m`` and undoing GCJ-02 or BD-09 at least halves that offset.
    """
    from scipy.spatial import cKDTree

    px, py = _arrays(x, y)
    rx, ry = _arrays(ref_x, ref_y)
    if px.size == 0 or rx.size == 0 or not in_china(px, py).any():
        return ShiftVerdict(False, None, 0.0, 0.0)
    lat0 = float(np.nanmedian(ry))
    scale = np.array([111_320.0 * np.cos(np.radians(lat0)), 110_540.0])
    tree = cKDTree(np.column_stack([rx, ry]) * scale)

    def median_offset(qx: Array, qy: Array) -> float:
        dist, _ = tree.query(np.column_stack([qx, qy]) * scale)
        return float(np.median(dist))

    base = median_offset(px, py)
    fits = {name: median_offset(*undo(px, py)) for name, undo in TO_WGS84.items()}
    best = min(fits, key=lambda k: fits[k])
    shifted = base > min_offset_m and fits[best] <= base / 2.0
    return ShiftVerdict(shifted, best if shifted else None, base, fits[best])


def looks_shifted_inside(
    x: ArrayLike, y: ArrayLike, polygons: ArrayLike, *, max_inside: float = 0.5
) -> ShiftVerdict:
    """Whether WGS84-declared points mostly miss the reference ``polygons`` but fall inside them
    once a GCJ-02 or BD-09 shift is undone (e.g. buildings against their communities)."""
    import shapely

    px, py = _arrays(x, y)
    polys = np.asarray(polygons, dtype=object)
    if px.size == 0 or polys.size == 0 or not in_china(px, py).any():
        return ShiftVerdict(False, None, 0.0, 0.0, "share")
    cover = shapely.union_all(polys)
    shapely.prepare(cover)

    def outside(qx: Array, qy: Array) -> float:
        return float(1.0 - shapely.contains_xy(cover, qx, qy).mean())

    base = outside(px, py)
    fits = {name: outside(*undo(px, py)) for name, undo in TO_WGS84.items()}
    best = min(fits, key=lambda k: fits[k])
    shifted = base > 1.0 - max_inside and fits[best] < base / 2.0
    return ShiftVerdict(shifted, best if shifted else None, base, fits[best], "share")
