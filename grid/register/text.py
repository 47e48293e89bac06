"""Text folding shared by the register's validators: half-width, no spaces, upper case."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd

MAX_PASSES = 4


def as_text(value: object) -> str:
    """A cell as text: "" for a missing value (None, NaN, NA, NaT), else ``str(value)``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:  # NaN, numpy's included
        return ""
    return str(value)


def compact(value: object) -> str:
    """``value`` as text with full-width characters made half-width (NFKC), every space removed
    and letters upper case; repeated until stable, so folding twice changes nothing."""
    text = as_text(value)
    for _ in range(MAX_PASSES):
        again = unicodedata.normalize("NFKC", "".join(text.split()).upper())
        again = unicodedata.normalize("NFKC", "".join(again.split()))
        if again == text:
            break
        text = again
    return text


def with_none(values: pd.Series) -> pd.Series:
    """An object column with None (not NaN) for each missing value, as callers store it."""
    out = values.to_numpy(dtype=object, copy=True)
    out[pd.isna(out)] = None
    return pd.Series(out, index=values.index, dtype=object)


def texts(values: pd.Series) -> pd.Series:
    """A column as Arrow-backed text (pandas "str"), "" where missing, so string operations run
    in compiled code rather than per Python object."""
    if values.dtype == "str":
        return values.fillna("")
    return values.astype(object).where(values.notna(), "").astype(str).astype("str")


def per_distinct(values: pd.Series, func: Callable[[object], object]) -> pd.Series:
    """``func`` applied once per distinct value of a column (missing values as ""), spread back
    over the column; same index. Register columns repeat values heavily (addresses, types)."""
    codes, uniques = pd.factorize(texts(values))
    mapped = np.empty(len(uniques) + 1, dtype=object)
    for k, value in enumerate([*uniques, ""]):  # one call per distinct value, never per row
        mapped[k] = func(value)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def frame_per_distinct(
    values: pd.Series, func: Callable[[pd.Series], pd.DataFrame]
) -> pd.DataFrame:
    """``func`` (a column → frame function) run on the distinct values of a column only, its
    rows spread back over the column; same index."""
    codes, uniques = pd.factorize(texts(values))
    frame = func(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
    return frame.iloc[codes].set_axis(values.index)


def numbers(values: pd.Series) -> np.ndarray:
    """Text cells as floats (NaN where empty or not a number), parsed once per distinct text."""
    codes, uniques = pd.factorize(texts(values))
    parsed = pd.to_numeric(pd.Series(np.asarray(uniques, dtype=object)), errors="coerce")
    return parsed.to_numpy(dtype=float)[codes].copy()
