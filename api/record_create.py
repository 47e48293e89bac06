"""The hot write path: a plain new record, its audit row and its heat count in one transaction.

Plain records (no check-ins, parties, photos or track: what tablets send most) skip the ORM unit of
work. On PostGIS the rows go in ONE autocommitted statement (data-modifying CTEs: the record
``INSERT ... ON CONFLICT (id) DO NOTHING``, then the audit row and the ``heat_counts`` and
``heat_bins`` upserts only when the record row was inserted), so a write is one round trip and one
atomic, durable transaction; psycopg prepares it server-side after a few uses per connection. On
SQLite the same rows go through cached SQLAlchemy Core statements in one transaction. A resent id
is then compared with the stored record through the ORM (200 when the content matches, 409
otherwise), as in ``api.records.create_record``, which keeps the general case.
"""

from __future__ import annotations

import json
import threading
from functools import cache
from typing import Any

import psycopg
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine, insert
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql.dml import Insert

from api import heatagg
from api.access import Scope
from api.dependencies import Store
from api.models import AuditEntry, Record
from api.models.analytics import HOURS
from api.record_view import new_record_json, record_json
from api.records import audit_diff, create_record, existing_record, plan_record
from api.schemas import RecordIn

RECORD_COLUMNS = (
    "id",
    "kind",
    "category",
    "priority",
    "status",
    "description",
    "occurred_at",
    "lon",
    "lat",
    "cell_code",
    "community_code",
    "h3",
    "author_id",
    "created_at",
    "updated_at",
    "started_at",
    "ended_at",
    "content_hash",
)
FINE_KEYS = ("day", "kind", "category", "h3", "cell_code", "weekday")


def is_plain(body: RecordIn) -> bool:
    """Whether the record has nothing hanging off it (the fast path applies)."""
    return not (body.checkins or body.parties or body.photos or body.track)


def _added() -> str:
    """``ON CONFLICT`` assignments adding the new row's counts to the stored ones (alias ``t``)."""
    return ",".join(f"{c}=t.{c}+excluded.{c}" for c in ('"count"', *HOURS))


@cache
def pg_sql(resolutions: tuple[int, ...]) -> str:
    """The one statement that stores a plain record with its audit row and heat counts (its
    ``heat_bins`` rows at ``resolutions``, parents given as ``%(heat_p<res>)s``). The hour columns
    come from one ``%(heat_hour)s`` and the record's own parameters are reused; the text stays
    under psycopg's 4096-character limit for caching its parsed form (longer statements are
    re-parsed on every execute, ~2 ms of CPU here)."""
    cols = ", ".join(RECORD_COLUMNS)
    params = ", ".join(f"%({c})s" for c in RECORD_COLUMNS)
    counts = f'"count",{",".join(HOURS)}'
    ones = ",".join(f"(x={h})::int" for h in range(24))
    day, weekday = "%(heat_day)s::date", "%(heat_weekday)s::int2"
    rows = ",".join(
        f"({r}::int2,{monthly},{when},%(heat_p{r})s,{wd})"
        for r in resolutions
        for monthly, when, wd in (
            ("false", day, weekday),
            ("true", "%(heat_month)s::date", "NULL::int2"),
        )
    )
    bins = (
        f",b AS (INSERT INTO heat_bins AS t (kind,category,{counts},res,monthly,day,h3,weekday,"
        f"shard) SELECT %(kind)s,%(category)s,1,o.*,v.*,%(heat_shard)s::int2 "
        f"FROM r,o,(VALUES {rows}) AS v "
        f"ON CONFLICT ({','.join(heatagg.BINS_PK)}) DO UPDATE SET {_added()})"
    )
    return (
        f"WITH r AS (INSERT INTO records ({cols}, geom, version) "
        f"VALUES ({params}, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), 1) "
        "ON CONFLICT (id) DO NOTHING RETURNING id), "
        "a AS (INSERT INTO audit_log (at, user_id, action, entity, entity_id, diff) "
        "SELECT %(created_at)s, %(author_id)s, 'create', 'record', %(entity_id)s, "
        "%(diff)s::json FROM r), "
        f"o AS (SELECT {ones} FROM (SELECT %(heat_hour)s::int AS x) s),"
        f"h AS (INSERT INTO heat_counts AS t ({','.join(FINE_KEYS)},{counts}) "
        f"SELECT {day},%(kind)s,%(category)s,%(h3)s,%(cell_code)s,{weekday},1,o.* FROM r,o "
        f"ON CONFLICT ({','.join(heatagg.FINE_PK)}) DO UPDATE SET {_added()})"
        + (bins if resolutions else "")
        + " SELECT count(*) FROM r"
    )


