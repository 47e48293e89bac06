"""Spreadsheet-safe text: the one guard against formula injection in every CSV and XLSX we write.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken as a
formula by Excel, WPS and LibreOffice; user-typed text (descriptions, names, addresses) is
therefore prefixed with a single quote, which those programs show as plain text.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` with a leading single quote when it is text a spreadsheet would run as a formula;
    numbers and everything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell passed through ``safe_cell``."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(safe_cell)
    return out
