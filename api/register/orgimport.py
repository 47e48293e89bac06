"""Loading an organisations file (名称, 统一社会信用代码, 类型, 地址, 联系人, 电话, 从业人数):
``grid.register.organisations`` reads and checks it (credit code check character, duplicates,
codes already stored, unmatched addresses); the load is all or nothing, contacts encrypted."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.audit import audit
from api.models import Organisation, utcnow
from api.register.crypto import DataCipher
from api.register.imports import insert_rows, ordered_uuids, places_of
from grid.register.organisations import (
    OrganisationCheck,
    check_organisations,
    read_organisations,
)


def check_file(
    session: Session, path: Path, buildings: gpd.GeoDataFrame, mapping: Mapping[str, str] | None
) -> OrganisationCheck:
    """Read and check an organisations file against the stored buildings and credit codes."""
    rows = read_organisations(path, mapping)
    codes = frozenset(c for c in session.scalars(select(Organisation.credit_code)) if c is not None)
    return check_organisations(rows, buildings, codes)


def _value(v: Any) -> Any:
    """A frame cell as a plain value (None for missing or empty text)."""
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) or v == "" else v


def load(
    session: Session, cipher: DataCipher, check: OrganisationCheck, buildings: gpd.GeoDataFrame
) -> int:
    """Store checked organisations (no problems) in ``session``; not committed; how many."""
    orgs = check.organisations.reset_index(drop=True)
    ids = ordered_uuids(len(orgs))
    cells, comms = places_of(buildings, orgs["building_id"])
    now = utcnow()
    rows = []
    for i, o in enumerate(orgs.to_dict("records")):
        employees = _value(o.get("employees"))
        rows.append(
            {
                "id": ids[i],
                "name": o["name"],
                "credit_code": _value(o["credit_code"]),
                "org_type": o["org_type"],
                "address": o.get("address") or "",
                "contact": cipher.encrypt("contact", _value(o.get("contact"))),
                "phone": cipher.encrypt("phone", _value(o.get("phone"))),
                "employees": int(employees) if employees is not None else None,
                "place_id": None,
                "building_id": int(o["building_id"]),
                "lon": None,
                "lat": None,
                "cell_code": cells[i],
                "community_code": comms[i],
                "author_id": None,
                "created_at": now,
                "updated_at": now,
                "version": 1,
                "content_hash": cipher.digest(f"import:{ids[i]}"),
            }
        )
    insert_rows(session, Organisation, rows)
    audit(session, None, "import", "organisations", "file", {"organisations": len(rows)})
    return len(rows)
