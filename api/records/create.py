"""The hot write path: a plain new record, its audit row and its heat count in one transaction.

Plain records (no check-ins, parties, photos or track: what tablets send most) skip the ORM unit of
work. On PostGIS they go through ``api.records.batch``: records arriving together are stored in one
autocommitted statement (records ``INSERT ... ON CONFLICT (id) DO NOTHING``, then audit rows and
``heat_counts`` / ``heat_bins`` upserts for the rows inserted), so a write costs a share of one
round trip and one commit. On SQLite the same rows go through cached SQLAlchemy Core statements in
one transaction. A resent id is then compared with the stored record through the ORM (200 when
the content matches, 409 otherwise), as in ``api.records.service.create_record``, which keeps the
general
case.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any, cast

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine, Table, insert
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from api.accounts.access import Scope
from api.accounts.audit import audit_diff
from api.analytics import heatagg
from api.models import AuditEntry, Record
from api.records.schemas import RecordIn
from api.records.service import create_record, existing_record, plan_record
from api.records.view import new_record_json, record_json
from api.store import Store


def is_plain(body: RecordIn) -> bool:
    """Whether the record has nothing hanging off it (the fast path applies)."""
    return not (body.checkins or body.parties or body.photos or body.track)


def _heat_rows(values: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The record's +1 in the heat pre-aggregate (``api.analytics.heatagg`` decides the rows)."""
    rid, cell, cell_code, kind, category, at = (values[k] for k in heatagg.KEY_ATTRS)
    return heatagg.count_rows(rid, cell, cell_code, kind, category, at, 1)


_SQLITE_WRITER = threading.Lock()


@cache
def _sqlite_statements() -> tuple[Insert, Insert]:
    """The record insert (skipping an existing id) and the audit insert, built once."""
    # declarative stubs type __table__ as any FromClause; a mapped class's is always a Table
    records, audit = cast(Table, Record.__table__), cast(Table, AuditEntry.__table__)
    record = sqlite.insert(records).on_conflict_do_nothing(index_elements=["id"])
    return record, insert(audit)


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


def same_record(session: Session, scope: Scope, found: Record) -> tuple[dict[str, Any], int]:
    """The answer to a resend whose content matches the stored record, whatever its shape and
    path: that record, 200, with the body its 201 had."""
    return record_json(session, scope, found, detail=False), 200


def resent(store: Store, scope: Scope, body: RecordIn, digest: str) -> tuple[dict[str, Any], int]:
    """The answer to an id that is already stored: the record (200) or a 409 on other content."""
    with store.sessions() as session:
        found = existing_record(session, scope, body.id, digest)
        if found is None:  # cannot happen: records are never deleted
            raise RuntimeError(f"record {body.id} conflicted but is not stored")
        return same_record(session, scope, found)


def store_plain(
    store: Store, scope: Scope, body: RecordIn, values: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """Insert a planned plain record on SQLite (blocking; run in the threadpool): the JSON and
    status."""
    if _insert_sqlite(store.engine, values):
        return new_record_json(scope, Record(**values, version=1), [], []), 201
    return resent(store, scope, body, values["content_hash"])


async def store_plain_async(
    store: Store, scope: Scope, body: RecordIn, values: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """Store a planned plain record: on PostGIS in the next group-commit round, on the event loop
    (no thread); on SQLite in the threadpool. The JSON and status."""
    if store.writes is None:
        return await run_in_threadpool(store_plain, store, scope, body, values)
    if await store.writes.store(values):
        return new_record_json(scope, Record(**values, version=1), [], []), 201
    return await run_in_threadpool(resent, store, scope, body, values["content_hash"])


def store_general(store: Store, scope: Scope, body: RecordIn) -> tuple[dict[str, Any], int]:
    """Create a record with check-ins, parties, photos or a track through the ORM (blocking)."""
    with store.sessions() as session:
        rec, created = create_record(session, store, scope, body)
        if created:
            parties = [p.model_dump() for p in body.parties]
            return new_record_json(scope, rec, parties, body.photos), 201
        return same_record(session, scope, rec)


def plan(store: Store, scope: Scope, body: RecordIn) -> dict[str, Any] | None:
    """The planned values of a plain record (checked, no I/O), or None for the general path."""
    return plan_record(store, scope, body) if is_plain(body) else None
