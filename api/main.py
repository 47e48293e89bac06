"""Assemble the app: store, error table, body limit, routers under /api/v1, then the web app
at /."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig

from api import errors
from api.accounts import router as auth
from api.analytics import router as analytics
from api.analytics import stats_router as stats
from api.areas import router as cells
from api.edge import logs as access_log
from api.edge.limits import BodyLimit
from api.edge.text import TextEdge
from api.hazards import router as hazards
from api.io import router as exports
from api.mediation import router as mediation
from api.meta import router as meta
from api.ogc import router as ogcapi
from api.open311 import router as open311
from api.open311.errors import GeoReportErrors
from api.photos import router as photos
from api.places import router as places
from api.records import router as records
from api.records.ingest import RecordIngest
from api.register import router as register
from api.residents import router as residents
from api.roster import router as roster
from api.settings import Settings, get_settings
from api.store import Store, make_store
from api.visits import router as visits

PREFIX = "/api/v1"


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
    serves plain new records without the router (``api.records.ingest``; off only in tests that
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
    app.add_middleware(GeoReportErrors)  # outermost: Open311's refusals in the spec's shape
    for module in (auth, meta, cells, places, records, photos, stats, exports, analytics, register):
        app.include_router(module.router, prefix=PREFIX)
    for module in (residents, hazards, mediation):  # issue 13
        app.include_router(module.router, prefix=PREFIX)
    app.include_router(roster.router, prefix=PREFIX)  # issue 12
    app.include_router(visits.router, prefix=PREFIX)  # issue 12
    app.include_router(open311.router)  # at /open311/v2, as GeoReport v2 clients expect
    app.include_router(ogcapi.router)  # OGC API – Features at /ogcapi, beside /api/v1
    access_log.install()  # credentials and personal search terms never reach the access log
    if settings.web_dir.is_dir():
        app.mount("/", StaticFiles(directory=settings.web_dir, html=True), name="web")
    return app
