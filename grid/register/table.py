"""Reading a register spreadsheet (XLSX or CSV) as text, with headers mapped to our columns.

Every cell comes back as stripped text ("" when empty), whole numbers without ".0" and dates as
YYYY-MM-DD; a ``row`` column holds the spreadsheet row number (the header is row 1 in a CSV), so
problems can name the row a person sees in their spreadsheet. A cell holding a formula is
refused with its row and column: the import takes values, never computations.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from grid.errors import InputError
from grid.input.io import check_file
from grid.register.catalog import fold

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
ENCODINGS = ("utf8", "gb18030")
MAX_COLUMNS = 1000  # Chinese spreadsheets often save CSV as GBK
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_REF = re.compile(rb'r="([A-Z]+)([0-9]+)"')
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "p": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def read_table(
    path: str | Path,
    headers: Mapping[str, str],
    *,
    mapping: Mapping[str, str] | None = None,
    required: tuple[str, ...] = (),
) -> pd.DataFrame:
    """The rows of ``path`` with their headers mapped to our columns.

    ``headers`` maps the usual headers (folded: lower case, no spaces) to columns; ``mapping``
    ({header: column}) adds the user's own. Unknown headers are dropped; a column in
    ``required`` that no header names raises InputError listing the headers found.
    """
    path = Path(path)
    check_file(path)
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        raw = _read_xlsx(path)
    elif suffix in CSV_SUFFIXES:
        raw = _read_csv(path)
    else:
        raise InputError(f"unsupported format '{path.suffix}'; use XLSX or CSV", source=str(path))
    return _map_headers(raw, headers, mapping, required, str(path))


def _map_headers(
    raw: pd.DataFrame,
    headers: Mapping[str, str],
    mapping: Mapping[str, str] | None,
    required: tuple[str, ...],
    source: str,
) -> pd.DataFrame:
    """``raw`` (its first non-empty row the header) renamed to our columns, empty rows dropped."""
    filled = (raw != "").any(axis=1).to_numpy() if len(raw.columns) else np.zeros(0, bool)
    if not filled.any():
        raise InputError("no header row", source=source)
    first = int(np.flatnonzero(filled)[0])
    known = dict(headers) | {fold(k): v for k, v in (mapping or {}).items()}
    given = [str(h) for h in raw.iloc[first]]
    columns: dict[str, str] = {}
    for pos, header in zip(raw.columns, given, strict=True):
        ours = known.get(fold(header))
        if ours is not None and ours not in columns.values():
            columns[pos] = ours
    for theirs in (mapping or {}).keys():
        if fold(theirs) not in {fold(h) for h in given}:
            raise InputError(f"mapped header {theirs!r} is not in the file", source=source)
    missing = [c for c in required if c not in columns.values()]
    if missing:
        listed = ", ".join(h for h in given if h) or "none"
        raise InputError(
            f"no column for {', '.join(missing)}; headers found: {listed}", source=source
        )
    body = raw.iloc[first + 1 :][list(columns)].rename(columns=columns)
    body = body[(body != "").any(axis=1)] if len(body.columns) else body.iloc[0:0]
    for col in set(headers.values()) - set(body.columns):
        body[col] = ""
    body.insert(0, "row", body.index.to_numpy(dtype=np.int64) + 1)
    return body.reset_index(drop=True)


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV as text cells (read by Arrow, every column as text), record 0.. being spreadsheet
    row 1.. (a blank line is an empty row, a quoted value may span lines as in a spreadsheet
    cell); a cell starting with "=" is a formula to a spreadsheet program and is refused."""
    import pyarrow as pa
    from pyarrow import csv

    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    text = csv.ConvertOptions(
        column_types={f"f{i}": pa.string() for i in range(MAX_COLUMNS)},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    for encoding in ENCODINGS:
        try:
            table = csv.read_csv(
                path,
                read_options=csv.ReadOptions(encoding=encoding, autogenerate_column_names=True),
                parse_options=csv.ParseOptions(
                    delimiter=sep, ignore_empty_lines=False, newlines_in_values=True
                ),
                convert_options=text,
            )
            df = table.to_pandas()
            break
        except UnicodeDecodeError:
            continue
        except pa.ArrowInvalid as exc:
            if "UTF8" in str(exc) or "utf-8" in str(exc).lower():
                continue
            raise InputError(f"cannot read as CSV: {exc}", source=str(path)) from exc
    else:
        raise InputError("cannot read as CSV: neither UTF-8 nor GB18030 text", source=str(path))
    df = df.apply(lambda c: c.astype("str").fillna("").str.strip())
    _refuse_csv_formulas(df, path)
    return df


def _refuse_csv_formulas(df: pd.DataFrame, path: Path) -> None:
    """Raise InputError naming the first cell of a CSV that starts with "=" (a formula)."""
    hits = np.column_stack([df[c].str.startswith("=").to_numpy(dtype=bool) for c in df.columns])
    if hits.any():
        row, col = np.argwhere(hits)[0]
        raise InputError(
            f"row {row + 1}, column {_column_letter(int(col))}: cell holds a formula "
            f"({df.iat[row, col]}); save values only",
            source=str(path),
        )


def _read_xlsx(path: Path) -> pd.DataFrame:
    """The first sheet of a workbook as text cells, from cell A1, formulas refused."""
    import python_calamine

    _refuse_xlsx_formulas(path)
    try:
        sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        cells = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for damaged workbooks
        raise InputError(f"cannot read as XLSX: {exc}", source=str(path)) from exc
    df = pd.DataFrame(cells, dtype=object)
    return df.apply(_column_text) if len(df) else df


def _column_text(column: pd.Series) -> pd.Series:
    """A workbook column as text; a column holding only text (most of a register) is converted
    at once, the others cell by cell (numbers, dates)."""
    if pd.api.types.infer_dtype(column, skipna=False) in ("string", "empty"):
        return column.astype("str").str.strip()
    return column.map(_cell_text).astype("str")


def _cell_text(value: object) -> str:
    """A workbook cell as text: whole numbers without ".0", dates as YYYY-MM-DD."""
    if type(value) is str:
        return value.strip()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def _refuse_xlsx_formulas(path: Path) -> None:
    """Raise InputError naming the first formula cell of the first sheet (scanned in its XML)."""
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read(_first_sheet(z))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise InputError(f"cannot read as XLSX: {exc}", source=str(path)) from exc
    hit = _FORMULA.search(xml)
    if hit is None:
        return
    start = xml.rfind(b"<", 0, xml.rfind(b'r="', 0, hit.start()))
    ref = _CELL_REF.search(xml, start, hit.start())
    where = f"row {int(ref.group(2))}, column {ref.group(1).decode()}: " if ref else ""
    raise InputError(f"{where}cell holds a formula; save values only", source=str(path))


def _first_sheet(z: zipfile.ZipFile) -> str:
    """The zip member holding the workbook's first sheet."""
    book = ElementTree.fromstring(z.read("xl/workbook.xml"))
    sheet = book.find("m:sheets/m:sheet", _NS)
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    rid = sheet.get(f"{{{_NS['r']}}}id") if sheet is not None else None
    for rel in rels.findall("p:Relationship", _NS):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise KeyError("first sheet not found in the workbook")


def _column_letter(pos: int) -> str:
    """The spreadsheet letter of 0-based column ``pos`` (0 → A, 26 → AA)."""
    letters = ""
    pos += 1
    while pos:
        pos, rest = divmod(pos - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
