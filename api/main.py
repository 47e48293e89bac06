"""Assemble the app: store, error table, body limit, routers under /api/v1, then the web app
at /."""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from sqlalchemy import Engine, text

from api import errors
from api.cellcache import CellCache
from api.db import is_sqlite, make_engine, make_sessionmaker
from api.dependencies import Store
from api.limits import BodyLimit
from api.lookups import seed_lookups
from api.migrate import upgrade
from api.pgasync import AsyncPgPool, conninfo
from api.record_batch import GroupCommit
from api.record_ingest import RecordIngest
from api.routers import analytics, auth, cells, exports, meta, photos, places, records, stats
from api.settings import Settings, get_settings
from api.text_edge import TextEdge

PREFIX = "/api/v1"


STARTUP_LOCK = 7_263_101  # PostgreSQL advisory lock key: one process migrates and seeds at a time


@contextmanager
def _startup_lock(engine: Engine) -> Iterator[None]:
    """Serialise start-up work between processes on PostGIS (uvicorn starts its workers at once,
    and two lookup refreshes at the same moment deadlock); SQLite needs no lock here."""
    if is_sqlite(engine):
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": STARTUP_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": STARTUP_LOCK})
            conn.commit()


def make_store(settings: Settings, *, migrate: bool = True) -> Store:
    """Open the database (migrating it to head and refreshing lookups) and build the caches."""
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    with _startup_lock(engine):
        if migrate:
            upgrade(settings.database_url)
        with engine.begin() as conn:
            seed_lookups(conn)
    pg = None if is_sqlite(engine) else AsyncPgPool(conninfo(engine), settings.db_pool_size)
    return Store(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        cells=CellCache(settings.h3_resolution),
        secret=settings.jwt_secret(),
        scopes={},
        lock=threading.Lock(),
        pg=pg,
        writes=None if pg is None else GroupCommit(pg, settings.write_rounds),
    )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Once started, freeze what start-up built out of the garbage collector's reach; on shutdown,
    close the async PostGIS connections on their own event loop.

    The libraries, lookups and caches loaded at start-up are about a million objects that live as
    long as the process. Left to the collector, every full collection walks them all (0.1–0.3 s
    seen under load, stalling every request of that worker); frozen, it walks only what requests
    have made since.
    """
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()
    if app.state.store.pg is not None:
        await app.state.store.pg.close()


def _telemetry() -> TelemetryConfig | None:
    """FastAPI's OpenTelemetry hooks when OpenTelemetry is configured (``OTEL_*`` or
    ``FASTAPI_OTEL_AUTO_CONFIGURE``), else off: unconfigured, they still cost every request a
    look at the environment and the global providers."""
    if os.environ.get("FASTAPI_OTEL_AUTO_CONFIGURE") or any(
        k.startswith("OTEL_") for k in os.environ
    ):
        return None
    return {"tracing": False, "metrics": False, "logs": False}


def create_app(
    settings: Settings | None = None, store: Store | None = None, *, ingest: bool = True
) -> FastAPI:
    """The Wangge HTTP app over ``store`` (made from ``settings`` when not given); ``ingest``
    serves plain new records without the router (``api.record_ingest``; off only in tests that
    compare the two)."""
    settings = settings or get_settings()
    app = FastAPI(title="Wangge 网格", version="0.1.0", lifespan=_lifespan, telemetry=_telemetry())
    app.state.store = store or make_store(settings)
    errors.install(app)
    if ingest:  # added first, so the body limit below wraps it
        app.add_middleware(RecordIngest, store=app.state.store, path=PREFIX + "/records")
    app.add_middleware(TextEdge)  # outside the direct entry above, so it covers it too
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, photo_bytes=settings.max_photo_bytes
    )
    for module in (auth, meta, cells, places, records, photos, stats, exports, analytics):
        app.include_router(module.router, prefix=PREFIX)
    if settings.web_dir.is_dir():
        app.mount("/", StaticFiles(directory=settings.web_dir, html=True), name="web")
    return app
