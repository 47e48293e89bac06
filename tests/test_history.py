"""Point + time → the cell in force then (``grid.analysis.history.CellHistory``): validity is
[valid_from, valid_to), a missing time or a point outside gives no cell, ties go to the first cell
by code then start, as the server's cell cache orders them."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from grid.analysis.history import CellHistory, utc_ns

T0, T1 = pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2025-01-01", tz="UTC")


def versions() -> gpd.GeoDataFrame:
    """Two cells side by side until T1, then one cell over both (a redraw)."""
    left, right, both = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(0, 0, 2, 1)
    return gpd.GeoDataFrame({
        "code": ["B", "A", "C"],
        "valid_from": [T0, T0, T1],
        "valid_to": pd.Series([T1, T1, pd.NaT], dtype="datetime64[ns, UTC]"),
    }, geometry=[right, left, both], crs=4326)


def test_each_time_gets_the_cells_in_force_then() -> None:
    h = CellHistory(versions())
    x = np.array([0.5, 1.5, 0.5, 1.5, 0.5, 5.0])
    t = utc_ns(pd.Series([T0, T0, T1, T1 - pd.Timedelta(1, "ns"),
                          T0 - pd.Timedelta(1, "s"), T1]))
    assert h.lookup(x, np.full(6, 0.5), t).tolist() == ["A", "B", "C", "B", None, None]


def test_a_point_on_a_shared_edge_goes_to_the_first_code() -> None:
    h = CellHistory(versions())
    assert h.lookup([1.0], [0.5], utc_ns(pd.Series([T0])))[0] == "A"


def test_a_missing_time_gives_no_cell() -> None:
    h = CellHistory(versions())
    t = utc_ns(pd.Series([pd.NaT, T1], dtype="datetime64[ns, UTC]"))
    assert h.lookup([0.5, 0.5], [0.5, 0.5], t).tolist() == [None, "C"]
    cats = h.categories([0.5, 0.5], [0.5, 0.5], t)
    assert cats.isna().tolist() == [True, False] and list(cats.categories) == ["A", "B", "C"]


def test_cells_without_dates_are_always_in_force() -> None:
    cells = versions().drop(columns=["valid_from", "valid_to"]).iloc[:2]
    h = CellHistory(cells)
    t = utc_ns(pd.Series([T0 - pd.Timedelta(days=9000), T1 + pd.Timedelta(days=9000)]))
    assert h.lookup([1.5, 0.5], [0.5, 0.5], t).tolist() == ["B", "A"]
