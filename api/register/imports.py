"""Loading a register file: ``grid.register.rows`` reads and checks it against the stored
buildings and residents; the load is all or nothing, in one transaction, through
``api.register.people.person_values`` (the API's own encryption, indexes and content hashes).

Bulk Core inserts, not the ORM: a district (130k households, 350k people) loads in well under a
minute on SQLite. ``--check`` runs everything but the load and reports.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
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
from grid.register.organisations import OrganisationCheck
from grid.register.problems import Problem
from grid.register.rows import RegisterCheck, check_register, read_register

CHUNK = 5000
REBUILD_AT = 50_000  # rows from which a load drops the secondary indexes and builds them after


@contextmanager
def indexes_rebuilt(session: Session, model: Any, large: bool) -> Iterator[None]:
    """For a ``large`` load, drop ``model``'s secondary indexes first and build them again
    after (in the same transaction): one sorted build each instead of a scattered insert per
    row into six indexes."""
    table = cast(Table, model.__table__)
    conn = session.connection()
    dropped = sorted(table.indexes, key=lambda i: str(i.name)) if large else []
    for index in dropped:
        index.drop(conn)
    yield
    for index in dropped:
        index.create(conn)


def ordered_uuids(n: int) -> list[uuid.UUID]:
    """``n`` new ids that sort in the order made (a random 64-bit prefix per load, then a
    counter): a bulk load appends to the primary-key index instead of scattering into it."""
    prefix = uuid.uuid4().int >> 64 << 64
    return [uuid.UUID(int=prefix | i) for i in range(n)]


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
    key_cols = ["building_id", "unit", "floor", "room"]
    wanted = people[key_cols].drop_duplicates()
    ids = sorted({int(b) for b in wanted["building_id"]})
    known: dict[tuple, int] = {}
    for i in range(0, len(ids), CHUNK):
        q = select(Room.id, *(getattr(Room, c) for c in key_cols)).where(
            Room.building_id.in_(ids[i : i + CHUNK])
        )
        known.update({tuple(r[1:]): r[0] for r in session.execute(q)})
    missing = wanted[[k not in known for k in wanted.itertuples(index=False, name=None)]]
    cells, comms = places_of(buildings, missing["building_id"])
    new = [
        {
            "building_id": int(b),
            "unit": u,
            "floor": f,
            "room": r,
            "use": "own",
            "cell_code": c,
            "community_code": m,
        }
        for b, u, f, r, c, m in zip(
            missing["building_id"].tolist(),
            missing["unit"].tolist(),
            missing["floor"].tolist(),
            missing["room"].tolist(),
            cells,
            comms,
            strict=True,
        )
    ]
    insert_rows(session, Room, new)
    if new:
        for i in range(0, len(ids), CHUNK):
            q = select(Room.id, *(getattr(Room, c) for c in key_cols)).where(
                Room.building_id.in_(ids[i : i + CHUNK])
            )
            known.update({tuple(r[1:]): r[0] for r in session.execute(q)})
    keys = zip(*(people[c].tolist() for c in key_cols), strict=True)
    return pd.Series([known[k] for k in keys], index=people.index)


def places_of(buildings: gpd.GeoDataFrame, ids: pd.Series) -> tuple[list[Any], list[Any]]:
    """The cell and community codes of the buildings ``ids`` (as lists, in order)."""
    by_id = buildings.set_index("id")
    return (
        ids.map(by_id["cell_code"]).astype(object).tolist(),
        ids.map(by_id["community_code"]).astype(object).tolist(),
    )


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
    first = people.groupby("household_key", sort=False).agg(
        room_id=("room_id", "first"),
        building_id=("building_id", "first"),
        household_no=("household_no", "first"),
        moved_in=("moved_in", "min"),
    )
    hids = ordered_uuids(len(first))
    first["hid"] = hids
    cells, comms = places_of(buildings, first["building_id"])
    homes = [
        {
            "id": h,
            "room_id": int(r),
            "building_id": int(b),
            "household_no": n or "",
            "moved_in": _date(m),
            "cell_code": c,
            "community_code": k,
            "author_id": user_id,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "content_hash": cipher.digest(f"import:{h}"),
        }
        for h, r, b, n, m, c, k in zip(
            hids,
            first["room_id"].tolist(),
            first["building_id"].tolist(),
            first["household_no"].astype(object).tolist(),
            first["moved_in"].tolist(),
            cells,
            comms,
            strict=True,
        )
    ]
    insert_rows(session, Household, homes)
    hid = people["household_key"].map(first["hid"])
    persons, tags = _person_rows(cipher, people, hid, buildings, user_id, now)
    with indexes_rebuilt(session, Person, large=len(persons) >= REBUILD_AT):
        insert_rows(session, Person, persons)
    insert_rows(session, PersonTag, tags)
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
    buildings: gpd.GeoDataFrame,
    user_id: int | None,
    now: Any,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The persons' and their tags' rows, personal fields encrypted by ``person_values``."""
    persons: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    cells, comms = places_of(buildings, people["building_id"])
    cols = {
        c: people[c].astype(object).where(people[c].notna(), None).tolist()
        for c in ("name", "id_number", "phone", "person_type", "relation", "tags")
    }
    moved = [_date(m) for m in people["moved_in"].tolist()]
    people_b = people["building_id"].tolist()
    today = now.date()
    pids = ordered_uuids(len(people))
    for i, household in enumerate(hid.tolist()):
        pid = pids[i]
        groups = sorted(cols["tags"][i]) if isinstance(cols["tags"][i], (list, tuple)) else []
        start = moved[i] or today
        relation = cols["relation"][i] or "other"
        plain = {
            "id": str(pid),
            "household_id": str(household),
            "name": cols["name"][i],
            "id_number": cols["id_number"][i] or None,
            "phone": cols["phone"][i] or None,
            "person_type": cols["person_type"][i],
            "relation": relation,
            "moved_in": moved[i].isoformat() if moved[i] else None,
            "tags": [[g, start.isoformat(), None] for g in groups],
        }
        persons.append(
            {
                "id": pid,
                "household_id": household,
                "building_id": int(people_b[i]),
                "cell_code": cells[i],
                "community_code": comms[i],
                "person_type": plain["person_type"],
                "relation": relation,
                "moved_in": moved[i],
                "author_id": user_id,
                "created_at": now,
                "updated_at": now,
                "version": 1,
                **person_values(cipher, plain),
            }
        )
        tags += [
            {"person_id": pid, "group": g, "start": start, "note": "", "version": 1} for g in groups
        ]
    return persons, tags


