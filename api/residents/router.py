"""Residents' channel: the public page's endpoints (no account) under ``/public``, and the
officers' ratings of a case (phone call-back) under ``/records/{id}/ratings``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from api.dependencies import ScopeDep, SessionDep, StoreDep
from api.edge.responses import SIGNED_IN, WRITE, answers, binary
from api.errors import NotFound
from api.models import Cell, Photo, RecordPhoto, utcnow
from api.records.service import visible_record
from api.register.crypto import cipher_for
from api.residents import service
from api.residents.limits import client_address
from api.residents.qr import qr_svg, report_url
from api.residents.responses import CaseRatingsOut, PublicCellOut, PublicPhotoOut, TicketOut
from api.residents.schemas import RatingIn, ReportIn
from api.residents.view import ratings_json, ticket_json

router = APIRouter(tags=["residents"])
PUBLIC = (422, 429)


@router.get("/public/cells/{code}", response_model=None, responses=answers(PublicCellOut, 404, 422))
def public_cell(code: str, session: SessionDep) -> JSONResponse:
    """Where a cell's QR link should centre the report page: its centre and bounds."""
    cell = session.scalar(select(Cell).where(Cell.code == code, Cell.valid_at(utcnow())))
    if cell is None:
        raise NotFound(f"no cell {code}", ("path", "code"))
    shape = to_shape(cell.geom)
    centre = shape.representative_point()
    return JSONResponse(
        {
            "code": cell.code,
            "community_code": cell.community_code,
            "lon": centre.x,
            "lat": centre.y,
            "bbox": list(shape.bounds),
        }
    )


@router.get(
    "/public/cells/{code}/qr.svg",
    response_class=Response,
    responses=answers(None, 404, 422, media={"image/svg+xml": {"schema": {"type": "string"}}}),
)
def public_cell_qr(code: str, session: SessionDep, store: StoreDep) -> Response:
    """The QR code of the cell's report page, to print on its notice board."""
    found = session.scalar(select(Cell.code).where(Cell.code == code, Cell.valid_at(utcnow())))
    if found is None:
        raise NotFound(f"no cell {code}", ("path", "code"))
    svg = qr_svg(report_url(store.settings, code))
    return Response(svg, media_type="image/svg+xml")


@router.post(
    "/public/photos",
    status_code=201,
    response_model=None,
    responses=answers(PublicPhotoOut, *PUBLIC, 413, 415, status=201),
)
def public_photo(
    file: Annotated[UploadFile, File()], request: Request, session: SessionDep, store: StoreDep
) -> JSONResponse:
    """Take a resident's photo: size limit, type sniffing, EXIF stripped before it is stored."""
    data = file.file.read(store.settings.max_photo_bytes + 1)
    out = service.upload_photo(store, session, data, client_address(request))
    return JSONResponse(out, status_code=201)


@router.post(
    "/public/reports",
    status_code=201,
    response_model=None,
    responses=answers(TicketOut, *PUBLIC, 413, status=201),
)
def public_report(
    body: ReportIn, request: Request, session: SessionDep, store: StoreDep
) -> JSONResponse:
    """A resident's report: it enters the case loop as reported for the cell's officers to
    verify; the answer carries the ticket to follow it by."""
    report, rec = service.submit(store, session, body, client_address(request))
    return JSONResponse(ticket_json(session, report, rec), status_code=201)


@router.get("/public/reports/{ticket}", response_model=None, responses=answers(TicketOut, 404, 422))
def public_ticket(ticket: str, session: SessionDep) -> JSONResponse:
    """Where a resident's report stands (nothing about anyone else)."""
    report, rec = service.by_ticket(session, ticket)
    return JSONResponse(ticket_json(session, report, rec))


@router.get(
    "/public/reports/{ticket}/photos/{sha256}",
    response_model=None,
    responses=answers(None, 404, 422, media=binary("image/jpeg", "image/png", "image/webp")),
)
def public_ticket_photo(
    ticket: str, sha256: str, session: SessionDep, store: StoreDep
) -> FileResponse:
    """A photo of the ticket's own case (cleaned of metadata when a resident sent it)."""
    _, rec = service.by_ticket(session, ticket)
    linked = session.get(RecordPhoto, (rec.id, sha256)) if len(sha256) == 64 else None
    photo = session.get(Photo, sha256) if linked else None
    if photo is None:
        raise NotFound(f"no photo {sha256} on this ticket", ("path", "sha256"))
    return FileResponse(store.settings.photo_dir / photo.path, media_type=photo.content_type)


@router.post(
    "/public/reports/{ticket}/rating",
    response_model=None,
    responses=answers(TicketOut, 404, 409, 422),
)
def public_rating(ticket: str, body: RatingIn, session: SessionDep) -> JSONResponse:
    """The resident's rating once the case is closed (满意 / 基本满意 / 不满意), once."""
    report, rec = service.rate(session, ticket, body.rating, body.note)
    return JSONResponse(ticket_json(session, report, rec))


@router.get(
    "/records/{id}/ratings",
    response_model=None,
    responses=answers(CaseRatingsOut, *SIGNED_IN, 404),
)
def case_ratings(
    id: uuid.UUID, scope: ScopeDep, session: SessionDep, store: StoreDep
) -> JSONResponse:
    """A case's channel, its reporter's phone (masked by role; a read in full is audited) and
    its ratings."""
    rec = visible_record(session, scope, id)
    return JSONResponse(ratings_json(session, scope, rec, cipher_for(store.settings)))


@router.post(
    "/records/{id}/ratings",
    status_code=201,
    response_model=None,
    responses=answers(CaseRatingsOut, *WRITE, 404, status=201),
)
def callback_rating(
    id: uuid.UUID, body: RatingIn, scope: ScopeDep, session: SessionDep, store: StoreDep
) -> JSONResponse:
    """An officer's phone call-back rating of a closed case (电话回访)."""
    scope.require_write()
    rec = visible_record(session, scope, id)
    scope.require_cell(rec.cell_code, rec.community_code, ("path", "id"))
    service.add_callback(session, rec, body.rating, body.note, scope.user_id)
    out = ratings_json(session, scope, rec, cipher_for(store.settings))
    return JSONResponse(out, status_code=201)
