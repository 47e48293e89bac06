"""The organisations import file (实有单位): one row per organisation, read and checked like the
register: credit code by its GB 32100 check character, type, phone, employees, and a building
matched by address or by lon/lat inside a footprint."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from grid.register.addresses import standard_addresses
from grid.register.catalog import ORG_TYPES, alias_table
from grid.register.creditcodes import credit_code_errors
from grid.register.fields import coded, text
from grid.register.matching import match_buildings
from grid.register.phones import normalise_phones, phone_errors
from grid.register.problems import Problem, Problems, first_rows
from grid.register.rows import header_table, with_columns
from grid.register.table import read_table
from grid.register.text import compact, per_distinct, with_none

ORGANISATION_COLUMNS: tuple[str, ...] = (
    "name",
    "credit_code",
    "org_type",
    "address",
    "contact",
    "phone",
    "employees",
    "licence",
    "lon",
    "lat",
)
ORGANISATION_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("名称", "name", "单位名称", "企业名称", "机构名称"),
    "credit_code": ("统一社会信用代码", "credit_code", "credit code", "信用代码", "uscc"),
    "org_type": ("类型", "org_type", "type", "单位类型", "机构类型"),
    "address": ("地址", "address", "经营地址", "注册地址", "住所"),
    "contact": ("联系人", "contact", "负责人", "法定代表人"),
    "phone": ("电话", "phone", "联系电话", "手机"),
    "employees": ("从业人数", "employees", "员工人数", "职工人数"),
    "licence": ("许可证号", "licence", "license", "经营许可证号", "营业执照号"),
    "lon": ("lon", "经度", "lng", "longitude", "x"),
    "lat": ("lat", "纬度", "latitude", "y"),
}
REQUIRED: tuple[str, ...] = ("name",)
MAX_EMPLOYEES = 1_000_000


def read_organisations(path: str | Path, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The organisations file's rows as text in ``ORGANISATION_COLUMNS``, with ``row``."""
    return read_table(path, header_table(ORGANISATION_HEADERS), mapping=mapping, required=REQUIRED)


@dataclass
class OrganisationCheck:
    """The checked organisations (normalised, one per input row), problems and counts."""

    organisations: pd.DataFrame
    problems: list[Problem]
    summary: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the file can be imported: no problem at all."""
        return not self.problems


def check_organisations(
    rows: pd.DataFrame,
    buildings: gpd.GeoDataFrame,
    existing_codes: frozenset[str] = frozenset(),
) -> OrganisationCheck:
    """Check and normalise organisation ``rows`` against ``buildings`` and the credit codes
    already in the store (``existing_codes``: a second organisation with one is refused)."""
    rows = with_columns(rows, ORGANISATION_COLUMNS)
    problems = Problems(rows["row"])
    orgs = pd.DataFrame({"row": rows["row"].astype(np.int64)})
    orgs["name"] = text(rows["name"])
    problems.add(orgs["name"] == "", "name", "name is missing")
    orgs["credit_code"] = per_distinct(rows["credit_code"], compact)
    has_code = (orgs["credit_code"] != "").to_numpy()
    code_error = credit_code_errors(orgs["credit_code"])
    problems.add(has_code & code_error.notna().to_numpy(), "credit_code", code_error)
    first = first_rows(orgs["credit_code"]).to_numpy()
    again = has_code & (first != np.arange(len(orgs)))
    problems.add(again, "credit_code", "same credit code as row {}", orgs["row"].to_numpy()[first])
    known = has_code & orgs["credit_code"].isin(existing_codes).to_numpy()
    problems.add(known, "credit_code", "an organisation with this credit code is registered")
    types = alias_table(ORG_TYPES)
    orgs["org_type"] = coded(rows["org_type"], types, problems, "org_type", "商铺, 企业, ...")
    kinds = {t.code: (t.place_kind.value if t.place_kind else None) for t in ORG_TYPES}
    orgs["place_kind"] = with_none(orgs["org_type"].map(kinds))
    orgs["contact"] = text(rows["contact"])
    orgs["phone"] = normalise_phones(rows["phone"])
    phone_error = phone_errors(rows["phone"])
    problems.add(phone_error.notna(), "phone", phone_error)
    orgs["employees"] = _employees(rows["employees"], problems)
    orgs["licence"] = text(rows["licence"])
    match = match_buildings(rows, buildings, problems)
    orgs["building_id"] = match.building_id
    orgs["matched_by"] = match.matched_by
    orgs["address"] = text(rows["address"])
    orgs["building_key"] = match.keys
    orgs["standard_address"] = standard_addresses(match.parts)
    listed = problems.collect()
    summary = {
        "rows": len(rows),
        "matched_by_address": int((orgs["matched_by"] == "address").sum()),
        "matched_by_point": int((orgs["matched_by"] == "point").sum()),
        "unmatched": int(orgs["building_id"].isna().sum()),
        "invalid_codes": int((has_code & code_error.notna().to_numpy()).sum()),
        "duplicates": int(again.sum()),
        "problems": len(listed),
    }
    return OrganisationCheck(orgs, listed, summary)


def _employees(values: pd.Series, problems: Problems) -> pd.Series:
    """Head counts as nullable integers; anything but a whole number 0… is a problem."""
    given = text(values)
    number = pd.to_numeric(given.where(given != "", None), errors="coerce")
    bad = (given != "") & (number.isna() | (number % 1 != 0) | (number < 0))
    bad |= number > MAX_EMPLOYEES
    problems.add(bad.fillna(False), "employees", "employees '{}' is not a whole number", given)
    return number.where(~bad).astype("Int64")
