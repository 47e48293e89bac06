"""The OGC API's exceptions: a 400 for a bad parameter and a 404 for an unknown collection or
feature, each carrying the standard's ``code`` and ``description`` beside the API's one error
shape (``api.errors``: ``detail`` with ``loc``), so both kinds of client read them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from api.errors import BadRequest, ErrorItem, NotFound


class InvalidParameter(BadRequest):
    """A query parameter the OGC API refuses (400 ``InvalidParameterValue``)."""

    def __init__(self, msg: str, name: str) -> None:
        extra = {"code": "InvalidParameterValue", "description": msg}
        super().__init__(msg, ("query", name), extra=extra)


class Missing(NotFound):
    """An unknown collection or a feature that does not exist or is not the caller's to see."""

    def __init__(self, msg: str, where: str) -> None:
        super().__init__(msg, ("path", where), extra={"code": "NotFound", "description": msg})


class OgcError(BaseModel):
    """The error body of the OGC API's operations (the standard's exception plus ``detail``)."""

    model_config = ConfigDict(extra="forbid")

    code: str | None = None
    description: str | None = None
    detail: list[ErrorItem]
