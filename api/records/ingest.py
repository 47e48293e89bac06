"""The direct entry for new records: ``POST /api/v1/records`` without the router's layers.

Tablets send plain records (no check-ins, parties, photos or track) far more than anything else,
and at busy moments the router's layers (route matching, dependency solving, request and response
models) cost as much CPU as the write itself. This ASGI middleware serves a plain, valid record
signed in with a bearer token directly, calling the same functions as the route in
``api.records.router`` (``current_scope``, ``RecordIn``, ``api.records.create.plan`` and
``store_new``) and answering with the same ``JSONResponse``; the domain errors those raise
(a refused token or point, a conflicting resend) are answered from the one error table
(``api.errors.domain_response``). Anything else — another path, no bearer token, a general record,
a body that does not validate — goes on to the app with the body replayed.
"""

from __future__ import annotations

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.dependencies import current_scope
from api.edge.text import read_body, replay_body
from api.errors import DOMAIN, domain_response
from api.records import create as writes
from api.records.schemas import RecordIn
from api.store import Store


class RecordIngest:
    """ASGI middleware serving plain new records at ``path`` straight from ``store``."""

    def __init__(self, app: ASGIApp, store: Store, path: str) -> None:
        self.app, self.store, self.path = app, store, path
        self.served = 0  # records answered here (the rest went on to the app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a plain record here, or pass the request on (body replayed) to the app."""
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:  # the client went away mid-body: nothing to serve, no one to answer
            return
        answer = await self._serve(scope, body)
        if answer is None:
            await self.app(scope, replay_body(body, receive), send)
            return
        self.served += 1
        await answer(scope, receive, send)

    async def _serve(self, scope: Scope, body: bytes) -> JSONResponse | None:
        """The answer for a plain, valid record by a signed-in user allowed to write it there;
        None for everything the route should handle (and explain) itself."""
        token = _bearer(scope)
        if token is None:
            return None
        try:
            # the body before the token, in the router's order (it reads the body first)
            record = RecordIn.model_validate_json(body)
        except ValueError:  # the route reports it, in its request-validation shape
            return None
        if not writes.is_plain(record):  # check-ins, parties, photos or a track: the route's
            return None
        try:
            user = await current_scope(self.store, token)
            values = writes.plan(self.store, user, record)
            payload, status = await writes.store_new(self.store, user, record, values)
        except DOMAIN as e:
            return domain_response(e)
        return JSONResponse(payload, status_code=status)


def _bearer(scope: Scope) -> str | None:
    """The bearer token of a JSON request, or None (no token, or not JSON)."""
    headers: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        headers.setdefault(name, value)  # the first of a repeated header, as the router reads it
    scheme, _, token = headers.get(b"authorization", b"").partition(b" ")
    kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if scheme.lower() != b"bearer" or kind != b"application/json" or not token.strip():
        return None
    return token.strip().decode("latin-1")
