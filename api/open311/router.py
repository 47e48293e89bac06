"""Open311 GeoReport v2 (``/open311/v2/``), each resource in ``.json`` and ``.xml``: discovery,
services, service definitions, requests (POST with a client's api_key; GET public)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from api.dependencies import SessionDep, StoreDep
from api.edge.responses import answers
from api.open311 import service
from api.open311.errors import GeoReportError
from api.open311.responses import (
    DefinitionOut,
    DiscoveryOut,
    PostedOut,
    RequestOut,
    ServiceOut,
)
from api.open311.xml import to_xml
from api.periods import Moment
from api.residents.limits import client_address

router = APIRouter(prefix="/open311/v2", tags=["open311"])
XML = {"text/xml": {"schema": {"type": "string"}}}
SPEC_ERRORS = list[GeoReportError]  # errors in the spec's shape (api.open311.errors)


class Format(StrEnum):
    """The two formats of GeoReport v2."""

    JSON = "json"
    XML = "xml"


class Locale(StrEnum):
    """The language of names and notes."""

    ZH = "zh"
    EN = "en"


class OpenStatus(StrEnum):
    """GeoReport v2's statuses."""

    OPEN = "open"
    CLOSED = "closed"


def _answer(fmt: Format, root: str, value: Any, status: int = 200) -> Response:
    """``value`` as JSON, or as XML under ``root``."""
    if fmt == Format.XML:
        return Response(to_xml(root, value), status_code=status, media_type="text/xml")
    return JSONResponse(value, status_code=status)


@router.get(
    "/discovery.{fmt}",
    response_model=None,
    responses=answers(DiscoveryOut, 422, media=XML, error=SPEC_ERRORS),
)
def discovery(fmt: Format, request: Request) -> Response:
    """Where this endpoint is and which formats it speaks."""
    base = str(request.url_for("discovery", fmt="json")).rsplit("/", 1)[0] + "/"
    return _answer(fmt, "discovery", service.discovery(base))


@router.get(
    "/services.{fmt}",
    response_model=None,
    responses=answers(list[ServiceOut], 422, media=XML, error=SPEC_ERRORS),
)
def services(
    fmt: Format, locale: Locale = Locale.ZH, jurisdiction_id: str | None = None
) -> Response:
    """The services: the categories residents may report."""
    return _answer(fmt, "services", service.services(locale.value))


@router.get(
    "/services/{code}.{fmt}",
    response_model=None,
    responses=answers(DefinitionOut, 404, 422, media=XML, error=SPEC_ERRORS),
)
def definition(
    code: str, fmt: Format, locale: Locale = Locale.ZH, jurisdiction_id: str | None = None
) -> Response:
    """A service's definition with its extra questions."""
    return _answer(fmt, "service_definition", service.definition(code, locale.value))


@router.post(
    "/requests.{fmt}",
    status_code=201,
    response_model=None,
    responses=answers(list[PostedOut], 403, 422, 429, status=201, media=XML, error=SPEC_ERRORS),
)
async def post_request(
    fmt: Format,
    request: Request,
    store: StoreDep,
    session: SessionDep,
    api_key: Annotated[str, Form(max_length=200)],
    service_code: Annotated[str, Form(max_length=32)],
    lat: Annotated[float | None, Form()] = None,
    long: Annotated[float | None, Form()] = None,
    description: Annotated[str, Form(max_length=2000)] = "",
    phone: Annotated[str | None, Form(max_length=32)] = None,
) -> Response:
    """A client system's request (form-encoded, as the spec says): it enters the residents'
    channel with the same checks and rate limits as the public page."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    form.update(api_key=api_key, service_code=service_code, description=description)
    fields: dict[str, Any] = {**form, "lat": lat, "long": long, "phone": phone}
    out = await run_in_threadpool(
        service.post_request, store, session, fields, client_address(request)
    )
    return _answer(fmt, "service_requests", out, status=201)


@router.get(
    "/requests.{fmt}",
    response_model=None,
    responses=answers(list[RequestOut], 422, media=XML, error=SPEC_ERRORS),
)
def list_requests(
    fmt: Format,
    session: SessionDep,
    service_request_id: Annotated[str | None, Query(max_length=4000)] = None,
    service_code: Annotated[str | None, Query(max_length=32)] = None,
    start_date: Moment | None = None,
    end_date: Moment | None = None,
    status: OpenStatus | None = None,
    locale: Locale = Locale.ZH,
    jurisdiction_id: str | None = None,
) -> Response:
    """Residents' requests (newest first; the last 90 days unless dates or ids are given)."""
    rows = service.list_requests(
        session,
        ids=service_request_id,
        service_code=service_code,
        start=start_date,
        end=end_date,
        status=status.value if status else None,
        lang=locale.value,
    )
    return _answer(fmt, "service_requests", rows)


@router.get(
    "/requests/{id}.{fmt}",
    response_model=None,
    responses=answers(list[RequestOut], 404, 422, media=XML, error=SPEC_ERRORS),
)
def one_request(
    id: str,
    fmt: Format,
    session: SessionDep,
    locale: Locale = Locale.ZH,
    jurisdiction_id: str | None = None,
) -> Response:
    """One request, in a one-item list as the spec has it."""
    return _answer(fmt, "service_requests", service.one_request(session, id, locale.value))
