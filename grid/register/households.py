"""Household counts per building from a checked register, replacing the footprint estimate.

Where a building has registered households, their number is its count (``households_source``
"register", not estimated); a building without keeps its given or estimated count and flag
(source "given" or "estimated"), so partitions and KPIs use the register wherever it exists.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd


def households_per_building(people: pd.DataFrame) -> pd.Series:
    """Distinct registered households per matched building id (from ``RegisterCheck.people``)."""
    matched = people[people["building_id"].notna()]
    return matched.groupby(matched["building_id"].astype(object))["household_key"].nunique()


def register_households(buildings: gpd.GeoDataFrame, people: pd.DataFrame) -> gpd.GeoDataFrame:
    """A copy of ``buildings`` (with ``id``, ``households``, ``households_estimated``) whose
    counts come from the register where it has households, with ``households_source``."""
    counts = households_per_building(people)
    out = buildings.copy()
    registered = pd.Index(counts.index, dtype=object).get_indexer(out["id"].to_numpy(dtype=object))
    has = registered >= 0
    estimated = out["households_estimated"].to_numpy(dtype=bool).copy()
    households = out["households"].to_numpy(dtype=np.int64).copy()
    households[has] = counts.to_numpy(dtype=np.int64)[registered[has]]
    estimated[has] = False
    out["households"] = households
    out["households_estimated"] = estimated
    out["households_source"] = np.where(has, "register", np.where(estimated, "estimated", "given"))
    return out