def _heat_rows(values: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The record's +1 in the heat pre-aggregate (``api.heatagg`` decides the rows)."""
    keys = (values[k] for k in heatagg.KEY_ATTRS)
    return heatagg.count_rows(*keys, 1)


def _pg_statement(values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``pg_sql`` for a planned record and its parameters."""
    params = {c: values[c] for c in RECORD_COLUMNS}
    params["entity_id"] = str(values["id"])
    params["diff"] = json.dumps(audit_diff(values))
    at = heatagg.slot(values["id"], values["h3"], values["occurred_at"])
    params.update(
        heat_day=at.day,
        heat_hour=at.hour,
        heat_month=at.month,
        heat_weekday=at.day.weekday(),
        heat_shard=at.shard,
    )
    params.update({f"heat_p{r}": cell for r, cell in at.parents})
    return pg_sql(tuple(r for r, _ in at.parents)), params


def _insert_postgis(engine: Engine, values: dict[str, Any]) -> bool:
    """Store the record, audit row and heat count in one autocommitted statement; False when the
    id already exists (nothing written). Blocking; the API uses ``store_plain_async``."""
    sql, params = _pg_statement(values)
    fairy = engine.raw_connection()
    try:
        conn = fairy.driver_connection
        conn.autocommit = True  # one statement, one transaction: no BEGIN/COMMIT round trips
        try:
            inserted = conn.execute(sql, params).fetchone()[0]
        finally:
            if not conn.closed:
                conn.autocommit = False
    except psycopg.OperationalError:
        fairy.invalidate()
        raise
    finally:
        fairy.close()
    return bool(inserted)


_SQLITE_WRITER = threading.Lock()


@cache
def _sqlite_statements() -> tuple[Insert, Insert]:
    """The record insert (skipping an existing id) and the audit insert, built once."""
    record = sqlite.insert(Record.__table__).on_conflict_do_nothing(index_elements=["id"])
    return record, insert(AuditEntry.__table__)


def _insert_sqlite(engine: Engine, values: dict[str, Any]) -> bool:
    """Store the record, audit row and heat count in one transaction; False when the id exists."""
    record, audit = _sqlite_statements()
    # SQLite has one writer at a time; queueing here keeps this process's threads from meeting
    # in SQLite's busy handler, which sleeps with back-off (up to 100 ms a try)
    with _SQLITE_WRITER, engine.begin() as conn:
        if conn.execute(record, {**values, "version": 1}).rowcount == 0:
            return False
        conn.execute(
            audit,
            {
                "at": values["created_at"],
                "user_id": values["author_id"],
                "action": "create",
                "entity": "record",
                "entity_id": str(values["id"]),
                "diff": audit_diff(values),
            },
        )
        heatagg.upsert(conn, [_heat_rows(values)])
    return True


def insert_plain(engine: Engine, values: dict[str, Any]) -> bool:
    """Store a planned plain record on either backend; False when its id is already taken."""
    if engine.dialect.name == "postgresql":
        return _insert_postgis(engine, values)
    return _insert_sqlite(engine, values)


def resent(store: Store, scope: Scope, body: RecordIn, digest: str) -> tuple[dict[str, Any], int]:
    """The answer to an id that is already stored: the record (200) or a 409 on other content."""
    with store.sessions() as session:
        found = existing_record(session, scope, body.id, digest)
        if found is None:  # cannot happen: records are never deleted
            raise RuntimeError(f"record {body.id} conflicted but is not stored")
        return record_json(session, scope, found, detail=False), 200


def store_plain(
    store: Store, scope: Scope, body: RecordIn, values: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """Insert a planned plain record (blocking; run in the threadpool): the JSON and status."""
    if insert_plain(store.engine, values):
        return new_record_json(scope, Record(**values, version=1), [], []), 201
    return resent(store, scope, body, values["content_hash"])


async def store_plain_async(
    store: Store, scope: Scope, body: RecordIn, values: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """``store_plain`` without a thread on PostGIS: the one statement runs on the event loop."""
    if store.pg is None:
        return await run_in_threadpool(store_plain, store, scope, body, values)
    row = await store.pg.fetchone(*_pg_statement(values))
    if row and row[0]:
        return new_record_json(scope, Record(**values, version=1), [], []), 201
    return await run_in_threadpool(resent, store, scope, body, values["content_hash"])


def store_general(store: Store, scope: Scope, body: RecordIn) -> tuple[dict[str, Any], int]:
    """Create a record with check-ins, parties, photos or a track through the ORM (blocking)."""
    with store.sessions() as session:
        rec, created = create_record(session, store, scope, body)
        if created:
            parties = [p.model_dump() for p in body.parties]
            photos = list(dict.fromkeys(body.photos))
            return new_record_json(scope, rec, parties, photos), 201
        return record_json(session, scope, rec, detail=False), 200


def plan(store: Store, scope: Scope, body: RecordIn) -> dict[str, Any] | None:
    """The planned values of a plain record (checked, no I/O), or None for the general path."""
    return plan_record(store, scope, body) if is_plain(body) else None
