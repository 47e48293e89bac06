"""Request dependencies in one place: the store, the session, the current user and common
filters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.access import Scope, load_scope
from api.errors import InvalidInput, NotAuthenticated
from api.models import User, utcnow
from api.periods import Period as Period  # re-exported: the type of PeriodDep
from api.periods import period
from api.store import Store


async def get_store(request: Request) -> Store:
    """The app's store (async: no thread hop for something this cheap)."""
    return request.app.state.store


async def get_session(store: Annotated[Store, Depends(get_store)]) -> AsyncIterator[Session]:
    """A session for one request; endpoints commit what they acknowledge, the rest is rolled back.

    Async so it costs no thread hop: the session connects lazily inside the (threaded) endpoint.
    """
    session = store.sessions()
    try:
        yield session
    finally:
        if session.in_transaction():  # holds a connection: closing rolls back, which is I/O
            await run_in_threadpool(session.close)
        else:  # unused, or committed (connection already back in the pool): nothing to wait for
            session.close()


StoreDep = Annotated[Store, Depends(get_store)]
SessionDep = Annotated[Session, Depends(get_session)]
_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


GENERATIONS = ("users", "leaders", "cells")  # the change counters a cached scope depends on


def _scope_key(gens: dict[str, int]) -> tuple[int, ...]:
    """The counters a cached scope is valid for: any user, leader or cell change invalidates it."""
    return tuple(gens.get(name, 0) for name in GENERATIONS)


def _current(scope: Scope) -> bool:
    """Whether a cached scope still holds by the calendar (a backup's cover starts or ends at a
    set time, without any counter changing)."""
    return scope.until is None or utcnow() < scope.until


async def current_scope(store: StoreDep, token: Annotated[str | None, Depends(_bearer)]) -> Scope:
    """The signed-in user's scope, cached per process until users, leaders or cells change.

    Disabling a user or changing their role or street bumps ``users`` (``api.io.loaders``), so the
    account's ``active`` flag is re-read within ``generation_ttl`` without a query per request.
    The common case (verified token, fresh counters, cached scope) runs on the event loop without
    touching the database. When the counters are due, one request re-reads them in the threadpool
    while the others arriving meanwhile wait for that same read; a scope not cached for the new
    counters is then loaded in the threadpool with its own session.
    """
    if not token:
        raise NotAuthenticated("not signed in", ("header", "Authorization"))
    username = store.tokens.subject(token, store.secret, store.settings.token_minutes)
    return await scope_of(store, username)


async def scope_of(store: Store, username: str) -> Scope:
    """The scope of a signed-in ``username`` (``current_scope``'s cache and loading), also for
    callers signed in otherwise (the OGC API's service-account keys)."""
    if not store.generations_fresh():
        await store.refresh_generations()
    cached = store.scopes.get(username)
    gens = store.generations[1]
    if (
        cached is not None
        and cached[0] == _scope_key(gens)
        and store.cells.generation == gens.get("cells", 0)
        and _current(cached[1])
    ):
        return cached[1]
    return await run_in_threadpool(_load_scope, store, username)


def _load_scope(store: Store, username: str) -> Scope:
    """Refresh the counters, the cell index and the user's scope from the database."""
    with store.sessions() as session:
        return _load_scope_in(store, session, username)


def _load_scope_in(store: Store, session: Session, username: str) -> Scope:
    """``_load_scope`` within ``session``."""
    gens = store.current_generations(session)
    store.cells.refresh(session, gens.get("cells", 0))
    key = _scope_key(gens)
    cached = store.scopes.get(username)
    if cached is not None and cached[0] == key and _current(cached[1]):
        return cached[1]
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise NotAuthenticated("unknown or disabled user", ("header", "Authorization"))
    scope = load_scope(session, user)
    with store.lock:
        store.scopes[username] = (key, scope)
    return scope


ScopeDep = Annotated[Scope, Depends(current_scope)]


def bbox(
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
) -> tuple[float, float, float, float] | None:
    """The ``bbox`` filter as four WGS84 numbers in range and in order."""
    if bbox is None:
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in bbox.split(","))
    except ValueError as e:
        raise InvalidInput(
            "bbox must be four numbers: minlon,minlat,maxlon,maxlat", ("query", "bbox")
        ) from e
    if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        raise InvalidInput(
            "bbox must be minlon,minlat,maxlon,maxlat within WGS84 ranges", ("query", "bbox")
        )
    return x0, y0, x1, y1


PeriodDep = Annotated[Period, Depends(period)]
BBoxDep = Annotated[tuple[float, float, float, float] | None, Depends(bbox)]
Limit = Annotated[int, Query(ge=1, le=10000)]
