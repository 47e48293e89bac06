"""Loading a register file: ``grid.register.rows`` reads and checks it against the stored
buildings and residents; the load is all or nothing, in one transaction, through
``api.register.people.person_values`` (the API's own encryption, indexes and content hashes).

Bulk Core inserts, not the ORM: a district (130k households, 350k people) loads in well under a
minute on SQLite. ``--check`` runs everything but the load and reports.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from api.accounts.audit import audit
from api.models import Building, Household, Person, PersonTag, RegisterAddress, Room, utcnow
from api.register.crypto import DataCipher
from api.register.people import person_values
from grid.register.problems import Problem
from grid.register.rows import RegisterCheck, check_register, read_register

CHUNK = 5000


def stored_buildings(session: Session) -> gpd.GeoDataFrame:
    """The stored buildings as ``check_register`` takes them: id, standard address (the first
    one stored), cell and community, WGS84 footprint."""
    rows = session.execute(
        select(
            Building.id,
            Building.cell_code,
            Building.community_code,
            func.ST_AsBinary(Building.geom),
        ).order_by(Building.id)
    ).all()
    addresses: dict[int, str] = {}
    for b_id, text in session.execute(
        select(RegisterAddress.building_id, RegisterAddress.address).order_by(RegisterAddress.id)
    ):
        addresses.setdefault(b_id, text)
    ids = [r[0] for r in rows]
    return gpd.GeoDataFrame(
        {
            "id": pd.Series(ids, dtype="int64"),
            "address": [addresses.get(i) for i in ids],
            "cell_code": [r[1] for r in rows],
            "community_code": [r[2] for r in rows],
        },
        geometry=shapely.from_wkb([bytes(r[3]) for r in rows]),
        crs=4326,
    )


def living_ids(session: Session, cipher: DataCipher, numbers: pd.Series) -> frozenset[str]:
    """Those of the file's ID ``numbers`` that belong to someone living in the register now,
    found through their blind indexes (the store holds no plain ID number)."""
    wanted = {cipher.index(n): n for n in numbers.dropna().unique() if n}
    keys = list(wanted)
    found: set[str] = set()
    for i in range(0, len(keys), CHUNK):
        q = select(Person.id_index).where(
            Person.id_index.in_(keys[i : i + CHUNK]), Person.moved_out.is_(None)
        )
        found.update(session.scalars(q))
    return frozenset(wanted[k] for k in found)


@dataclass
class Loaded:
    """What a load stored."""

    households: int
    persons: int
    rooms: int


def check_file(
    session: Session, cipher: DataCipher, path: Path, mapping: Mapping[str, str] | None
) -> tuple[RegisterCheck, gpd.GeoDataFrame]:
    """Read and check a register file against the store (InputError for an unreadable file or
    a formula cell; every other problem listed in the check)."""
    rows = read_register(path, mapping)
    buildings = stored_buildings(session)
    existing = living_ids(session, cipher, rows["id_number"])
    return check_register(rows, buildings, existing), buildings


def _rooms(session: Session, people: pd.DataFrame, buildings: gpd.GeoDataFrame) -> pd.Series:
    """The room id of each household's room (stored ones reused, new ones inserted)."""
    table = cast(Table, Room.__table__)
    key_cols = ["building_id", "unit", "floor", "room"]
    wanted = people[key_cols].drop_duplicates()
    ids = sorted({int(b) for b in wanted["building_id"]})
    known: dict[tuple, int] = {}
    for i in range(0, len(ids), CHUNK):
        q = select(Room.id, *(getattr(Room, c) for c in key_cols)).where(
            Room.building_id.in_(ids[i : i + CHUNK])
        )
        known.update({tuple(r[1:]): r[0] for r in session.execute(q)})
    place = buildings.set_index("id")[["cell_code", "community_code"]]
    new = [
        {
            "building_id": k[0],
            "unit": k[1],
            "floor": k[2],
            "room": k[3],
            "use": "own",
            "cell_code": place.at[k[0], "cell_code"],
            "community_code": place.at[k[0], "community_code"],
        }
        for k in wanted.itertuples(index=False, name=None)
        if k not in known
    ]
    for i in range(0, len(new), CHUNK):
        session.execute(insert(table), new[i : i + CHUNK])
    if new:
        for i in range(0, len(ids), CHUNK):
            q = select(Room.id, *(getattr(Room, c) for c in key_cols)).where(
                Room.building_id.in_(ids[i : i + CHUNK])
            )
            known.update({tuple(r[1:]): r[0] for r in session.execute(q)})
    keys = people[key_cols].itertuples(index=False, name=None)
    return pd.Series([known[k] for k in keys], index=people.index)


