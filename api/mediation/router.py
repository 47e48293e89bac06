"""Dispute mediation (``/records/{id}/mediation``) and screening rounds (``/screenings``)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.dependencies import PeriodDep, ScopeDep, SessionDep, StoreDep
from api.edge.responses import SIGNED_IN, WRITE, answers
from api.mediation import service
from api.mediation.responses import MediationOut, ScreeningOut
from api.mediation.schemas import MediationIn, ScreeningIn, SessionIn

router = APIRouter(tags=["mediation"])


@router.get(
    "/records/{id}/mediation",
    response_model=None,
    responses=answers(MediationOut, *SIGNED_IN, 404),
)
def get_mediation(id: uuid.UUID, scope: ScopeDep, session: SessionDep) -> JSONResponse:
    """A dispute's mediation: mediator, outcome, referral, agreement, mass incident, sessions."""
    return JSONResponse(service.mediation_json(session, scope, id))


@router.put(
    "/records/{id}/mediation",
    response_model=None,
    responses=answers(MediationOut, *WRITE, 404),
)
def put_mediation(
    id: uuid.UUID, body: MediationIn, scope: ScopeDep, session: SessionDep
) -> JSONResponse:
    """Set a dispute's mediation; an outcome (调解成功 / 部分 / 失败 / 转交) ends it."""
    service.save_mediation(session, scope, id, body)
    return JSONResponse(service.mediation_json(session, scope, id))


@router.post(
    "/records/{id}/mediation/sessions",
    status_code=201,
    response_model=None,
    responses=answers(MediationOut, *WRITE, 404, status=201),
)
def add_session(
    id: uuid.UUID, body: SessionIn, scope: ScopeDep, session: SessionDep, store: StoreDep
) -> JSONResponse:
    """Record one mediation session."""
    service.add_session(session, store, scope, id, body)
    return JSONResponse(service.mediation_json(session, scope, id), status_code=201)


@router.post(
    "/screenings",
    status_code=201,
    response_model=None,
    responses=answers(ScreeningOut, *WRITE, status=201, also=(200,)),
)
def add_screening(
    body: ScreeningIn, scope: ScopeDep, session: SessionDep, store: StoreDep
) -> JSONResponse:
    """Record a screening round (排查) of a cell; ``disputes_found: 0`` is "nothing found"."""
    row, created = service.add_screening(session, store, scope, body)
    return JSONResponse(service.screening_json(row), status_code=201 if created else 200)


@router.get("/screenings", response_model=None, responses=answers(list[ScreeningOut], *SIGNED_IN))
def list_screenings(
    scope: ScopeDep, session: SessionDep, period: PeriodDep, cell: str | None = None
) -> JSONResponse:
    """Screening rounds the user may see, newest first."""
    rows = service.list_screenings(session, scope, cell, period.start, period.end)
    return JSONResponse(rows)
