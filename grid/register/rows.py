"""The register import file (one row per person): columns, reading, and the all-or-nothing check.

``read_register`` reads an XLSX or CSV with the usual Chinese or English headers (or the user's
own through a mapping) as text; ``check_register`` normalises every column, matches rows to
buildings and returns the people with every problem named by row and field. The checks run
column by column (pandas/numpy), never row by row, so a district's register checks in seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from grid.register.addresses import standard_addresses
from grid.register.catalog import PERSON_TYPES, RELATIONS, alias_table, fold
from grid.register.fields import coded, dates, document_errors, key_groups, text
from grid.register.idnumbers import birth_dates, normalise_ids
from grid.register.matching import match_buildings
from grid.register.phones import normalise_phones, phone_errors
from grid.register.problems import Problem, Problems, first_rows
from grid.register.table import read_table
from grid.register.text import numbers, texts

REGISTER_COLUMNS: tuple[str, ...] = (
    "address",
    "building",
    "unit",
    "floor",
    "room",
    "household_no",
    "name",
    "id_number",
    "phone",
    "person_type",
    "relation",
    "moved_in",
    "lon",
    "lat",
    "tags",
)
# Default headers per column: Chinese first (the template's), then English and common variants.
REGISTER_HEADERS: dict[str, tuple[str, ...]] = {
    "address": ("地址", "address", "住址", "现住址", "居住地址", "标准地址", "门牌地址"),
    "building": ("楼栋", "building", "楼号", "栋号", "楼栋号"),
    "unit": ("单元", "unit", "单元号"),
    "floor": ("楼层", "floor", "层"),
    "room": ("房号", "room", "室号", "房间号", "门牌号"),
    "household_no": ("户号", "household_no", "household", "household no", "户编号"),
    "name": ("姓名", "name"),
    "id_number": ("身份证号", "id_number", "id number", "身份证号码", "公民身份号码", "证件号码"),
    "phone": ("电话", "phone", "联系电话", "手机", "手机号", "手机号码", "telephone", "mobile"),
    "person_type": ("人员类型", "person_type", "person type", "人口类型", "类型", "type"),
    "relation": ("与户主关系", "relation", "relationship", "关系"),
    "moved_in": ("迁入日期", "moved_in", "moved in", "入住日期", "居住日期"),
    "lon": ("lon", "经度", "lng", "longitude", "x"),
    "lat": ("lat", "纬度", "latitude", "y"),
    "tags": ("tags", "标签", "重点人群", "人员标签"),
}
# The header each column gets in a template or an export (the first of its headers).
DEFAULT_HEADERS: dict[str, str] = {col: hs[0] for col, hs in REGISTER_HEADERS.items()}
REQUIRED: tuple[str, ...] = ("name", "id_number", "person_type")
TYPE_WORDS = "户籍, 常住, 流动 or 境外 (registered, resident, floating, foreign)"


def with_columns(rows: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``rows`` with a fresh index, every one of ``columns`` (empty text where missing) and a
    ``row`` column (spreadsheet numbering from 2 where missing)."""
    rows = rows.reset_index(drop=True)
    missing = {c: "" for c in columns if c not in rows.columns}
    if "row" not in rows.columns:
        missing["row"] = np.arange(2, len(rows) + 2)  # type: ignore[assignment]
    return rows.assign(**missing) if missing else rows


