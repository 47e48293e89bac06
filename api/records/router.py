"""Records: create (idempotent by client UUID), list, read, patch, and case-loop transitions."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from api.dependencies import Limit, ScopeDep, SessionDep, StoreDep
from api.edge.responses import SIGNED_IN, WRITE, RecordDetail, RecordOut, answers
from api.periods import Moment
from api.records import create as writes
from api.records import service
from api.records.schemas import RecordIn, RecordPatch, TransitionIn
from api.records.view import record_json, records_json
from grid.domain.caseflow import Status
from grid.domain.catalog import RecordKind

router = APIRouter(tags=["records"])


@router.post(
    "/records",
    status_code=201,
    response_model=None,
    responses=answers(RecordOut, *WRITE, 503, status=201, also=(200,)),
)
async def create(
    body: Annotated[RecordIn, Body()], scope: ScopeDep, store: StoreDep
) -> JSONResponse:
    """Store a record; a resend of the same id and content answers 200 with the stored one.

    The checks and the cell lookup run on the event loop (no I/O); ``store_new`` then stores it.
    """
    values = writes.plan(store, scope, body)
    payload, status = await writes.store_new(store, scope, body, values)
    return JSONResponse(payload, status_code=status)


@router.get("/records", response_model=None, responses=answers(list[RecordOut], *SIGNED_IN))
def list_(
    scope: ScopeDep,
    session: SessionDep,
    kind: RecordKind | None = None,
    status: Status | None = None,
    cell: str | None = None,
    mine: bool = False,
    assigned: Literal["me"] | None = None,
    overdue: bool = False,
    since: Moment | None = None,
    limit: Limit = 500,
) -> JSONResponse:
    """Records the user may see, newest first; ``assigned=me``: the cases dispatched to the user
    (or to the leader whose absence they cover), wherever they are."""
    recs = service.list_records(
        session,
        scope,
        kind=kind,
        status=status,
        cell=cell,
        mine=mine,
        assigned=assigned == "me",
        overdue=overdue,
        since=since,
        limit=limit,
    )
    return JSONResponse(records_json(session, scope, recs))


@router.get("/records/{id}", response_model=None, responses=answers(RecordDetail, *SIGNED_IN, 404))
def get(id: uuid.UUID, scope: ScopeDep, session: SessionDep) -> JSONResponse:
    """One record with its track, check-ins and transitions."""
    return JSONResponse(record_json(session, scope, service.visible_record(session, scope, id)))


@router.patch("/records/{id}", response_model=None, responses=answers(RecordDetail, *WRITE, 404))
def patch(
    id: uuid.UUID, body: RecordPatch, scope: ScopeDep, session: SessionDep, store: StoreDep
) -> JSONResponse:
    """Change a record at the version the client saw (409 with the current one when stale)."""
    rec = service.patch_record(session, store, scope, id, body)
    return JSONResponse(record_json(session, scope, rec))


@router.post(
    "/records/{id}/transitions",
    response_model=None,
    responses=answers(RecordDetail, *WRITE, 404),
)
def transition(
    id: uuid.UUID, body: TransitionIn, scope: ScopeDep, session: SessionDep
) -> JSONResponse:
    """Take a case-loop action; 422 lists the allowed actions when it is illegal."""
    rec = service.apply_transition(session, scope, id, body)
    return JSONResponse(record_json(session, scope, rec))
