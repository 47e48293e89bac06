"""The duty roster: ``/cells/{code}/roster``, ``/roster/{id}`` and ``/cells/{code}/absences``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from api.dependencies import ScopeDep, SessionDep, StoreDep
from api.edge.responses import SIGNED_IN, WRITE, answers
from api.models import User, utcnow
from api.periods import Moment
from api.roster import service
from api.roster.responses import AbsenceOut, MemberOut, RosterOut
from api.roster.schemas import MAX_ID, AbsenceIn, MemberEnd, MemberIn

router = APIRouter(tags=["roster"])
Code = Annotated[str, Path(min_length=1, max_length=15)]


@router.get(
    "/cells/{code}/roster", response_model=None, responses=answers(RosterOut, *SIGNED_IN, 404)
)
def get_roster(
    code: Code, scope: ScopeDep, session: SessionDep, store: StoreDep, at: Moment | None = None
) -> JSONResponse:
    """Cell ``code``'s roster at ``at`` (default now): every signed-in user may read it, as
    residents read it on the notice board (display names and published duty phones)."""
    return JSONResponse(
        service.roster_json(session, code, at or utcnow(), store.settings.duty_phones)
    )


@router.post(
    "/cells/{code}/roster",
    status_code=201,
    response_model=None,
    responses=answers(MemberOut, *WRITE, 404, status=201),
)
def add_member(
    code: Code, body: MemberIn, scope: ScopeDep, session: SessionDep, store: StoreDep
) -> JSONResponse:
    """Put an account or a named contact on the roster (admin, street office)."""
    entry = service.add_member(session, scope, code, body)
    user = session.get(User, entry.user_id) if entry.user_id else None
    out = service.member_json(entry, user, store.settings.duty_phones)
    session.commit()
    return JSONResponse(out, status_code=201)


@router.patch("/roster/{id}", response_model=None, responses=answers(MemberOut, *WRITE, 404))
def end_member(
    id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: MemberEnd,
    scope: ScopeDep,
    session: SessionDep,
    store: StoreDep,
) -> JSONResponse:
    """End a roster entry (admin, street office); it stays in the history."""
    entry = service.end_member(session, scope, id, body.ended_at)
    user = session.get(User, entry.user_id) if entry.user_id else None
    out = service.member_json(entry, user, store.settings.duty_phones)
    session.commit()
    return JSONResponse(out)


@router.post(
    "/cells/{code}/absences",
    status_code=201,
    response_model=None,
    responses=answers(AbsenceOut, *WRITE, 404, status=201),
)
def add_absence(code: Code, body: AbsenceIn, scope: ScopeDep, session: SessionDep) -> JSONResponse:
    """The cell's leader is away from ``from`` to ``to``: the backup covers the cell meanwhile."""
    absence = service.add_absence(session, scope, code, body)
    out = service.absence_json(session, absence)
    session.commit()
    return JSONResponse(out, status_code=201)
