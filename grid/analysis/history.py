"""Point + time → the cell in force at that time, for records counted across redraws (DESIGN §2).

Cells carry validity dates ``[valid_from, valid_to)`` (no start: always; no end: still in force).
The breakpoints of all those dates cut time into epochs in which the set of cells in force does
not change; each epoch gets one ``grid.analysis.assign.CellIndex`` (built when first asked), and a
batch of points is answered epoch by epoch — a loop over epochs, never over points. Cells are
ordered by code then start, as the server's cell cache orders them, so a point on a shared edge
goes to the same cell here and there.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from grid.analysis.assign import CellIndex
from grid.errors import InputError

_NEVER = np.iinfo(np.int64).max
_ALWAYS = np.iinfo(np.int64).min


def utc_ns(times: ArrayLike, field: str = "time") -> NDArray[np.int64]:
    """Times as int64 nanoseconds UTC (naive times are taken as UTC); NaT stays NaT's value."""
    try:
        t = pd.to_datetime(pd.Series(np.asarray(times)) if not isinstance(times, pd.Series)
                           else times, utc=True)
    except (ValueError, TypeError) as exc:
        raise InputError(f"not a date-time: {exc}", field=field) from exc
    return t.dt.tz_convert(None).astype("datetime64[ns]").to_numpy().view(np.int64)


class CellHistory:
    """Every version of every cell, answering "which cell held this point at that time?"."""

    def __init__(self, cells: gpd.GeoDataFrame, id_col: str = "code") -> None:
        """Index ``cells`` (``id_col``, geometry, optional ``valid_from``/``valid_to``)."""
        if id_col not in cells.columns or len(cells) == 0:
            raise InputError(f"cells need a non-empty '{id_col}' column", field=id_col)
        n = len(cells)
        start = (utc_ns(cells["valid_from"], "valid_from") if "valid_from" in cells.columns
                 else np.full(n, _ALWAYS))
        end = (utc_ns(cells["valid_to"], "valid_to") if "valid_to" in cells.columns
               else np.full(n, _NEVER))
        nat = np.iinfo(np.int64).min  # NaT's int64 value
        start = np.where(start == nat, _ALWAYS, start)
        end = np.where(end == nat, _NEVER, end)
        codes = cells[id_col].astype(str).to_numpy(dtype=object)
        order = np.lexsort((start, codes))
        self.codes, self.start, self.end = codes[order], start[order], end[order]
        self.geoms = np.asarray(cells.geometry.values, dtype=object)[order]
        edges = np.concatenate([self.start, self.end])
        self.breaks = np.unique(edges[(edges != _ALWAYS) & (edges != _NEVER)])
        self._indexes: dict[int, tuple[CellIndex | None, NDArray[np.int64]]] = {}

    def __getstate__(self) -> dict:
        """Pickled without the built indexes (a worker builds its own when first asked)."""
        state = dict(self.__dict__)
        state["_indexes"] = {}
        return state

    def epoch(self, t_ns: NDArray[np.int64]) -> NDArray[np.int64]:
        """The epoch of each time: epoch e spans [breaks[e-1], breaks[e])."""
        return np.searchsorted(self.breaks, t_ns, side="right")

    def _index(self, e: int) -> tuple[CellIndex | None, NDArray[np.int64]]:
        """The index over the cells in force in epoch ``e``, and their positions."""
        if e not in self._indexes:
            at = _ALWAYS if e == 0 else self.breaks[e - 1]
            live = np.flatnonzero((self.start <= at) & (self.end > at))
            index = CellIndex(self.geoms[live], live) if live.size else None
            self._indexes[e] = (index, live)
        return self._indexes[e]

    def positions(self, x: ArrayLike, y: ArrayLike, t_ns: ArrayLike) -> NDArray[np.int64]:
        """The position in ``self.codes`` of the cell in force at each time holding each point;
        -1 for none (and for a missing time)."""
        xa, ya = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        ta = np.asarray(t_ns, dtype=np.int64)
        out = np.full(xa.size, -1, dtype=np.int64)
        epochs = self.epoch(ta)
        epochs[ta == np.iinfo(np.int64).min] = -1  # no time (NaT): no cell
        for e in np.unique(epochs[epochs >= 0]):  # a loop over epochs, not over points
            index, live = self._index(int(e))
            if index is None:
                continue
            m = np.flatnonzero(epochs == e)
            pos = index.positions(xa[m], ya[m])
            hit = pos >= 0
            out[m[hit]] = live[pos[hit]]
        return out

    def lookup(self, x: ArrayLike, y: ArrayLike, t_ns: ArrayLike) -> NDArray[np.object_]:
        """The code of the cell in force at each time holding each point; None for none (and for
        a missing time)."""
        with_none = np.append(self.codes, np.array([None], dtype=object))
        return with_none[self.positions(x, y, t_ns)]

    def categories(self, x: ArrayLike, y: ArrayLike, t_ns: ArrayLike) -> pd.Categorical:
        """``lookup`` as a categorical over the distinct codes (no string made per point)."""
        names, of = np.unique(self.codes.astype(str), return_inverse=True)
        pos = self.positions(x, y, t_ns)
        return pd.Categorical.from_codes(np.where(pos >= 0, of[pos], -1), categories=names)
