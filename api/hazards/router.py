"""Hazard rectification: open one for a hazard point, take its steps, list and read them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.dependencies import ScopeDep, SessionDep
from api.edge.responses import SIGNED_IN, WRITE, answers
from api.hazards import service
from api.hazards.responses import RectificationOut
from api.hazards.schemas import RectificationIn, StepIn
from grid.domain.rectification import Stage

router = APIRouter(tags=["hazards"])


@router.post(
    "/places/{id}/rectifications",
    status_code=201,
    response_model=None,
    responses=answers(RectificationOut, *WRITE, 404, status=201, also=(200,)),
)
def open_(
    id: uuid.UUID, body: RectificationIn, scope: ScopeDep, session: SessionDep
) -> JSONResponse:
    """Record a hazard found at a hazard point (发现); a resend of the same id answers 200."""
    rect, created = service.open_rectification(session, scope, id, body)
    return JSONResponse(
        service.rectification_json(session, scope, rect), status_code=201 if created else 200
    )


@router.get(
    "/places/{id}/rectifications",
    response_model=None,
    responses=answers(list[RectificationOut], *SIGNED_IN, 404),
)
def history(id: uuid.UUID, scope: ScopeDep, session: SessionDep) -> JSONResponse:
    """The hazard point's rectifications, each with its steps: its history."""
    service.visible_place(session, scope, id)
    rects = service.list_rectifications(session, scope, place_id=id)
    return JSONResponse([service.rectification_json(session, scope, r) for r in rects])


@router.get(
    "/rectifications",
    response_model=None,
    responses=answers(list[RectificationOut], *SIGNED_IN),
)
def list_(
    scope: ScopeDep,
    session: SessionDep,
    cell: str | None = None,
    stage: Stage | None = None,
    overdue: bool = False,
) -> JSONResponse:
    """Rectifications the user may see (overdue ones with ``overdue=true``), newest first."""
    rects = service.list_rectifications(
        session, scope, cell=cell, stage=stage.value if stage else None, overdue=overdue
    )
    return JSONResponse([service.rectification_json(session, scope, r) for r in rects])


@router.post(
    "/rectifications/{id}/steps",
    response_model=None,
    responses=answers(RectificationOut, *WRITE, 404),
)
def step(id: uuid.UUID, body: StepIn, scope: ScopeDep, session: SessionDep) -> JSONResponse:
    """Order (deadline by severity), re-inspect with photos, escalate, close (销号)."""
    rect = service.take_step(session, scope, id, body)
    return JSONResponse(service.rectification_json(session, scope, rect))