def header_table(headers: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Folded header → column, from a column → headers table."""
    return {fold(h): col for col, hs in headers.items() for h in hs}


def read_register(path: str | Path, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The register file's rows as text in ``REGISTER_COLUMNS`` (missing ones empty), with the
    spreadsheet ``row``; ``mapping`` ({header: column}) names the user's own headers."""
    return read_table(path, header_table(REGISTER_HEADERS), mapping=mapping, required=REQUIRED)


@dataclass
class RegisterCheck:
    """The checked register: people (normalised, one row per input row), problems, counts."""

    people: pd.DataFrame
    problems: list[Problem]
    summary: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the file can be imported: no problem at all."""
        return not self.problems


def check_register(
    rows: pd.DataFrame,
    buildings: gpd.GeoDataFrame,
    existing_ids: frozenset[str] = frozenset(),
    today: date | None = None,
) -> RegisterCheck:
    """Check and normalise register ``rows`` (as ``read_register`` gives them) against
    ``buildings`` (id, address, WGS84 geometry) and the ID numbers of people already living
    elsewhere in the store (``existing_ids``)."""
    rows = with_columns(rows, REGISTER_COLUMNS)
    problems = Problems(rows["row"])
    people = _person_fields(rows, problems, today)
    match = match_buildings(rows, buildings, problems)
    people["building_id"] = match.building_id
    people["matched_by"] = match.matched_by
    for part in match.parts.columns:
        people[part] = match.parts[part]
    people["building_key"] = match.keys
    people["address"] = text(rows["address"])
    people["standard_address"] = standard_addresses(match.parts)
    people["household_key"] = _household_keys(rows, people)
    counts = _identity_checks(people, problems, existing_ids)
    listed = problems.collect()
    summary = {
        "rows": len(rows),
        "matched_by_address": int((people["matched_by"] == "address").sum()),
        "matched_by_point": int((people["matched_by"] == "point").sum()),
        "unmatched": int(people["building_id"].isna().sum()),
        "households": int(people["household_key"].nunique()),
        "invalid_ids": int(people["id_error"].notna().sum()),
        **counts,
        "problems": len(listed),
    }
    return RegisterCheck(people.drop(columns=["id_error"]), listed, summary)


def _person_fields(rows: pd.DataFrame, problems: Problems, today: date | None) -> pd.DataFrame:
    """The person columns normalised and checked: name, ID number, phone, type, relation,
    move-in date, tags; birth date and sex from the ID number."""
    people = pd.DataFrame({"row": rows["row"].astype(np.int64)})
    people["name"] = text(rows["name"])
    problems.add(people["name"] == "", "name", "name is missing")
    people["person_type"] = coded(
        rows["person_type"], alias_table(PERSON_TYPES), problems, "person_type", TYPE_WORDS
    )
    people["id_number"] = normalise_ids(rows["id_number"])
    people["id_error"] = document_errors(people["id_number"], people["person_type"], today)
    problems.add(people["id_error"].notna(), "id_number", people["id_error"])
    valid = (people["id_error"].isna() & (people["person_type"] != "foreign")).to_numpy()
    people["birth_date"] = birth_dates(people["id_number"], valid)
    odd = people["id_number"].str[16].isin(list("13579")).to_numpy()
    sex = np.full(len(people), None, dtype=object)
    sex[valid & odd] = "male"
    sex[valid & ~odd] = "female"
    people["sex"] = sex
    people["phone"] = normalise_phones(rows["phone"])
    phone_error = phone_errors(rows["phone"])
    problems.add(phone_error.notna(), "phone", phone_error)
    people["relation"] = coded(
        rows["relation"],
        alias_table(RELATIONS),
        problems,
        "relation",
        "户主, 配偶, 子女, ...",
        True,
    )
    people["moved_in"] = dates(rows["moved_in"], problems, "moved_in", today)
    before_birth = (people["moved_in"] < people["birth_date"]).to_numpy(dtype=bool)
    problems.add(before_birth, "moved_in", "moved in before the birth date in the ID number")
    people["tags"] = key_groups(rows["tags"], problems)
    people["household_no"] = text(rows["household_no"])
    people["lon"] = numbers(rows["lon"])
    people["lat"] = numbers(rows["lat"])
    return people


def _household_keys(rows: pd.DataFrame, people: pd.DataFrame) -> pd.Series:
    """Which household each row belongs to: its 户号 where given, else its room's address
    (building, unit, floor, room) in the matched building."""
    place = people[["building_id", "building_key", "unit", "floor", "room"]].astype(object)
    room = place.fillna("").groupby(list(place.columns), sort=False).ngroup()
    by_room = "room:" + room.astype(str).astype("str")
    number = texts(people["household_no"])
    return ("no:" + number).where(number != "", by_room)


def _identity_checks(
    people: pd.DataFrame, problems: Problems, existing_ids: frozenset[str]
) -> dict[str, int]:
    """Duplicate rows, a person in two households of the file, a person already living
    elsewhere, and households with more than one householder; their counts."""
    ok = people["id_error"].isna().to_numpy()
    ids = people["id_number"]
    alone = -1 - np.arange(len(people))  # rows without a valid ID match nothing
    person = np.where(ok, pd.factorize(ids)[0], alone)
    household, _ = pd.factorize(people["household_key"])
    pair = np.where(ok, person * (int(household.max(initial=0)) + 1) + household, alone)
    person_first = first_rows(pd.Series(person))
    same_first = first_rows(pd.Series(pair))
    later = (person_first.to_numpy() != np.arange(len(people))) & ok
    duplicate = later & (same_first.to_numpy() != np.arange(len(people)))
    first_row = people["row"].to_numpy()[person_first.to_numpy()]
    problems.add(duplicate, "id_number", "duplicate of row {}", first_row)
    two = later & ~duplicate
    problems.add(two, "id_number", "person is also in another household at row {}", first_row)
    elsewhere = ok & ids.isin(existing_ids).to_numpy()
    problems.add(elsewhere, "id_number", "person already lives at another address in the register")
    first_of_household = first_rows(pd.Series(household)).to_numpy()
    building = pd.factorize(people["building_id"].astype(object), use_na_sentinel=False)[0]
    matched = people["building_id"].notna().to_numpy()
    split = matched & matched[first_of_household] & (building != building[first_of_household])
    problems.add(
        split,
        "household_no",
        "household is in another building at row {}",
        people["row"].to_numpy()[first_of_household],
    )
    heads = people["relation"].eq("self") & ok
    head_rank = heads.groupby(people["household_key"]).cumsum()
    extra_head = (heads & (head_rank > 1)).to_numpy()
    problems.add(extra_head, "relation", "household already has a householder (户主)")
    return {
        "duplicates": int(duplicate.sum()),
        "in_two_households": int(two.sum()),
        "already_elsewhere": int(elsewhere.sum()),
        "households_split": int(split.sum()),
    }
