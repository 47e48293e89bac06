"""Refuse request bodies the API will not read, before they are read: oversized ones (413) and
ones declared in a charset other than UTF-8 (415), in the API's error shape."""

from __future__ import annotations

import json

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import UnsupportedMedia, domain_response

UTF8 = {"utf-8", "utf8"}  # how a Content-Type may name the one charset we read
BODILESS = {"GET", "HEAD", "OPTIONS"}


def declared_charset(content_type: str) -> str | None:
    """The ``charset`` parameter of a Content-Type value (lower case, unquoted), or None."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


class Utf8Only:
    """ASGI middleware: a body whose Content-Type declares a charset other than UTF-8 gets 415,
    so text is never read in an encoding other than the one it was sent in. Installed around the
    direct record entry (``api.record_ingest``), it covers every route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 415 for a non-UTF-8 charset, else pass the request on untouched."""
        if scope["type"] == "http" and scope["method"] not in BODILESS:
            for name, value in scope.get("headers") or []:
                if name != b"content-type":
                    continue
                charset = declared_charset(value.decode("latin-1"))
                if charset is not None and charset not in UTF8:
                    refusal = UnsupportedMedia(
                        f"Content-Type header declares charset={charset}; only UTF-8 is accepted",
                        ("header", "content-type"),
                    )
                    await domain_response(refusal)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


class BodyLimit:
    """ASGI middleware: bodies over ``max_bytes`` (``photo_bytes`` for uploads) get 413."""

    def __init__(self, app: ASGIApp, max_bytes: int, photo_bytes: int) -> None:
        self.app, self.max_bytes, self.photo_bytes = app, max_bytes, photo_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check Content-Length up front and count streamed bytes as they arrive."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        if scope["path"].endswith("/photos"):
            limit = self.photo_bytes + 64 * 1024  # multipart framing around the file
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _too_large(send, limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _Oversize(limit)
            return message

        try:
            await self.app(scope, counted, send)
        except _Oversize:
            await _too_large(send, limit)


class _Oversize(HTTPException):
    """Raised inside the app when a streamed body passes the limit: an HTTP 413 in the API's
    error shape, so the router answers it as such (it turns other errors met while reading a
    body into a 400) and ``BodyLimit`` answers it when it escapes the app."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=_detail(limit))


def _detail(limit: int) -> list[dict[str, object]]:
    """The field-level detail of a body over ``limit`` bytes."""
    return [{"loc": ["body"], "msg": f"request body over {limit} bytes", "type": "too_large"}]


async def _too_large(send: Send, limit: int) -> None:
    """Send a 413 with a field-level message."""
    body = json.dumps({"detail": _detail(limit)}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
