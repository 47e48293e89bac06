"""Unified social credit codes (统一社会信用代码, GB 32100-2015): normalising and checking.

18 characters from a 31-character set (digits and capitals without I, O, Z, S, V): registering
authority, organisation category, 6-digit region code, 9-character organisation code and a
weighted modulo-31 check character.
"""

from __future__ import annotations

import pandas as pd

from grid.register.text import compact, per_distinct

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {c: i for i, c in enumerate(CHARSET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalise_credit_code(value: object) -> str:
    """``value`` as a credit code is stored: half-width, no spaces, upper case."""
    return compact(value)


def credit_check_char(first17: str) -> str:
    """The modulo-31 check character for the first 17 characters of a credit code."""
    total = sum(VALUES[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def credit_code_error(value: object) -> str | None:
    """Why ``value`` is not a valid unified social credit code, or None when it is one."""
    code = normalise_credit_code(value)
    if len(code) != 18:
        return f"credit code must have 18 characters, not {len(code)}"
    bad = [c for c in code if c not in VALUES]
    if bad:
        return f"credit code has a character not allowed: {bad[0]} (I, O, Z, S, V are never used)"
    if not code[2:8].isdigit():
        return f"credit code's region code {code[2:8]} must be 6 digits"
    expected = credit_check_char(code[:17])
    if code[17] != expected:
        return f"credit code has a wrong check character: {code[17]}, should be {expected}"
    return None


def credit_code_errors(values: pd.Series) -> pd.Series:
    """``credit_code_error`` for each value of a column (codes are few: one per organisation);
    same index."""
    return per_distinct(values, credit_code_error)


def make_credit_code(first17: str) -> str:
    """A valid credit code from its first 17 characters (for demo data and tests)."""
    return first17 + credit_check_char(first17)
