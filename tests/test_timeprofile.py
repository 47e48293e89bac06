"""Time profile: weekly counts aligned to the period start, the hour × weekday matrix."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from grid.analysis.timeprofile import HOUR_COLUMNS, hour_sums, hour_weekday, weekly
from grid.errors import InputError


def frame() -> pd.DataFrame:
    """Three days of counts: 2 at 08:00 on 1 June, 1 at 23:00 on 7 June, 4 at 08:00 on 8 June."""
    rows = np.zeros((3, 24), dtype=int)
    rows[0, 8], rows[1, 23], rows[2, 8] = 2, 1, 4
    out = pd.DataFrame(rows, columns=list(HOUR_COLUMNS))
    out.insert(0, "day", [date(2022, 6, 1), date(2022, 6, 7), date(2022, 6, 8)])
    return out


def test_weekly_counts_start_at_the_period_start_and_fill_empty_weeks() -> None:
    f = frame()
    got = weekly(f["day"], hour_sums(f, None), date(2022, 6, 1), date(2022, 7, 1))
    assert got["count"].tolist() == [3, 4, 0, 0, 0] and got["week"].iloc[1] == date(2022, 6, 8)
    morning = weekly(f["day"], hour_sums(f, [8]), date(2022, 6, 1), date(2022, 6, 15))
    assert morning["count"].tolist() == [2, 4]
    with pytest.raises(InputError):
        weekly(f["day"], hour_sums(f, None), date(2022, 6, 2), date(2022, 6, 1))


def test_hour_weekday_matrix_puts_each_count_in_its_slot() -> None:
    f = frame()
    wd = pd.to_datetime(f["day"]).dt.day_of_week.to_numpy()  # Wed, Tue, Wed
    m = hour_weekday(wd, f)
    assert m.sum() == 7 and m[2, 8] == 6 and m[1, 23] == 1
    with pytest.raises(InputError):
        hour_weekday(wd, f.drop(columns="h05"))
