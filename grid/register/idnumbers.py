"""Resident identity card numbers (GB 11643-1999): normalising and checking, one or many.

An ID number has 18 characters: a 6-digit region code (first two digits a province), an 8-digit
birth date, a 3-digit sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check
character (0–9 or X). ``id_number_errors`` checks a whole column at once with numpy.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from grid.register.text import compact, per_distinct

WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
CHECK_CHARS = "10X98765432"
# Province-level codes (the first two digits) in use: mainland provinces, Taiwan, Hong Kong,
# Macau and 91 for foreigners' permanent residence cards of the old series.
PROVINCES: frozenset[str] = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83 91".split()
)
EARLIEST_BIRTH = date(1890, 1, 1)
SHAPE = re.compile(r"[0-9]{17}[0-9X]")


def normalise_id(value: object) -> str:
    """``value`` as an ID number is stored: full-width characters made half-width, spaces
    removed, a lower-case check ``x`` made upper case."""
    return compact(value)


def check_char(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits of an ID number."""
    digits = np.frombuffer(first17.encode("ascii"), dtype=np.uint8).astype(np.int64) - 48
    return CHECK_CHARS[int(digits @ WEIGHTS) % 11]


def id_number_error(value: object, today: date | None = None) -> str | None:
    """Why ``value`` is not a valid ID number, or None when it is one."""
    return id_number_errors(pd.Series([value], dtype=object), today=today).iloc[0]


def id_number_errors(values: pd.Series, today: date | None = None) -> pd.Series:
    """For each value, why it is not a valid ID number, or None when it is; same index.

    Checked in order: 18 characters, digits with a final digit or X, province code, real birth
    date neither in the future nor before 1890, check character.
    """
    ids = normalise_ids(values)
    out = np.full(len(ids), None, dtype=object)
    arr = ids.to_numpy(dtype=object)
    lengths = ids.str.len().to_numpy()
    bad_len = lengths != 18
    out[bad_len] = [f"ID number must have 18 characters, not {n}" for n in lengths[bad_len]]
    shaped = ~bad_len & ids.str.fullmatch(SHAPE).to_numpy(dtype=bool)
    out[~bad_len & ~shaped] = "ID number must be 17 digits and a final digit or X"
    province = ids.str[:2].isin(PROVINCES).to_numpy()
    out[shaped & ~province] = [
        f"region code {a[:2]} is not a Chinese province" for a in arr[shaped & ~province]
    ]
    left = shaped & province
    born = pd.to_datetime(ids.str[6:14].where(left), format="%Y%m%d", errors="coerce")
    limit = pd.Timestamp(today or date.today())
    bad_date = left & born.isna().to_numpy()
    out[bad_date] = [f"birth date {a[6:14]} is not a real date" for a in arr[bad_date]]
    out_of_range = left & ~bad_date & ((born > limit) | (born < pd.Timestamp(EARLIEST_BIRTH)))
    out[out_of_range.to_numpy()] = [
        f"birth date {a[6:14]} is impossible (in the future or before 1890)"
        for a in arr[out_of_range.to_numpy()]
    ]
    left = left & ~bad_date & ~out_of_range.to_numpy()
    expected = _check_chars(arr[left])
    given = np.array([a[17] for a in arr[left]], dtype=object)
    wrong = given != expected
    idx = np.flatnonzero(left)[wrong]
    out[idx] = [
        f"invalid ID checksum: check character is {g}, should be {e}"
        for g, e in zip(given[wrong], expected[wrong], strict=True)
    ]
    return pd.Series(out, index=values.index, dtype=object)


def normalise_ids(values: pd.Series) -> pd.Series:
    """``normalise_id`` over a column (NFKC, no spaces, upper case); missing values become ""."""
    return per_distinct(values, compact)


def _check_chars(ids: np.ndarray) -> np.ndarray:
    """The expected check characters of well-shaped 18-character IDs, computed as one matrix."""
    if not len(ids):
        return np.array([], dtype=object)
    raw = np.frombuffer("".join(i[:17] for i in ids).encode("ascii"), dtype=np.uint8)
    digits = raw.reshape(len(ids), 17).astype(np.int64) - 48
    return np.array(list(CHECK_CHARS), dtype=object)[(digits @ WEIGHTS) % 11]


def birth_date(id_number: str) -> date:
    """The birth date written in a (valid) ID number."""
    n = normalise_id(id_number)
    return date(int(n[6:10]), int(n[10:12]), int(n[12:14]))


def sex(id_number: str) -> str:
    """The sex written in a (valid) ID number, "male" or "female" (17th digit odd or even)."""
    return "male" if int(normalise_id(id_number)[16]) % 2 else "female"


def make_id(region: str, born: date, sequence: int) -> str:
    """A valid ID number for a 6-digit ``region``, a birth date and a 3-digit ``sequence``
    (for demo data and tests)."""
    first17 = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_char(first17)
