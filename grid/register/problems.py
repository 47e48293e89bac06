"""Problems found in an import file: each names its spreadsheet row, the field and the reason.

Checks are column-wise: each yields a mask of bad rows and their reasons; ``collect`` turns the
masks into ``Problem`` objects (only the bad rows are visited), in row order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from grid.errors import InputError

MAX_LISTED = 20  # problems spelled out in an error message before a count of the rest


@dataclass(frozen=True)
class Problem:
    """One bad cell or row: spreadsheet ``row``, our column name ``field``, and why."""

    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.reason}"


class Problems:
    """Problems gathered check by check over the rows of one file."""

    def __init__(self, rows: pd.Series) -> None:
        self.rows = rows.to_numpy(dtype=np.int64)
        self.parts: list[pd.DataFrame] = []

    def add(
        self,
        mask: pd.Series | np.ndarray,
        field: str,
        reason: str | pd.Series,
        values: pd.Series | np.ndarray | None = None,
    ) -> None:
        """Record ``reason`` for ``field`` on the rows in ``mask``: one text per row (a Series),
        or one text whose ``{}`` is filled, for the bad rows only, from their ``values``."""
        bad = np.asarray(mask, dtype=bool)
        if not bad.any():
            return
        if isinstance(reason, pd.Series | np.ndarray):
            why = np.asarray(reason, dtype=object)[bad]
        elif values is not None:
            why = np.array([reason.format(v) for v in np.asarray(values, dtype=object)[bad]])
        else:
            why = np.full(int(bad.sum()), reason, dtype=object)
        self.parts.append(pd.DataFrame({"row": self.rows[bad], "field": field, "reason": why}))

    def collect(self) -> list[Problem]:
        """All problems, by row then in the order the checks ran."""
        if not self.parts:
            return []
        frame = pd.concat(self.parts, ignore_index=True)
        frame = frame.iloc[np.argsort(frame["row"].to_numpy(), kind="stable")]
        return [
            Problem(int(r), str(f), str(w))
            for r, f, w in zip(frame["row"], frame["field"], frame["reason"], strict=True)
        ]


def raise_problems(problems: list[Problem], source: str, noun: str) -> None:
    """Raise InputError listing the first problems (and a count of the rest), if any."""
    if not problems:
        return
    lines = [f"  {p}" for p in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(f"  ... and {len(problems) - MAX_LISTED} more")
    count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
    raise InputError(f"{noun} not imported ({count}):\n" + "\n".join(lines), source=source)


def first_rows(keys: pd.Series) -> pd.Series:
    """For each row, the position of the first row with the same key (itself when first)."""
    codes, _ = pd.factorize(keys, use_na_sentinel=False)
    _, first = np.unique(codes, return_index=True)
    return pd.Series(first[codes].astype(np.int64), index=keys.index)
