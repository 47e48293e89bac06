"""Checking a place's ``attrs`` against the attribute table of its kind
(grid.domain.catalog.PLACE_ATTRS).

Every value is checked before anything is written: an unknown attribute, a value of the wrong
type, an enum value not in the list, a number out of range or a missing required attribute is a
422 naming ``("body", "attrs", <field>)``.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from pydantic import TypeAdapter, ValidationError

from api.errors import InvalidInput
from api.records.schemas import PartyIn
from grid.domain.catalog import AttrField, AttrType, place_attrs

_PERSONS = TypeAdapter(list[PartyIn])
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TYPE_NAMES = {
    AttrType.TEXT: "text",
    AttrType.INT: "a whole number",
    AttrType.NUMBER: "a number",
    AttrType.DATE: "a date (YYYY-MM-DD)",
    AttrType.BOOL: "true or false",
    AttrType.PERSONS: "a list of people ({name, phone, id_number})",
    AttrType.PHOTOS: "a list of photo SHA-256 hashes",
}


def _bad(f: AttrField, msg: str, *extra: str | int) -> InvalidInput:
    return InvalidInput(f"attrs.{f.code}: {msg}", ("body", "attrs", f.code, *extra))


def _range(f: AttrField, v: float) -> None:
    """Refuse a number outside the field's [min, max]."""
    if (f.min is not None and v < f.min) or (f.max is not None and v > f.max):
        raise _bad(f, f"{v} is outside [{f.min}, {f.max}]")


def _count(f: AttrField, items: list) -> None:
    """Refuse a list longer than the field's ``max``."""
    if f.max is not None and len(items) > f.max:
        raise _bad(f, f"at most {int(f.max)} entries")


def _value(f: AttrField, v: Any) -> Any:
    """The checked (and normalised) value of field ``f``."""
    wrong = _bad(f, f"must be {_TYPE_NAMES.get(f.type, f.type.value)}, not {v!r}")
    if f.type == AttrType.TEXT:
        if not isinstance(v, str):
            raise wrong
        if len(v) > f.max_length:
            raise _bad(f, f"at most {f.max_length} characters")
        return v
    if f.type in (AttrType.INT, AttrType.NUMBER):
        is_num = isinstance(v, int | float) and not isinstance(v, bool)
        if not is_num or not math.isfinite(v):
            raise wrong
        if f.type == AttrType.INT and not float(v).is_integer():
            raise wrong
        _range(f, v)
        return int(v) if f.type == AttrType.INT else v
    if f.type == AttrType.DATE:
        try:
            if not isinstance(v, str) or not _DATE.match(v):
                raise ValueError(v)
            return date.fromisoformat(v).isoformat()
        except ValueError:
            raise wrong from None
    if f.type == AttrType.ENUM:
        if v not in f.option_codes():
            allowed = ", ".join(t.code for t in f.options)
            raise _bad(f, f"'{v}' is not allowed; allowed: {allowed}")
        return v
    if f.type == AttrType.BOOL:
        if not isinstance(v, bool):
            raise wrong
        return v
    if f.type == AttrType.PHOTOS:
        if not isinstance(v, list) or not all(isinstance(h, str) and _SHA256.match(h) for h in v):
            raise wrong
        _count(f, v)
        return v
    if not isinstance(v, list):
        raise wrong
    _count(f, v)
    try:
        people = _PERSONS.validate_python(v)
    except ValidationError as e:
        err = e.errors()[0]
        raise _bad(f, err["msg"], *err["loc"]) from None
    return [p.model_dump(exclude_none=True, exclude_defaults=True) for p in people]


def check_attrs(kind: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """``attrs`` checked against the table of place ``kind``; null values are dropped."""
    fields = place_attrs(kind)
    for code in attrs:
        if code not in fields:
            allowed = ", ".join(fields)
            raise InvalidInput(
                f"unknown attribute '{code}' for a {kind} place; allowed: {allowed}",
                ("body", "attrs", code),
            )
    out: dict[str, Any] = {}
    for code, f in fields.items():
        v = attrs.get(code)
        if v is None or v == "":
            if f.required:
                raise _bad(f, "is required")
            continue
        out[code] = _value(f, v)
    return out
