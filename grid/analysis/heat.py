"""Heat layer: records binned on H3 hexagons, with period, hour, weekday, kind and category filters.

Records are pre-aggregated once into a *cube* of counts keyed by a fine H3 cell, local date, hour,
kind and category (``cube``). Any filter combination then reduces the cube, and any coarser zoom
is served by rolling fine cells up to their parents (``h3.cell_to_parent``), so a map request never
touches the raw records. Hours and weekdays are read in the users' local time (Asia/Shanghai).
The colour scale is fixed from a reference period (``ColourScale.from_reference``) so colours keep
their meaning while users change filters. A store keeps counts at a few serving resolutions
(``SERVING_RESOLUTIONS``) besides the finest; ``parent_cells``/``parents`` give those bins' ids.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

import h3
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray

from grid.analysis.h3index import h3_index
from grid.errors import InputError

LOCAL_TZ = "Asia/Shanghai"
CUBE_KEYS = ("h3", "day", "hour", "kind", "category")
# A sequential yellow→red palette (ColorBrewer YlOrRd, 5 classes), lightest for the fewest records.
PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
_WEB_MERCATOR_M_PER_PX = 156_543.033_92  # metres per pixel at zoom 0 on the equator
_HEX_PIXELS = 24.0  # a heat hexagon should be about this many screen pixels across
# Resolutions a store pre-aggregates besides its finest: district (8) to street-block (10) views;
# coarser ones roll up from 8 (a district has a few dozen res-8 bins), finer ones come from the
# finest bins. Each one costs a write two more row upserts (daily and monthly).
SERVING_RESOLUTIONS = (8, 9, 10)


def zoom_to_resolution(zoom: float, lat: float = 35.0) -> int:
    """The H3 resolution whose hexagons are about 24 px across at web-map ``zoom`` near ``lat``."""
    if not 0 <= zoom <= 24:
        raise InputError(f"zoom must be within 0..24, got {zoom}", field="zoom")
    metres_per_px = _WEB_MERCATOR_M_PER_PX * np.cos(np.radians(lat)) / 2.0**zoom
    target_edge = metres_per_px * _HEX_PIXELS / 2.0
    edges = np.array([h3.average_hexagon_edge_length(r, unit="m") for r in range(16)])
    fits = np.flatnonzero(edges >= target_edge)
    return int(fits[-1]) if fits.size else 0


def _local_times(records: pd.DataFrame, time_col: str) -> pd.Series:
    """``time_col`` converted to local time; naive or missing times are refused."""
    if time_col not in records.columns:
        raise InputError(f"missing column '{time_col}'", source="records", field=time_col)
    t = records[time_col]
    if not isinstance(t.dtype, pd.DatetimeTZDtype):
        t = pd.to_datetime(t)
        if not isinstance(t.dtype, pd.DatetimeTZDtype):
            raise InputError("times must be timezone-aware", source="records", field=time_col)
    if t.isna().any():
        raise InputError("some records have no time", source="records", field=time_col)
    return t.dt.tz_convert(LOCAL_TZ)


def cube(
    records: pd.DataFrame,
    res: int,
    *,
    lon: str = "lon",
    lat: str = "lat",
    time_col: str = "occurred_at",
) -> pd.DataFrame:
    """Record counts keyed by CUBE_KEYS: H3 cell at ``res``, local date, local hour, kind, category.

    ``records`` needs ``lon``/``lat`` (WGS84), ``time_col`` (aware), ``kind`` and ``category``.
    """
    for col in (lon, lat, "kind", "category"):
        if col not in records.columns:
            raise InputError(f"missing column '{col}'", source="records", field=col)
    local = _local_times(records, time_col)
    keys = pd.DataFrame(
        {
            "h3": h3_index(records[lon].to_numpy(), records[lat].to_numpy(), res),
            "day": local.dt.date.to_numpy(),
            "hour": local.dt.hour.to_numpy(np.int8),
            "kind": records["kind"].to_numpy(),
            "category": records["category"].to_numpy(),
        }
    )
    return keys.groupby(list(CUBE_KEYS), dropna=False).size().rename("count").reset_index()


def _isin(values: pd.Series, wanted: Collection[object] | str | int | None) -> NDArray[np.bool_]:
    """Mask of ``values`` in ``wanted`` (a single value or a collection); all True when None."""
    if wanted is None:
        return np.ones(len(values), dtype=bool)
    items = [wanted] if isinstance(wanted, str | int) else list(wanted)
    return values.isin(items).to_numpy()


def filter_cube(
    data: pd.DataFrame,
    *,
    start: date | datetime | None = None,
    end: date | datetime | None = None,
    hours: Collection[int] | None = None,
    weekdays: Collection[int] | None = None,
    kinds: Collection[str] | str | None = None,
    categories: Collection[str] | str | None = None,
) -> pd.DataFrame:
    """Rows of a cube in local days ``[start, end)``, the given local ``hours`` (0–23),
    ``weekdays`` (0 = Monday) and record ``kinds``/``categories``; None means no limit."""
    day = pd.to_datetime(data["day"])
    keep = _isin(data["hour"], hours) & _isin(day.dt.day_of_week, weekdays)
    keep &= _isin(data["kind"], kinds) & _isin(data["category"], categories)
    if start is not None:
        keep &= (day >= pd.Timestamp(_local_day(start))).to_numpy()
    if end is not None:
        keep &= (day < pd.Timestamp(_local_day(end))).to_numpy()
    return data.loc[keep]


def _local_day(value: date | datetime) -> date:
    """The local calendar day of ``value`` (aware datetimes converted to Asia/Shanghai)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InputError(f"period bounds must be timezone-aware, got {value!r}", field="period")
        return pd.Timestamp(value).tz_convert(LOCAL_TZ).date()
    return value


