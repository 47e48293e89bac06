"""Household counts per building: keep the given ones, estimate the rest (DESIGN §7).

Estimate = footprint area (m², in the area's metric CRS) × levels ÷ 90 m². Levels come from
``building:levels``, else height ÷ 3 m, else the default for the building type in
``DEFAULT_LEVELS``. Types in ``NON_RESIDENTIAL`` hold no households. Every count that was not
given is flagged in ``households_estimated``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from grid.errors import InputError
from grid.input.crs import WGS84, to_metric

AREA_PER_HOUSEHOLD = 90.0  # m² of floor area per household
METRES_PER_LEVEL = 3.0
MIN_RESIDENTIAL_AREA = 30.0  # m²; smaller footprints (kiosks, sheds) hold no household unless given

# Default levels by OSM ``building=`` value when neither levels nor height is known. Unknown and
# generic types ("yes") get UNKNOWN_LEVELS: a low-rise urban guess rather than a village house.
DEFAULT_LEVELS: dict[str, float] = {
    "apartments": 6,
    "residential": 6,
    "dormitory": 5,
    "terrace": 3,
    "house": 2,
    "detached": 2,
    "semidetached_house": 2,
    "farm": 2,
    "bungalow": 1,
    "static_caravan": 1,
}
UNKNOWN_LEVELS = 4.0

# Building types that never hold households (schools, shops, offices, sheds, ...).
NON_RESIDENTIAL: frozenset[str] = frozenset(
    {
        "commercial",
        "retail",
        "office",
        "industrial",
        "warehouse",
        "supermarket",
        "kiosk",
        "school",
        "kindergarten",
        "university",
        "college",
        "hospital",
        "clinic",
        "church",
        "mosque",
        "temple",
        "chapel",
        "cathedral",
        "religious",
        "shrine",
        "public",
        "civic",
        "government",
        "fire_station",
        "police",
        "train_station",
        "transportation",
        "parking",
        "garage",
        "garages",
        "carport",
        "shed",
        "roof",
        "hut",
        "cabin",
        "service",
        "hangar",
        "barn",
        "stable",
        "greenhouse",
        "toilets",
        "bunker",
        "construction",
        "ruins",
        "sports_hall",
        "sports_centre",
        "stadium",
        "pavilion",
        "hotel",
        "museum",
        "theatre",
        "power",
        "substation",
        "water_tower",
        "tower",
        "bridge",
        "gatehouse",
        "boathouse",
    }
)

# Column names tried, in order, when the caller names none.
HOUSEHOLD_COLUMNS = ("households", "household", "hh")
LEVEL_COLUMNS = ("levels", "building:levels", "building_levels", "floors")
HEIGHT_COLUMNS = ("height", "building:height")
TYPE_COLUMNS = ("type", "building")


def estimate_households(
    buildings: gpd.GeoDataFrame,
    *,
    households: str | None = None,
    levels: str | None = None,
    height: str | None = None,
    type_col: str | None = None,
    source: str | None = None,
) -> gpd.GeoDataFrame:
    """A copy of ``buildings`` with ``households`` (int) and ``households_estimated`` (bool).

    Column arguments name the input fields; when None, the usual names are tried. Given counts
    are kept; a non-numeric or negative given count raises InputError naming the feature.
    """
    hh_col = _column(buildings, households, HOUSEHOLD_COLUMNS, source)
    lv_col = _column(buildings, levels, LEVEL_COLUMNS, source)
    ht_col = _column(buildings, height, HEIGHT_COLUMNS, source)
    ty_col = _column(buildings, type_col, TYPE_COLUMNS, source)

    given = _given_households(buildings, hh_col, source)
    est_levels = building_levels(buildings, levels=lv_col, height=ht_col, type_col=ty_col)
    area = footprint_area(buildings)
    types = _types(buildings, ty_col)
    residential = ~types.isin(NON_RESIDENTIAL).to_numpy() & (area >= MIN_RESIDENTIAL_AREA)
    estimate = np.where(
        residential, np.maximum(1, np.rint(area * est_levels / AREA_PER_HOUSEHOLD)), 0
    )
    has_given = given.notna().to_numpy()
    out = buildings.copy()
    out["households"] = np.where(has_given, given.fillna(0).to_numpy(), estimate).astype("int64")
    out["households_estimated"] = ~has_given
    return out


def building_levels(
    buildings: pd.DataFrame,
    *,
    levels: str | None,
    height: str | None,
    type_col: str | None,
) -> np.ndarray:
    """Levels per building: the levels field, else height ÷ 3 m, else the type's default."""
    n = len(buildings)
    lv = (
        _positive_numbers(buildings[levels]) if levels else pd.Series(np.nan, index=buildings.index)
    )
    ht = (
        _positive_numbers(buildings[height]) if height else pd.Series(np.nan, index=buildings.index)
    )
    by_height = np.maximum(1.0, np.rint(ht.to_numpy() / METRES_PER_LEVEL))
    default = _types(buildings, type_col).map(DEFAULT_LEVELS).fillna(UNKNOWN_LEVELS).to_numpy()
    result = np.where(lv.notna(), lv.to_numpy(), np.where(ht.notna(), by_height, default))
    return result.astype(float).reshape(n)


def footprint_area(buildings: gpd.GeoDataFrame) -> np.ndarray:
    """Footprint areas in m², measured in the metric CRS of the buildings' area."""
    gdf = buildings if buildings.crs is not None else buildings.set_crs(WGS84)
    if gdf.crs.is_projected:
        return gdf.geometry.area.to_numpy()
    return to_metric(gdf).geometry.area.to_numpy()


def _column(
    df: pd.DataFrame, name: str | None, candidates: tuple[str, ...], source: str | None
) -> str | None:
    """The named column (which must exist), or the first candidate present, or None."""
    if name is not None:
        if name not in df.columns:
            raise InputError(
                f"no such field; fields are {', '.join(map(str, df.columns))}",
                source=source,
                field=name,
            )
        return name
    return next((c for c in candidates if c in df.columns), None)


def _types(df: pd.DataFrame, type_col: str | None) -> pd.Series:
    """Building types as lower-case strings ('' when unknown)."""
    if type_col is None:
        return pd.Series("", index=df.index)
    return df[type_col].astype("string").str.strip().str.lower().fillna("")


def _positive_numbers(values: pd.Series) -> pd.Series:
    """Leading numbers of messy values such as '5', '5.5', '6;7', '12 m'; NaN if absent or ≤ 0."""
    numbers = pd.to_numeric(
        values.astype("string")
        .str.extract(r"^\s*(\d+(?:[.,]\d+)?)", expand=False)
        .str.replace(",", ".", regex=False),
        errors="coerce",
    )
    return numbers.where(numbers > 0).astype(float)


def _given_households(df: pd.DataFrame, col: str | None, source: str | None) -> pd.Series:
    """Given household counts (NaN where missing); raises InputError on a malformed count."""
    if col is None:
        return pd.Series(np.nan, index=df.index)
    raw = df[col]
    values = pd.to_numeric(raw, errors="coerce")
    bad = (raw.notna() & values.isna()) | (values < 0) | (values.notna() & (values % 1 != 0))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"household count {raw.iloc[pos]!r} is not a whole number ≥ 0",
            source=source,
            feature=_feature_id(df, pos),
            field=col,
        )
    return values.astype(float)


def _feature_id(df: pd.DataFrame, pos: int) -> object:
    """The feature's ``id`` value when the data has one, else its 0-based row position."""
    if "id" in df.columns and pd.notna(df["id"].iloc[pos]):
        return df["id"].iloc[pos]
    return pos
