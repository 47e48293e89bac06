"""Visits, key-group tags, due visits and visit statistics over HTTP (issue 12): thin routes
over ``api.visits``' services."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from api.checks import MAX_INT32
from api.dependencies import PeriodDep, ScopeDep, SessionDep, StoreDep
from api.edge.responses import SIGNED_IN, WRITE, RecordDetail, answers
from api.periods import Day, Days, days
from api.register.router import CipherDep, Purpose
from api.register.rules import today
from api.register.view import Reader
from api.visits import due, journal, service, stats, tags
from api.visits.responses import DueOut, TagOut, VisitList, VisitOut, VisitStats
from api.visits.schemas import TagCreate, TagPatch, VisitIn

router = APIRouter(tags=["visits"])
DaysDep = Annotated[Days, Depends(days)]


@router.post(
    "/persons/{id}/tags",
    status_code=201,
    response_model=None,
    responses=answers(TagOut, *WRITE, 404, status=201, also=(200,)),
)
def add_tag(
    id: uuid.UUID, body: TagCreate, scope: ScopeDep, session: SessionDep, cipher: CipherDep
) -> JSONResponse:
    """Put a resident in a key group from ``start`` (to ``end``); the same again: 200."""
    tag, created = tags.add_tag(Reader(session, scope, cipher), id, body)
    return JSONResponse(tags.tag_out(tag), status_code=201 if created else 200)


@router.patch(
    "/persons/{id}/tags/{tag_id}", response_model=None, responses=answers(TagOut, *WRITE, 404)
)
def patch_tag(
    id: uuid.UUID,
    tag_id: Annotated[int, Path(ge=1, le=MAX_INT32)],
    body: TagPatch,
    scope: ScopeDep,
    session: SessionDep,
    cipher: CipherDep,
) -> dict[str, Any]:
    """End a membership, record a re-offence or change its note."""
    return tags.tag_out(tags.patch_tag(Reader(session, scope, cipher), id, tag_id, body))


@router.post(
    "/visits",
    status_code=201,
    response_model=None,
    responses=answers(VisitOut, *WRITE, status=201, also=(200,)),
)
def create_visit(
    body: VisitIn, scope: ScopeDep, session: SessionDep, store: StoreDep
) -> JSONResponse:
    """Record a visit to a household, building or place (the same id and content again: 200)."""
    v, created = service.create_visit(session, store, scope, body)
    return JSONResponse(
        service.visits_json(session, scope, [v])[0], status_code=201 if created else 200
    )


@router.get("/visits", response_model=None, responses=answers(VisitList, *SIGNED_IN))
def list_visits(
    scope: ScopeDep,
    session: SessionDep,
    period: PeriodDep,
    user: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    day: Annotated[Day | None, Query(description="a local day, YYYY-MM-DD")] = None,
    cell: Annotated[str | None, Query(min_length=1, max_length=15)] = None,
) -> dict[str, Any]:
    """Visits the caller may see, newest first (民情日志: ``user`` and ``day``)."""
    return {"visits": journal.list_visits(session, scope, user, day, cell, period)}


@router.get("/visits/due", response_model=None, responses=answers(DueOut, *SIGNED_IN))
def due_visits(
    scope: ScopeDep,
    session: SessionDep,
    cipher: CipherDep,
    cell: Annotated[str | None, Query(min_length=1, max_length=15)] = None,
    within_days: Annotated[int, Query(ge=0, le=366)] = 7,
    purpose: Purpose = None,
) -> dict[str, Any]:
    """Key-group members' visits overdue, due within ``within_days`` and upcoming, today."""
    reader = Reader(session, scope, cipher, purpose)
    return due.due_list(reader, cell, within_days, today())


@router.post(
    "/visits/{id}/needs/{n}/case",
    status_code=201,
    response_model=None,
    responses=answers(RecordDetail, *WRITE, 404, status=201, also=(200,)),
)
def need_case(
    id: uuid.UUID,
    n: Annotated[int, Path(ge=0, le=999)],
    scope: ScopeDep,
    session: SessionDep,
    store: StoreDep,
) -> JSONResponse:
    """Turn a visit's follow-up need into a case (asked again: the same case, 200)."""
    out, created = journal.need_case(session, store, scope, id, n)
    return JSONResponse(out, status_code=201 if created else 200)


@router.get("/stats/visits", response_model=None, responses=answers(VisitStats, *SIGNED_IN))
def visit_stats(
    scope: ScopeDep,
    session: SessionDep,
    period: DaysDep,
    by: Annotated[str, Query(pattern="^(cell|officer|community)$")] = "cell",
) -> dict[str, Any]:
    """Visit coverage, on-time visits, 帮教率 and 重新犯罪率 per cell, officer or community."""
    return stats.visit_stats(session, scope, period, by)
