"""Standard addresses (标准地址): one written form for the many ways people write an address.

``normalise_address`` makes characters half-width, writes Chinese numerals before an address
marker as digits, unifies the markers (栋/幢/座/号楼 → 号楼, 门 → 单元, 号/房/户 rooms → 室),
drops the province/city/district/street-office prefix, spaces and punctuation. ``parse_address``
splits the normal form into road, door number, building, unit, floor and room; ``building_key``
is what a register row and a building's ``address`` attribute are matched on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields

import pandas as pd

from grid.register.text import as_text, frame_per_distinct, per_distinct, texts

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
CN_DIGITS |= {"七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
MAX_PASSES = 8
MARKERS = "号|栋|幢|座|楼|单元|门|层|室|户|房"
_CN_NUMBER = re.compile(rf"第?([零〇一二两三四五六七八九十百千]+)(?={MARKERS})")
_ORDINAL = re.compile(r"第(\d+)")
_PUNCT = re.compile(r"[\s,，。.、;；:：'\"“”‘’()（）\[\]【】<>《》#/\\_~·]+")
_DASH = re.compile(r"[\u2010-\u2015\u2212\uff0d—]")
_LOOSE_DASH = re.compile(r"(?<!\d)-|-(?!\d)")
_PREFIXES = (
    re.compile(r"^[^省市]{2,7}?省"),
    re.compile(r"^[^市省]{2,7}?市(?![场政民区])"),
    re.compile(r"^[^区县市]{1,5}?(?<![小社园校景])[区县](?!\d)"),
    re.compile(r"^[^街道]{2,6}?街道(?:办事处)?"),
)
_RULES = (
    (re.compile(r"([\dA-Z]+)(?:号栋|号座|号幢|栋|幢|座)"), r"\1号楼"),
    (re.compile(r"(\d+)-(\d+)-(\d+)$"), r"\1号楼\2单元\3室"),
    (re.compile(r"号楼(\d+)-(\d+)$"), r"号楼\1单元\2室"),
    (re.compile(r"([\dA-Z]+)(?:门|单元)"), r"\1单元"),
    (re.compile(r"单元(-?\d+)(?:楼层|楼|层)"), r"单元\1层"),
    (re.compile(r"(?<=[\dA-Z])楼(?!\d*层)"), r"号楼"),
    (re.compile(r"(-?\d+)楼层"), r"\1层"),
    (re.compile(r"(单元|号楼|层)([\dA-Z]+(?:-\d+)?)(?:号房|号|房|户|室)"), r"\1\2室"),
    (re.compile(r"(单元|号楼|层)(\d+)$"), r"\1\2室"),
    (re.compile(r"(?<![\d-])0+(?=\d)"), ""),
)
_PARTS = re.compile(
    r"^(?P<road>.*?)(?:(?P<door>\d+(?:-\d+)?)号(?!楼))?"
    r"(?:(?P<building>[\dA-Z]+(?:-\d+)?)号楼)?(?:(?P<unit>[\dA-Z]+)单元)?"
    r"(?:(?P<floor>-?\d+)层)?(?:(?P<room>[\dA-Z]+(?:-\d+)?)室)?$"
)


@dataclass(frozen=True)
class AddressParts:
    """A standard address split into its parts; a part not written is None."""

    road: str | None = None
    door: str | None = None
    building: str | None = None
    unit: str | None = None
    floor: str | None = None
    room: str | None = None


PART_NAMES: tuple[str, ...] = tuple(f.name for f in fields(AddressParts))


def cn_number(text: str) -> int:
    """The value of a Chinese numeral: positional (一〇五 = 105) or with units (一百零五 = 105)."""
    if not any(c in CN_UNITS for c in text):
        return int("".join(str(CN_DIGITS[c]) for c in text))
    total, current = 0, 0
    for c in text:
        if c in CN_UNITS:
            total += (current or 1) * CN_UNITS[c]
            current = 0
        else:
            current = CN_DIGITS[c]
    return total + current


def normalise_address(text: object) -> str:
    """The standard written form of an address (see the module docstring); idempotent: the
    rules are applied until the text no longer changes."""
    s = as_text(text)
    for _ in range(MAX_PASSES):
        again = _normalise_once(s)
        if again == s:
            break
        s = again
    return s


def _normalise_once(text: str) -> str:
    """One pass of the normalisation rules over ``text``."""
    s = unicodedata.normalize("NFKC", text).upper()
    s = _PUNCT.sub("", _DASH.sub("-", s))
    s = _CN_NUMBER.sub(lambda m: str(cn_number(m.group(1))), s)
    s = _ORDINAL.sub(r"\1", s)
    s = _LOOSE_DASH.sub("", s)
    for prefix in _PREFIXES:
        rest = prefix.sub("", s, count=1)
        s = rest if rest else s
    for pattern, repl in _RULES:
        s = pattern.sub(repl, s)
    return s


def parse_address(text: object) -> AddressParts:
    """The parts of an address (normalised first); everything before the door number is the
    road (a road, lane or estate name)."""
    m = _PARTS.match(normalise_address(text))
    if m is None:  # pragma: no cover - the pattern matches any string
        return AddressParts()
    got = {k: (v or None) for k, v in m.groupdict().items()}
    if got["floor"] is None and got["room"] and got["room"].isdigit() and len(got["room"]) >= 3:
        got["floor"] = str(int(got["room"][:-2]))
    return AddressParts(**got)


def building_key(parts: AddressParts) -> str:
    """The normal address of the building (road, door number, building): what a row and a
    building's ``address`` are matched on; "" when none of them is known."""
    return (
        (parts.road or "")
        + (f"{parts.door}号" if parts.door else "")
        + (f"{parts.building}号楼" if parts.building else "")
    )


def normalise_addresses(values: pd.Series) -> pd.Series:
    """``normalise_address`` over a column, computed once per distinct text; same index."""
    return per_distinct(values, normalise_address)


def parse_addresses(values: pd.Series) -> pd.DataFrame:
    """The parts of each address of a column (one column per part, None where not written),
    with the floor derived from a room number like 301 when not written."""
    return frame_per_distinct(values, _parse_distinct)


def _parse_distinct(values: pd.Series) -> pd.DataFrame:
    """``parse_addresses`` on a column of distinct texts."""
    normal = pd.Series([normalise_address(v) for v in values], index=values.index, dtype=object)
    parts = normal.str.extract(_PARTS).astype(object)
    parts = parts.where(parts.notna() & (parts != ""), None)
    room = parts["room"].fillna("")
    derive = parts["floor"].isna() & room.str.fullmatch(r"\d{3,}")
    parts.loc[derive, "floor"] = room[derive].str[:-2].astype(int).astype(str)
    return parts[list(PART_NAMES)]


def building_keys(parts: pd.DataFrame) -> pd.Series:
    """``building_key`` for each row of a parts frame (as ``parse_addresses`` returns)."""
    road = parts["road"].fillna("")
    door = parts["door"].fillna("")
    building = parts["building"].fillna("")
    return (
        road
        + door.where(door == "", door + "号")
        + building.where(building == "", building + "号楼")
    ).astype(object)


def standard_addresses(parts: pd.DataFrame) -> pd.Series:
    """The standard written address of each row of a parts frame: building key, then unit,
    floor and room with their markers ("南京路100号3号楼2单元3层301室")."""
    out = texts(building_keys(parts))
    for part, marker in (("unit", "单元"), ("floor", "层"), ("room", "室")):
        value = texts(parts[part])
        out = out + value.where(value == "", value + marker)
    return out