def to_parent(bins: pd.DataFrame, res: int) -> pd.DataFrame:
    """Counts per H3 cell rolled up to coarser resolution ``res`` (columns ``h3``, ``count``)."""
    cells = bins["h3"].to_numpy()
    if cells.size and h3.get_resolution(str(cells[0])) < res:
        raise InputError(f"cannot roll bins up to a finer resolution {res}", field="res")
    out = bins["count"].groupby(parents(cells, res) if cells.size else cells).sum()
    return out.rename_axis("h3").reset_index()


def bin_resolutions(finest: int) -> tuple[int, ...]:
    """The serving resolutions coarser than ``finest`` (those a store keeps besides its finest)."""
    return tuple(r for r in SERVING_RESOLUTIONS if r < finest)


def parent_cells(cell: str, resolutions: Collection[int]) -> tuple[str, ...]:
    """The parents of one H3 ``cell`` at each of ``resolutions`` (all coarser than the cell)."""
    return tuple(h3.cell_to_parent(cell, r) for r in resolutions)


def parents(cells: ArrayLike, res: int) -> NDArray[np.object_]:
    """The parent at ``res`` of each H3 cell (one ``h3.cell_to_parent`` per distinct cell)."""
    unique, inverse = np.unique(np.asarray(cells, dtype=object).astype(str), return_inverse=True)
    out = np.array([h3.cell_to_parent(str(c), res) for c in unique], dtype=object)
    return out[inverse.ravel()]


def study_area(polygons: ArrayLike, res: int, extra: ArrayLike = ()) -> NDArray[np.object_]:
    """The H3 bins at ``res`` covering ``polygons`` (WGS84), plus the ``extra`` bins, sorted:
    the universe a hotspot analysis counts empty bins over, so quiet areas are not ignored."""
    geoms = np.asarray(polygons, dtype=object)
    area = shapely.union_all(geoms) if len(geoms) else shapely.Polygon()
    inside = set(h3.geo_to_cells(area, res)) if not area.is_empty else set()
    inside |= {str(c) for c in np.asarray(extra, dtype=object)}
    return np.array(sorted(inside), dtype=object)


