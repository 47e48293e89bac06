"""When records happen: counts per week of a period (set against the same weeks a year before),
per local hour × weekday, and per category — the police view's charts, computed from a frame of
daily counts with 24 hour columns (the heat pre-aggregate's shape), never from raw records.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from grid.errors import InputError

HOUR_COLUMNS = tuple(f"h{h:02d}" for h in range(24))


def _check(frame: pd.DataFrame, needed: Sequence[str]) -> None:
    """Refuse a frame missing one of the ``needed`` columns."""
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(f"missing column '{missing[0]}'", source="counts", field=missing[0])


def hour_sums(frame: pd.DataFrame, hours: Sequence[int] | None) -> NDArray[np.int64]:
    """Each row's count in the chosen local ``hours`` (all 24 when None)."""
    _check(frame, HOUR_COLUMNS)
    cols = list(HOUR_COLUMNS) if hours is None else [HOUR_COLUMNS[h] for h in hours]
    return frame[cols].to_numpy(np.int64).sum(axis=1)


def weekly(
    days: Sequence[date] | pd.Series, counts: NDArray[np.int64], start: date, end: date
) -> pd.DataFrame:
    """Counts per 7-day week from ``start`` (the period's first day, so the same weeks a year
    earlier line up) to ``end`` (exclusive): ``week`` (first day) and ``count``, empty weeks 0."""
    if end <= start:
        raise InputError(f"end {end} is not after start {start}", field="to")
    n = -(-(end - start).days // 7)
    offset = (pd.to_datetime(pd.Series(days)) - pd.Timestamp(start)).dt.days.to_numpy()
    inside = (offset >= 0) & (offset < (end - start).days)
    per = np.bincount(offset[inside] // 7, weights=np.asarray(counts)[inside], minlength=n)
    weeks = pd.date_range(start, periods=n, freq="7D").date
    return pd.DataFrame({"week": weeks, "count": per[:n].astype(np.int64)})


def hour_weekday(weekdays: NDArray[np.int64], frame: pd.DataFrame) -> NDArray[np.int64]:
    """A 7 × 24 matrix of counts: local weekday (0 = Monday) by local hour."""
    _check(frame, HOUR_COLUMNS)
    out = np.zeros((7, 24), dtype=np.int64)
    np.add.at(
        out, np.asarray(weekdays, dtype=np.int64), frame[list(HOUR_COLUMNS)].to_numpy(np.int64)
    )
    return out
