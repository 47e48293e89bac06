"""Text that reaches the routes outside JSON bodies, checked at the edge by the one text rule.

A body declared in a charset other than UTF-8 is refused (415 naming the header) instead of
being read as UTF-8; NUL in the path, the query or a URL-encoded form (the sign-in) is a 422
naming it (``api.edge.text_rules``: PostgreSQL cannot compare against such text, so it would fail as
a
server error, and only there). JSON bodies are checked field by field in ``api.schemas``.
Installed around the direct record entry (``api.records.ingest``), this covers every route.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.edge.text_rules import text_problem
from api.errors import ApiError, InvalidInput, UnsupportedMedia, domain_response

UTF8 = {"utf-8", "utf8"}  # how a Content-Type may name the one charset we read
BODILESS = {"GET", "HEAD", "OPTIONS"}
FORM = "application/x-www-form-urlencoded"


def declared_charset(content_type: str) -> str | None:
    """The ``charset`` parameter of a Content-Type value (lower case, unquoted), or None."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _content_type(scope: Scope) -> str | None:
    """The request's Content-Type header (the first, as the router reads it), or None."""
    for name, value in scope.get("headers") or []:
        if name == b"content-type":
            return value.decode("latin-1")
    return None


def _pairs_refusal(where: str, encoded: str) -> ApiError | None:
    """A 422 for the first name or value of URL-encoded ``encoded`` breaking the text rule."""
    for name, value in parse_qsl(encoded, keep_blank_values=True):
        problem = text_problem(name) or text_problem(value)
        if problem:
            return InvalidInput(problem, (where, name.replace("\x00", "")))
    return None


def _head_refusal(scope: Scope, content_type: str | None) -> ApiError | None:
    """Why the request line or headers are refused (charset, path, query), or None."""
    if content_type is not None and scope["method"] not in BODILESS:
        charset = declared_charset(content_type)
        if charset is not None and charset not in UTF8:
            return UnsupportedMedia(
                f"Content-Type header declares charset={charset}; only UTF-8 is accepted",
                ("header", "content-type"),
            )
    problem = text_problem(scope["path"])
    if problem:
        return InvalidInput(problem, ("path",))
    return _pairs_refusal("query", scope["query_string"].decode("latin-1"))


async def read_body(receive: Receive) -> bytes | None:
    """The whole body, or None when the client went away (a body over the limit is stopped by
    ``api.edge.limits.BodyLimit`` around this middleware)."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


class TextEdge:
    """ASGI middleware: charset, path, query and URL-encoded forms checked before any route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a refusal from the error table, else pass the request on (a form replayed)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_type = _content_type(scope)
        refusal = _head_refusal(scope, content_type)
        if refusal is None and (content_type or "").split(";")[0].strip().lower() == FORM:
            body = await read_body(receive)
            if body is None:
                return
            refusal = _pairs_refusal("body", body.decode("utf-8", errors="replace"))
            receive = replay_body(body, receive)
        if refusal is not None:
            await domain_response(refusal)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` once, then whatever the client sends next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