def insert_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``model``'s table: one compiled statement, the column types' bind
    processors applied column by column, then the driver's executemany in chunks (the ORM's
    per-row parameter handling would cost more than the database)."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    conn = session.connection()
    dialect = conn.dialect
    keys = list(rows[0])
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    columns = {k: [r[k] for r in rows] for k in keys}
    for k in keys:
        process = table.c[k].type._cached_bind_processor(dialect)
        if process is not None:
            columns[k] = [process(v) for v in columns[k]]
    order = compiled.positiontup
    if order:
        params: list[Any] = list(zip(*(columns[k] for k in order), strict=True))
    else:
        params = [dict(zip(keys, v, strict=True)) for v in zip(*columns.values(), strict=True)]
    for i in range(0, len(params), CHUNK * 4):
        conn.exec_driver_sql(str(compiled), params[i : i + CHUNK * 4])


def report(check: RegisterCheck | OrganisationCheck, limit: int = 20) -> list[str]:
    """The dry run's lines: the summary counts, then the first problems by row."""
    lines = [", ".join(f"{k} {v}" for k, v in check.summary.items())]
    shown: list[Problem] = check.problems[:limit]
    lines += [str(p) for p in shown]
    if len(check.problems) > limit:
        lines.append(f"... and {len(check.problems) - limit} more problems")
    return lines
