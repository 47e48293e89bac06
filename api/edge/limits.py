"""Refuse oversized request bodies before they are read (413 in the API's error shape)."""

from __future__ import annotations

import json

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


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