def _plain_people(people: pd.DataFrame) -> pd.DataFrame:
    """The checked people with text parts filled and building ids as ints."""
    out = people.copy()
    for c in ("unit", "floor", "room"):
        out[c] = out[c].fillna("").astype(str)
    out["building_id"] = out["building_id"].astype("int64")
    return out


def _iso(value: Any) -> str | None:
    """A date-like value as ``YYYY-MM-DD`` (None for missing)."""
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def load(
    session: Session,
    cipher: DataCipher,
    check: RegisterCheck,
    buildings: gpd.GeoDataFrame,
    user_id: int | None = None,
) -> Loaded:
    """Store a checked register (no problems) in ``session``; not committed."""
    people = _plain_people(check.people)
    people["room_id"] = _rooms(session, people, buildings)
    now = utcnow()
    place = buildings.set_index("id")[["cell_code", "community_code"]]
    first = people.groupby("household_key", sort=False).agg(
        room_id=("room_id", "first"),
        building_id=("building_id", "first"),
        household_no=("household_no", "first"),
        moved_in=("moved_in", "min"),
    )
    first["hid"] = [uuid.uuid4() for _ in range(len(first))]
    homes = [
        {
            "id": h.hid,
            "room_id": int(h.room_id),
            "building_id": int(h.building_id),
            "household_no": h.household_no or "",
            "moved_in": _date(h.moved_in),
            "cell_code": place.at[h.building_id, "cell_code"],
            "community_code": place.at[h.building_id, "community_code"],
            "author_id": user_id,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "content_hash": cipher.digest(f"import:{h.hid}"),
        }
        for h in first.itertuples()
    ]
    _insert(session, Household, homes)
    hid = people["household_key"].map(first["hid"])
    persons, tags = _person_rows(cipher, people, hid, place, user_id, now)
    _insert(session, Person, persons)
    _insert(session, PersonTag, tags)
    audit(
        session,
        user_id,
        "import",
        "register",
        "file",
        {"households": len(homes), "persons": len(persons)},
    )
    return Loaded(len(homes), len(persons), int(people["room_id"].nunique()))


def _date(value: Any) -> Any:
    """A date-like value as a ``date`` (None for missing)."""
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _person_rows(
    cipher: DataCipher,
    people: pd.DataFrame,
    hid: pd.Series,
    place: pd.DataFrame,
    user_id: int | None,
    now: Any,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The persons' and their tags' rows, personal fields encrypted by ``person_values``."""
    persons, tags = [], []
    for p, household in zip(people.itertuples(), hid, strict=True):
        pid = uuid.uuid4()
        groups = sorted(p.tags) if isinstance(p.tags, (list, tuple)) else []
        start = _iso(p.moved_in) or now.date().isoformat()
        plain = {
            "id": str(pid),
            "household_id": str(household),
            "name": p.name,
            "id_number": p.id_number or None,
            "phone": p.phone or None,
            "person_type": p.person_type,
            "relation": p.relation or "other",
            "moved_in": _iso(p.moved_in),
            "tags": [[g, start, None] for g in groups],
        }
        persons.append(
            {
                "id": pid,
                "household_id": household,
                "building_id": int(p.building_id),
                "cell_code": place.at[p.building_id, "cell_code"],
                "community_code": place.at[p.building_id, "community_code"],
                "person_type": p.person_type,
                "relation": plain["relation"],
                "moved_in": _date(p.moved_in),
                "author_id": user_id,
                "created_at": now,
                "updated_at": now,
                "version": 1,
                **person_values(cipher, plain),
            }
        )
        tags += [
            {"person_id": pid, "group": g, "start": pd.Timestamp(start).date()} for g in groups
        ]
    return persons, tags


def _insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``model``'s table in chunks (Core executemany)."""
    table = cast(Table, model.__table__)
    for i in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[i : i + CHUNK])


def report(check: RegisterCheck, limit: int = 20) -> list[str]:
    """The dry run's lines: the summary counts, then the first problems by row."""
    lines = [", ".join(f"{k} {v}" for k, v in check.summary.items())]
    shown: list[Problem] = check.problems[:limit]
    lines += [str(p) for p in shown]
    if len(check.problems) > limit:
        lines.append(f"... and {len(check.problems) - limit} more problems")
    return lines
