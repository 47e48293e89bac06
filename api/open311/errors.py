"""GeoReport v2's error answers: under ``/open311/v2/`` every refusal leaves as the spec's list of
``{code, description}`` (JSON) or ``<errors><error>`` (XML, for ``.xml`` resources) instead of the
API's ``{"detail": [...]}``, with the same HTTP status and the refused field named first in each
description, so Open311 client libraries can read them."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.edge.responses import Out
from api.open311.xml import to_xml

PREFIX = "/open311/v2/"


class GeoReportError(Out):
    """One error as GeoReport v2 has it: the HTTP status as ``code`` and a description."""

    code: int
    description: str


def descriptions(body: bytes) -> list[str]:
    """The API error body's messages, each led by its field (``lat: lat and long are
    required``); a body that is not the API's shape is kept as one description."""
    try:
        detail = json.loads(body)["detail"]
        items = detail if isinstance(detail, list) else [{"msg": str(detail)}]
    except (ValueError, KeyError, TypeError):
        return [body.decode("utf-8", "replace")[:500] or "error"]
    out = []
    for item in items:
        loc = [str(p) for p in item.get("loc", []) if p not in ("body", "query", "path")]
        msg = str(item.get("msg", ""))
        out.append(f"{'.'.join(loc)}: {msg}" if loc else msg)
    return out or ["error"]


def reshape(status: int, body: bytes, xml: bool) -> tuple[bytes, bytes]:
    """The GeoReport v2 error document (and its content type) for an API error body."""
    errors: list[dict[str, Any]] = [{"code": status, "description": d} for d in descriptions(body)]
    if xml:
        return to_xml("errors", errors), b"text/xml; charset=utf-8"
    return json.dumps(errors, ensure_ascii=False).encode(), b"application/json"


class GeoReportErrors:
    """ASGI middleware: error answers (status >= 400) under ``/open311/v2/`` in GeoReport v2's
    shape, whichever layer refused (validation, a domain error, the body limit, the text rules)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        xml = scope["path"].endswith(".xml")
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and message["status"] >= 400:
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body, ctype = reshape(start["status"], b"".join(chunks), xml)
            keep = [
                (k, v)
                for k, v in start.get("headers", [])
                if k.lower() not in (b"content-length", b"content-type")
            ]
            headers = [
                *keep,
                (b"content-type", ctype),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)
