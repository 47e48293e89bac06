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


def _width(value: Any) -> int:
    """Display width of a cell's text: CJK characters count two columns."""
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def titled_xlsx(
    title: str, headers: list[str], rows: list[list[Any]], formats: list[str | None]
) -> bytes:
    """One sheet: a bold title row (merged over the table), a header row frozen with the first
    column, an auto-filter, column widths fitted to the text and a number format per column
    (``formats``, None for text); every cell passes ``safe_cell``."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "table"
    ws.append([safe_cell(title)])
    ws.cell(1, 1).font = Font(bold=True, size=13)
    if len(headers) > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(headers)
    for j, _ in enumerate(headers, start=1):
        cell = ws.cell(2, j)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F2")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for r in rows:
        ws.append([safe_cell(v) for v in r])
    for j, fmt in enumerate(formats, start=1):
        letter = get_column_letter(j)
        longest = max([_width(headers[j - 1]), *(_width(r[j - 1]) for r in rows)])
        ws.column_dimensions[letter].width = min(max(longest + 2, 8), 40)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=3, min_col=j, max_col=j):
                cell.number_format = fmt
    ws.freeze_panes = "B3"
    if rows:
        ws.auto_filter.ref = f"A2:{get_column_letter(len(headers))}{len(rows) + 2}"
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
