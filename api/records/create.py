"""The one writer of new records: ``plan`` checks a record (no I/O), ``store_new`` stores it.

Both entries (the route in ``api.records.router`` and the ASGI shortcut ``api.records.ingest``)
call these two and nothing else. ``store_new`` has two backends. Plain records (no check-ins,
parties, photos or track: what tablets send most) on PostGIS go through the group commit of
``api.records.batch``: records arriving together are stored in one autocommitted statement, so a
write costs a share of one round trip and one commit. Everything else goes through ``store_sync``
in one transaction: a plain record on SQLite by cached SQLAlchemy Core statements, a general one
through the ORM (``api.records.service.insert_record``). Every path counts heat with
``api.analytics.heatagg.added`` and answers a resent id alike (200 with the stored record when the
content matches, 409 otherwise: ``api.records.service.existing_record``).
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
from api.db import is_sqlite
from api.models import AuditEntry, Record
from api.records.schemas import RecordIn
from api.records.service import existing_record, insert_record, plan_record
from api.records.view import new_record_json, record_json
from api.store import Store


def is_plain(body: RecordIn) -> bool:
    """Whether nothing hangs off the record (no check-ins, parties, photos, track, floor or unit):
    it is then stored without the ORM, on PostGIS in the group commit, and the ASGI shortcut
    may serve it."""
    return not (body.checkins or body.parties or body.photos or body.track
                or body.floor is not None or body.unit is not None)


def plan(store: Store, scope: Scope, body: RecordIn) -> dict[str, Any]:
    """Check a new record (pure checks, no I/O) and work out the values to store."""
    return plan_record(store, scope, body)


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
        heatagg.upsert(conn, [heatagg.added(values)])
    return True


def same_record(session: Session, scope: Scope, found: Record) -> tuple[dict[str, Any], int]:
    """The answer to a resend whose content matches the stored record, whatever its shape and
    path: that record, 200, with the body its 201 had."""
    return record_json(session, scope, found, detail=False), 200


def resent(
    store: Store, scope: Scope, body: RecordIn, values: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """The answer to an id that is already stored (``api.records.service.existing_record``)."""
    with store.sessions() as session:
        found = existing_record(session, scope, body.id, values["content_hash"])
        if found is None:  # cannot happen: records are never deleted
            raise RuntimeError(f"record {body.id} conflicted but is not stored")
        return same_record(session, scope, found)


def _created(scope: Scope, body: RecordIn, values: dict[str, Any]) -> dict[str, Any]:
    """The JSON of a record this request stored (without reading it back)."""
    parties = [p.model_dump() for p in body.parties]
    return new_record_json(scope, Record(**values, version=1), parties, body.photos)


def store_sync(
    store: Store, scope: Scope, body: RecordIn, values: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """Store a planned record in one transaction (blocking; the threadpool's side): a plain one
    on SQLite by cached Core statements, any other through the ORM. The JSON and status."""
    if is_plain(body) and is_sqlite(store.engine):
        if _insert_sqlite(store.engine, values):
            return _created(scope, body, values), 201
        return resent(store, scope, body, values)
    with store.sessions() as session:
        rec, created = insert_record(session, scope, body, values)
        if created:
            return _created(scope, body, values), 201
        return same_record(session, scope, rec)


async def store_new(
    store: Store, scope: Scope, body: RecordIn, values: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """Store a planned new record (``plan``), the one writer of records: a plain one on PostGIS
    in the next group-commit round (on the event loop, no thread), anything else by
    ``store_sync`` in the threadpool. The JSON and status: 201 stored, 200 an identical resend
    (409 on other content, ``api.records.service.existing_record``)."""
    if is_plain(body) and store.writes is not None:
        if await store.writes.store(values):
            return _created(scope, body, values), 201
        return await run_in_threadpool(resent, store, scope, body, values)
    return await run_in_threadpool(store_sync, store, scope, body, values)