def children_in(cells: ArrayLike, parent: str) -> NDArray[np.object_]:
    """Those of ``cells`` (finer H3 bins) that lie inside the bin ``parent``."""
    cells = np.asarray(cells, dtype=object).astype(str).astype(object)
    if len(cells) == 0:
        return cells
    return cells[parents(cells, h3.get_resolution(parent)) == parent]


def heat(data: pd.DataFrame, res: int, **filters: object) -> pd.DataFrame:
    """The heat layer at ``res`` from a cube: filtered counts per H3 cell (``h3``, ``count``).

    ``filters`` are those of ``filter_cube``; the cube's resolution must be ``res`` or finer.
    """
    return to_parent(filter_cube(data, **filters), res)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ColourScale:
    """Fixed class breaks and their colours; ``classify`` maps counts to class numbers."""

    breaks: tuple[float, ...]
    colours: tuple[str, ...] = PALETTE

    @classmethod
    def from_reference(cls, counts: ArrayLike, classes: int = len(PALETTE)) -> ColourScale:
        """Quantile breaks of the non-zero ``counts`` of a reference period, so the scale stays
        fixed while filters change; ties collapse, so there may be fewer classes than asked."""
        if not 1 <= classes <= len(PALETTE):
            raise InputError(f"classes must be 1..{len(PALETTE)}", field="classes")
        c = np.asarray(counts, dtype=float)
        c = c[c > 0]
        if c.size == 0:
            return cls(breaks=(1.0,), colours=PALETTE[-1:])
        qs = np.unique(np.quantile(c, np.linspace(0, 1, classes + 1)[:-1]))
        picks = np.round(np.linspace(0, len(PALETTE) - 1, qs.size)).astype(int)
        return cls(breaks=tuple(float(q) for q in qs), colours=tuple(PALETTE[i] for i in picks))

    @classmethod
    def integer_classes(cls, counts: ArrayLike, classes: int = len(PALETTE)) -> ColourScale:
        """Whole-number quantile breaks of the non-zero ``counts`` (records per bin), the first
        always 1 so every bin with a record is coloured; equal breaks collapse, so small or
        uniform periods get fewer classes. Bins hold whole counts, so the legend reads as
        integer ranges (``labels``)."""
        if not 1 <= classes <= len(PALETTE):
            raise InputError(f"classes must be 1..{len(PALETTE)}", field="classes")
        c = np.asarray(counts, dtype=float)
        c = c[c > 0]
        qs = np.ceil(np.quantile(c, np.linspace(0, 1, classes + 1)[1:-1])) if c.size else []
        breaks = np.unique(np.concatenate([[1.0], np.asarray(qs, dtype=float)]))
        picks = np.round(np.linspace(0, len(PALETTE) - 1, breaks.size)).astype(int)
        return cls(breaks=tuple(float(b) for b in breaks), colours=tuple(PALETTE[i] for i in picks))

    def labels(self) -> tuple[str, ...]:
        """Each class as a range of whole counts: "1–3", "4", …, "≥40" for the last."""
        b = [int(np.ceil(x)) for x in self.breaks]
        out = [
            f"{lo}" if hi - 1 == lo else f"{lo}–{hi - 1}" for lo, hi in zip(b, b[1:], strict=False)
        ]
        return (*out, f"≥{b[-1]}")

    def classify(self, counts: ArrayLike) -> NDArray[np.int64]:
        """Class number of each count (0 = lightest); -1 for counts below the first break."""
        return np.searchsorted(np.asarray(self.breaks), np.asarray(counts, float), side="right") - 1

    def colour(self, counts: ArrayLike) -> NDArray[np.object_]:
        """Colour of each count, None for counts below the first break (drawn transparent)."""
        k = self.classify(counts)
        out = np.full(k.size, None, dtype=object)
        out[k >= 0] = np.asarray(self.colours, dtype=object)[k[k >= 0]]
        return out
