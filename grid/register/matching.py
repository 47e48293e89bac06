"""Matching import rows to buildings: by standard address, else by a lon/lat inside a footprint.

A building's ``address`` attribute and a row's address are both reduced to ``building_key``
(road + door number + building); a key shared by two buildings is ambiguous and matches neither,
so such rows fall back to their coordinates. Points are looked up in one STRtree query.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from grid.register.addresses import building_keys, normalise_address, parse_addresses
from grid.register.problems import Problems
from grid.register.text import frame_per_distinct, numbers, texts

PART_MARKERS = {"building": "号楼", "unit": "单元", "floor": "层", "room": "室"}
NO_MATCH = "address '{}' matches no building"
NO_MATCH_AT_ALL = NO_MATCH + " and its lon/lat lies in none"
_MARKER_TAIL = r"(?:号楼|号栋|号座|号|栋|幢|座|楼|单元|门|层|室|户|房)+$"


@dataclass(frozen=True)
class Match:
    """Per row: the building id (or NA), how it matched ("address", "point" or None), and the
    row's address parts and building key."""

    building_id: pd.Series
    matched_by: pd.Series
    parts: pd.DataFrame
    keys: pd.Series


def address_parts(rows: pd.DataFrame) -> pd.DataFrame:
    """The address parts of each row: parsed from ``address``, with the separate building, unit,
    floor and room columns (e.g. "3栋", "二单元", "301") taking precedence where filled."""
    parts = parse_addresses(rows["address"])
    overridden = False
    for part, marker in PART_MARKERS.items():
        if part not in rows.columns:
            continue
        given = texts(rows[part]).str.strip()
        filled = (given != "").to_numpy()
        if not filled.any():
            continue
        value = frame_per_distinct(given[filled], partial(_part_values, marker=marker))
        parts.loc[filled, part] = value["value"].to_numpy()
        overridden = True
    if not overridden:
        return parts
    room = texts(parts["room"])
    derive = (parts["floor"].isna() & room.str.fullmatch(r"[0-9]{3,}")).to_numpy()
    if derive.any():
        floors = room[derive].str[:-2].astype("int64").astype(str).to_numpy(dtype=object)
        parts.loc[derive, "floor"] = floors
    return parts


def _part_values(values: pd.Series, marker: str) -> pd.DataFrame:
    """Distinct values of a part column in normal form without their marker ("三栋" → "3")."""
    bare = values.str.replace(_MARKER_TAIL, "", regex=True)
    normal = pd.Series([normalise_address(f"{b}{marker}") for b in bare], index=values.index)
    value = normal.str.extract(rf"^(.*?){marker}$", expand=False)
    value = value.where(value.notna() & (value != ""), bare)
    return pd.DataFrame({"value": value.where(value != "", None)}, index=values.index)


def building_address_keys(buildings: gpd.GeoDataFrame) -> dict[str, object]:
    """Each unambiguous building key of the buildings' ``address`` column → building id."""
    if "address" not in buildings.columns or buildings.empty:
        return {}
    keys = building_keys(parse_addresses(buildings["address"].reset_index(drop=True)))
    ids = buildings["id"].reset_index(drop=True)
    counts = keys.map(keys.value_counts())
    keep = (keys != "") & (counts == 1)
    return dict(zip(keys[keep], ids[keep], strict=True))


def match_buildings(rows: pd.DataFrame, buildings: gpd.GeoDataFrame, problems: Problems) -> Match:
    """Match each row to a building (address first, then lon/lat), recording bad coordinates and
    unmatched rows in ``problems``."""
    parts = address_parts(rows)
    keys = building_keys(parts)
    by_key = building_address_keys(buildings)
    found = pd.Index(list(by_key), dtype=object).get_indexer(keys.to_numpy(dtype=object))
    ids = np.full(len(rows), None, dtype=object)
    ids[found >= 0] = np.array(list(by_key.values()), dtype=object)[found[found >= 0]]
    building_id = pd.Series(ids, index=rows.index, dtype=object)
    how = np.full(len(rows), None, dtype=object)
    how[found >= 0] = "address"
    matched_by = pd.Series(how, index=rows.index, dtype=object)
    lon, lat, has_point = _coordinates(rows, problems)
    todo = building_id.isna().to_numpy() & has_point
    if todo.any() and not buildings.empty:
        found = _point_in_footprint(lon[todo], lat[todo], buildings)
        hit = np.flatnonzero(todo)[found >= 0]
        building_id.iloc[hit] = buildings["id"].to_numpy(dtype=object)[found[found >= 0]]
        matched_by.iloc[hit] = "point"
    unmatched = building_id.isna().to_numpy()
    written = (texts(rows["address"]) != "").to_numpy()
    address = rows["address"].to_numpy(dtype=object)
    problems.add(unmatched & written & ~has_point, "address", NO_MATCH, address)
    problems.add(unmatched & written & has_point, "address", NO_MATCH_AT_ALL, address)
    problems.add(unmatched & ~written & has_point, "address", "lon/lat lies in no building")
    problems.add(unmatched & ~written & ~has_point, "address", "no address and no lon/lat given")
    return Match(building_id, matched_by, parts, keys)


def _coordinates(
    rows: pd.DataFrame, problems: Problems
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Longitudes, latitudes and which rows have a usable point; bad numbers are problems."""
    given = {}
    for axis, limit in (("lon", 180.0), ("lat", 90.0)):
        text = texts(rows[axis]).str.strip()
        value = numbers(text)
        bad_number = (text != "").to_numpy() & np.isnan(value)
        out_of_range = np.abs(np.nan_to_num(value)) > limit
        problems.add(bad_number, axis, f"{axis} is not a number")
        problems.add(out_of_range, axis, f"{axis} is out of range (±{limit:g})")
        value[bad_number | out_of_range] = np.nan
        given[axis] = value
    has = ~np.isnan(given["lon"]) & ~np.isnan(given["lat"])
    return given["lon"], given["lat"], has


def _point_in_footprint(
    lon: np.ndarray, lat: np.ndarray, buildings: gpd.GeoDataFrame
) -> np.ndarray:
    """For each point, the position of a building footprint holding it (the smallest, where
    footprints overlap), else -1."""
    geoms = np.asarray(buildings.geometry.values, dtype=object)
    tree = shapely.STRtree(geoms)
    pi, bi = tree.query(shapely.points(lon, lat), predicate="intersects")
    out = np.full(len(lon), -1, dtype=np.int64)
    if len(pi):
        order = np.lexsort((shapely.area(geoms[bi]), pi))
        pi, bi = pi[order], bi[order]
        first = np.r_[True, pi[1:] != pi[:-1]]
        out[pi[first]] = bi[first]
    return out
