"""Column-wise normalisers for import fields: text, coded terms, dates, identity documents and
key-group tags; each records its problems by row and returns the normalised column."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from grid.register.catalog import KEY_GROUPS, fold
from grid.register.idnumbers import id_number_errors
from grid.register.problems import Problems
from grid.register.text import frame_per_distinct, per_distinct, texts, with_none

_DATE = r"^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?(?:[ T].*)?$"
_TAG_SPLIT = r"[,，;；、|/\s]+"
_PASSPORT = r"[0-9A-Z]{5,20}"
EARLIEST = pd.Timestamp("1900-01-01")


def text(values: pd.Series) -> pd.Series:
    """A column as stripped (Arrow-backed) text, "" where missing."""
    return texts(values).str.strip()


def coded(
    values: pd.Series,
    aliases: dict[str, str],
    problems: Problems,
    field: str,
    words: str,
    optional: bool = False,
) -> pd.Series:
    """Each value's code through ``aliases`` (folded words → code); an unknown word is a
    problem, and so is a missing one unless ``optional`` (then None)."""
    given = text(values)
    codes = per_distinct(given, lambda v: aliases.get(fold(str(v))))
    missing = given == ""
    noun = field.replace("_", " ")
    problems.add(codes.isna() & ~missing, field, f"unknown {noun} '{{}}'; use {words}", given)
    if not optional:
        problems.add(missing, field, f"{noun} is missing")
    return with_none(codes)


def dates(
    values: pd.Series, problems: Problems, field: str, today: date | None = None
) -> pd.Series:
    """Dates written YYYY-MM-DD (or with / . 年月日 or none): a problem when not a real date, in
    the future or before 1900; NaT where empty."""
    given = text(values)
    stamp = frame_per_distinct(given, _parse_dates)["date"]
    noun = field.replace("_", " ")
    filled = given != ""
    bad = filled & stamp.isna()
    problems.add(bad, field, f"{noun} '{{}}' is not a date (write YYYY-MM-DD)", given)
    limit = pd.Timestamp(today or date.today())
    impossible = filled & ((stamp > limit) | (stamp < EARLIEST))
    problems.add(impossible, field, f"{noun} '{{}}' is impossible (future or before 1900)", given)
    return stamp.where(~impossible)


def _parse_dates(values: pd.Series) -> pd.DataFrame:
    """Distinct date texts parsed (column ``date``, NaT where not a real date)."""
    parts = values.str.extract(_DATE)
    stamp = pd.to_datetime(
        pd.DataFrame(
            {
                "year": pd.to_numeric(parts[0], errors="coerce"),
                "month": pd.to_numeric(parts[1], errors="coerce"),
                "day": pd.to_numeric(parts[2], errors="coerce"),
            }
        ),
        errors="coerce",
    )
    return pd.DataFrame({"date": stamp}, index=values.index)


def document_errors(
    ids: pd.Series, person_types: pd.Series, today: date | None = None
) -> pd.Series:
    """Why each identity document is invalid, or None: a GB 11643 ID number for everyone but
    foreigners, who may give a passport number (5–20 letters and digits) instead."""
    errors = id_number_errors(ids, today=today)
    foreign = (person_types == "foreign").to_numpy()
    passport = ids.str.fullmatch(_PASSPORT).to_numpy(dtype=bool)
    errors = errors.where(~(foreign & passport), None)
    missing = (ids == "").to_numpy()
    errors[missing] = "ID number is missing"
    return errors.where(errors.notna(), None)


def key_groups(values: pd.Series, problems: Problems) -> pd.Series:
    """Each row's key-group tags as a tuple of codes (written by code, Chinese or English label,
    separated by commas, 、 or spaces); an unknown tag is a problem."""
    words = {fold(w): g.code for g in KEY_GROUPS for w in (g.code, g.term.zh, g.term.en)}

    def parse(cells: pd.Series) -> pd.DataFrame:
        """Codes and the first unknown word of each distinct cell."""
        codes, unknown = [], []
        for cell in cells:
            parts = [w for w in re.split(_TAG_SPLIT, str(cell)) if w]
            unknown.append(next((w for w in parts if fold(w) not in words), None))
            codes.append(tuple(words[fold(w)] for w in parts if fold(w) in words))
        return pd.DataFrame({"codes": codes, "unknown": unknown}, index=cells.index, dtype=object)

    parsed = frame_per_distinct(values, parse)
    problems.add(parsed["unknown"].notna(), "tags", "unknown key group '{}'", parsed["unknown"])
    return parsed["codes"]
