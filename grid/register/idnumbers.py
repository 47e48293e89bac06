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

from grid.register.text import compact, per_distinct, texts

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
    lengths = ids.str.len().to_numpy()
    bad_len = lengths != 18
    out[bad_len] = [f"ID number must have 18 characters, not {n}" for n in lengths[bad_len]]
    shaped = ~bad_len & ids.str.fullmatch(SHAPE).to_numpy(dtype=bool)
    out[~bad_len & ~shaped] = "ID number must be 17 digits and a final digit or X"
    province = ids.str[:2].isin(PROVINCES).to_numpy()
    out[shaped & ~province] = [
        f"region code {a[:2]} is not a Chinese province" for a in ids[shaped & ~province]
    ]
    left = shaped & province
    digits = _digits(ids[left])
    day = _birth_days(digits)
    real = ~np.isnat(day)
    limit = np.datetime64(today or date.today(), "D")
    possible = real & (day <= limit) & (day >= np.datetime64(EARLIEST_BIRTH, "D"))
    where = np.flatnonzero(left)
    shown = ids[left].str[6:14].to_numpy(dtype=object)
    out[where[~real]] = [f"birth date {b} is not a real date" for b in shown[~real]]
    out[where[real & ~possible]] = [
        f"birth date {b} is impossible (in the future or before 1890)"
        for b in shown[real & ~possible]
    ]
    expected = np.frombuffer(CHECK_CHARS.encode("ascii"), np.uint8)[
        (digits[:, :17].astype(np.int64) @ WEIGHTS) % 11
    ]
    wrong = possible & (digits[:, 17] + 48 != expected)
    out[where[wrong]] = [
        f"invalid ID checksum: check character is {chr(g + 48)}, should be {chr(e)}"
        for g, e in zip(digits[wrong, 17], expected[wrong], strict=True)
    ]
    return pd.Series(out, index=values.index, dtype=object)


def _digits(ids: pd.Series) -> np.ndarray:
    """Well-shaped 18-character IDs as an (n, 18) matrix of digit values (X as 40)."""
    raw = "".join(ids.to_numpy(dtype=object)).encode("ascii")
    return (np.frombuffer(raw, dtype=np.uint8).reshape(len(ids), 18) - 48).astype(np.int64)


def birth_dates(ids: pd.Series, valid: np.ndarray) -> pd.Series:
    """The birth dates written in the ``valid`` ID numbers of a column (NaT elsewhere)."""
    ymd = np.zeros(len(ids), dtype=np.int64)
    ymd[valid] = ids[valid].str[6:14].astype("int64").to_numpy()
    day = np.where(valid, _ymd_days(ymd), np.datetime64("NaT", "D"))
    return pd.Series(day.astype("datetime64[s]"), index=ids.index)


def _birth_days(digits: np.ndarray) -> np.ndarray:
    """The birth dates (datetime64[D]) in ID digit rows, NaT where the date does not exist."""
    return _ymd_days(digits[:, 6:14] @ (10 ** np.arange(7, -1, -1)))


def _ymd_days(ymd: np.ndarray) -> np.ndarray:
    """Dates written as integers YYYYMMDD as datetime64[D], NaT where no such date exists."""
    year, month, dom = ymd // 10000, ymd // 100 % 100, ymd % 100
    ok = (month >= 1) & (month <= 12) & (dom >= 1) & (year >= 1000)
    start = (np.where(ok, year, 1970) - 1970) * 12 + np.where(ok, month, 1) - 1
    first = start.astype("datetime64[M]").astype("datetime64[D]")
    day = first + (np.where(ok, dom, 1) - 1).astype("timedelta64[D]")
    same_month = day.astype("datetime64[M]") == first.astype("datetime64[M]")
    return np.where(ok & same_month, day, np.datetime64("NaT", "D"))


def normalise_ids(values: pd.Series) -> pd.Series:
    """``normalise_id`` over a column (NFKC, no spaces, upper case); missing values become "".
    Plain ASCII letters and digits (nearly every cell) are only upper-cased."""
    text = texts(values).str.upper()
    odd = ~text.str.fullmatch(r"[0-9A-Z]*")
    if odd.any():
        text = text.astype(object)
        text[odd] = per_distinct(text[odd], compact)
        text = text.astype("str")
    return text


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


def make_ids(regions: np.ndarray, births: np.ndarray, sequences: np.ndarray) -> np.ndarray:
    """Valid ID numbers for arrays of 6-digit regions, birth dates (datetime64) and 3-digit
    sequences, check characters computed as one matrix (for demo data and benchmarks)."""
    day = np.asarray(births, dtype="datetime64[D]")
    year = day.astype("datetime64[Y]").astype(np.int64) + 1970
    month = day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (day - day.astype("datetime64[M]")).astype(np.int64) + 1
    numbers = (
        np.asarray(regions, dtype=np.int64) * 10**11
        + (year * 10000 + month * 100 + dom) * 1000
        + np.asarray(sequences, dtype=np.int64) % 1000
    )
    digits = (numbers[:, None] // 10 ** np.arange(16, -1, -1, dtype=np.int64)) % 10
    check = np.frombuffer(CHECK_CHARS.encode("ascii"), dtype=np.uint8)[(digits @ WEIGHTS) % 11]
    raw = np.column_stack([(digits + 48).astype(np.uint8), check])
    return np.ascontiguousarray(raw).view("S18").ravel().astype(str)
