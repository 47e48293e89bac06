"""Domain exceptions of the API and the ONE table mapping each (grid's included) to an HTTP status.

Every error body has FastAPI's validation shape ``{"detail": [{"loc", "msg", "type"}]}`` so the
tablet app can put each message next to its field; conflicts add ``current``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from grid.domain.caseflow import TransitionError
from grid.errors import CoordinateError, GridError, InputError, PartitionError

Loc = tuple[str | int, ...]


class ErrorItem(BaseModel):
    """One refused field: where (``loc``), why (``msg``) and a machine-readable ``type``."""

    model_config = ConfigDict(extra="forbid")

    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """The one error body of every 4xx/5xx answer (the OpenAPI document's error schema)."""

    model_config = ConfigDict(extra="forbid")

    detail: list[ErrorItem]
    current: Any = Field(
        default=None,
        description="409 only: the object as stored now (null when it is not yours to see)",
    )


class ApiError(Exception):
    """Base of the API's domain errors: a message, where it applies and a machine-readable type."""

    kind = "error"

    def __init__(self, msg: str, loc: Loc = ("body",), *, extra: dict[str, Any] | None = None):
        super().__init__(msg)
        self.msg = msg
        self.loc = loc
        self.extra = extra or {}


class InvalidInput(ApiError):
    """A field value the domain refuses (unknown category, impossible date, bad geometry...)."""

    kind = "value_error"


class OutsideCells(InvalidInput):
    """A point that lies in no cell (and so in no community)."""

    kind = "outside_cells"


class BadRequest(ApiError):
    """A query parameter a standard says to refuse with 400 (the OGC API's bbox, crs, filter...)."""

    kind = "bad_request"


class NotAuthenticated(ApiError):
    """Missing, expired or wrong credentials."""

    kind = "not_authenticated"


class Forbidden(ApiError):
    """The user's role or cells do not allow this."""

    kind = "forbidden"


class NotFound(ApiError):
    """No such object, or not one the user may see."""

    kind = "not_found"


class Conflict(ApiError):
    """A resend with different content, or an update against a stale version; carries
    ``current``."""

    kind = "conflict"


class Busy(ApiError):
    """The server cannot take this request now (its write queue is full); send it again."""

    kind = "busy"
    retry_after = 2  # seconds, sent as Retry-After


class TooMany(ApiError):
    """Too many requests from one address or phone in a while (public reports); try later."""

    kind = "rate_limited"
    retry_after = 3600  # seconds, sent as Retry-After


class TooLarge(ApiError):
    """A body or upload over its size limit."""

    kind = "too_large"


class UnsupportedMedia(ApiError):
    """An upload whose content is not an accepted image type."""

    kind = "unsupported_media"


# The one table: most specific class first.
STATUS: tuple[tuple[type[Exception], int], ...] = (
    (OutsideCells, 422),
    (InvalidInput, 422),
    (BadRequest, 400),
    (NotAuthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (TooLarge, 413),
    (TooMany, 429),
    (Busy, 503),
    (UnsupportedMedia, 415),
    (TransitionError, 422),
    (CoordinateError, 422),
    (PartitionError, 422),
    (InputError, 422),
    (GridError, 422),
)


def status_of(exc: Exception) -> int:
    """The HTTP status of a domain exception according to the table."""
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def error_body(exc: Exception) -> dict[str, Any]:
    """The JSON body for a domain exception, in FastAPI's validation shape."""
    if isinstance(exc, ApiError):
        return {"detail": [{"loc": list(exc.loc), "msg": exc.msg, "type": exc.kind}], **exc.extra}
    if isinstance(exc, GridError):
        loc = ["body", exc.field] if exc.field else ["body"]
        return {"detail": [{"loc": loc, "msg": exc.message, "type": type(exc).__name__}]}
    if isinstance(exc, TransitionError):
        return {"detail": [{"loc": ["body", "action"], "msg": str(exc), "type": "transition"}]}
    return {"detail": [{"loc": [], "msg": "internal error", "type": "internal"}]}


DOMAIN: tuple[type[Exception], ...] = tuple(cls for cls, _ in STATUS)


def domain_response(exc: Exception) -> JSONResponse:
    """The answer to a domain exception: its status from the table, its body, and the
    ``WWW-Authenticate`` challenge when it is about signing in."""
    headers = None
    if isinstance(exc, NotAuthenticated):
        headers = {"WWW-Authenticate": "Bearer"}
    elif isinstance(exc, Busy | TooMany):
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse(error_body(exc), status_code=status_of(exc), headers=headers)


# FastAPI answers 400 "There was an error parsing the body" when it cannot read the body at all (a
# JSON body that is not UTF-8 or nested too deep for the parser, a broken multipart form); the
# contract has a field-level 422 for it.
UNREADABLE_BODY = {
    "detail": [
        {
            "loc": ["body"],
            "msg": "the body could not be read: send UTF-8 JSON of reasonable depth, "
            "or a well-formed form",
            "type": "body_invalid",
        }
    ]
}


def install(app: FastAPI) -> None:
    """Register the handlers so every error, domain or HTTP, leaves in the same shape."""

    async def on_domain(_request: Request, exc: Exception) -> JSONResponse:
        return domain_response(exc)

    for cls in DOMAIN:
        app.add_exception_handler(cls, on_domain)

    # the decorator, unlike add_exception_handler, accepts handlers typed for their exception class
    @app.exception_handler(StarletteHTTPException)
    async def on_http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # only body parsing answers 400: a body that is not text
            return JSONResponse(UNREADABLE_BODY, status_code=422)
        # FastAPI's HTTPException (a subclass) carries any JSON-able detail, e.g. a list of errors
        detail: object = exc.detail
        if not isinstance(detail, list):
            detail = [{"loc": [], "msg": str(detail), "type": "http"}]
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def on_validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)
