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

from grid.register.catalog import PERSON_TYPES, RELATIONS, alias_table, fold
from grid.register.fields import coded, dates, document_errors, key_groups, text
from grid.register.idnumbers import normalise_ids
from grid.register.matching import match_buildings
from grid.register.phones import normalise_phones, phone_errors
from grid.register.problems import Problem, Problems, first_rows
from grid.register.table import read_table

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
REQUIRED: tuple[str, ...] = ("name", "id_number", "person_type")
TYPE_WORDS = "户籍, 常住, 流动 or 境外 (registered, resident, floating, foreign)"


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
    rows = rows.reset_index(drop=True)
    problems = Problems(rows["row"])
    people = _person_fields(rows, problems, today)
    match = match_buildings(rows, buildings, problems)
    people["building_id"] = match.building_id
    people["matched_by"] = match.matched_by
    for part in match.parts.columns:
        people[part] = match.parts[part]
    people["building_key"] = match.keys
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
    valid = people["id_error"].isna() & (people["person_type"] != "foreign")
    born = pd.to_datetime(
        people["id_number"].str[6:14].where(valid), format="%Y%m%d", errors="coerce"
    )
    people["birth_date"] = born
    seventeenth = pd.to_numeric(people["id_number"].str[16].where(valid), errors="coerce")
    sex = np.full(len(people), None, dtype=object)
    sex[(seventeenth % 2 == 1).to_numpy()] = "male"
    sex[(seventeenth % 2 == 0).to_numpy()] = "female"
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
    people["lon"] = pd.to_numeric(text(rows["lon"]).where(text(rows["lon"]) != ""), errors="coerce")
    people["lat"] = pd.to_numeric(text(rows["lat"]).where(text(rows["lat"]) != ""), errors="coerce")
    return people


def _household_keys(rows: pd.DataFrame, people: pd.DataFrame) -> pd.Series:
    """Which household each row belongs to: its 户号 where given, else its room's address
    (building, unit, floor, room) in the matched building."""
    room = (
        people["building_key"].fillna("")
        + "|"
        + people["unit"].fillna("")
        + "|"
        + people["floor"].fillna("")
        + "|"
        + people["room"].fillna("")
    )
    by_room = "room:" + people["building_id"].astype(str) + "|" + room
    return ("no:" + people["household_no"]).where(people["household_no"] != "", by_room)


def _identity_checks(
    people: pd.DataFrame, problems: Problems, existing_ids: frozenset[str]
) -> dict[str, int]:
    """Duplicate rows, a person in two households of the file, a person already living
    elsewhere, and households with more than one householder; their counts."""
    ok = people["id_error"].isna().to_numpy()
    ids = people["id_number"]
    person_first = first_rows(ids.where(ok, "\0row" + people["row"].astype(str)))
    same_first = first_rows(
        (ids + "\0" + people["household_key"]).where(ok, "\0row" + people["row"].astype(str))
    )
    later = (person_first.to_numpy() != np.arange(len(people))) & ok
    duplicate = later & (same_first.to_numpy() != np.arange(len(people)))
    rows = people["row"].to_numpy()
    first_row = pd.Series(rows[person_first.to_numpy()], index=people.index).astype(str)
    problems.add(duplicate, "id_number", "duplicate of row " + first_row)
    two = later & ~duplicate
    problems.add(two, "id_number", "person is also in another household at row " + first_row)
    elsewhere = ok & ids.isin(existing_ids).to_numpy()
    problems.add(elsewhere, "id_number", "person already lives at another address in the register")
    heads = people["relation"].eq("self") & ok
    head_rank = heads.groupby(people["household_key"]).cumsum()
    extra_head = (heads & (head_rank > 1)).to_numpy()
    problems.add(extra_head, "relation", "household already has a householder (户主)")
    return {
        "duplicates": int(duplicate.sum()),
        "in_two_households": int(two.sum()),
        "already_elsewhere": int(elsewhere.sum()),
    }
