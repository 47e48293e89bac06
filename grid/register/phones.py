"""Chinese phone numbers: mobiles (1[3-9] and 9 digits) and landlines with an area code.

Normal forms: a mobile as its 11 digits, a landline as ``0AA-NNNNNNNN`` (area codes 010 and
02X have three digits, the others four). A +86 / 0086 prefix is accepted and dropped.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from grid.register.text import compact, per_distinct, texts

MOBILE = re.compile(r"1[3-9][0-9]{9}")
LANDLINE = re.compile(r"(0(?:10|2[0-9]|[3-9][0-9]{2}))-([0-9]{7,8})")
_SEPARATORS = re.compile(r"[\s()\-\u2010-\u2015.]")
_COUNTRY = re.compile(r"^(?:\+86|0086|86(?=1[3-9][0-9]{9}$))")


def normalise_phone(value: object) -> str:
    """``value`` in its normal form when it looks like a phone, else as compact half-width text."""
    text = compact(value)
    bare = _SEPARATORS.sub("", text)
    digits = _COUNTRY.sub("", bare)
    if MOBILE.fullmatch(digits):
        return digits
    if not (digits.isascii() and digits.isdigit()):
        return text
    if digits != bare and not digits.startswith("0"):
        digits = "0" + digits  # +86 22 2345 6789: the area code without its trunk 0
    if digits.startswith("0") and len(digits) > 4:
        area = 3 if digits[1] in "12" else 4
        return f"{digits[:area]}-{digits[area:]}"
    return text


def phone_error(value: object) -> str | None:
    """Why ``value`` is not a Chinese mobile or landline number, or None when it is one."""
    phone = normalise_phone(value)
    if MOBILE.fullmatch(phone) or LANDLINE.fullmatch(phone):
        return None
    return "phone must be a mobile (11 digits starting 13–19) or a landline with its area code"


def normalise_phones(values: pd.Series) -> pd.Series:
    """``normalise_phone`` over a column, computed once per distinct value; missing stays None."""
    text = texts(values).str.strip()
    plain = text.str.fullmatch(MOBILE.pattern).to_numpy(dtype=bool)
    out = text.to_numpy(dtype=object)
    if not plain.all():
        out[~plain] = per_distinct(text[~plain], normalise_phone).to_numpy()
    out[out == ""] = None
    return pd.Series(out, index=values.index, dtype=object)


def phone_errors(values: pd.Series) -> pd.Series:
    """``phone_error`` for each present value of a column (None for valid or missing)."""
    phones = texts(normalise_phones(values))
    ok = (phones == "") | phones.str.fullmatch(MOBILE.pattern)
    ok |= phones.str.fullmatch(LANDLINE.pattern)
    out = np.full(len(values), None, dtype=object)
    out[~ok.to_numpy()] = phone_error("")
    return pd.Series(out, index=values.index, dtype=object)
