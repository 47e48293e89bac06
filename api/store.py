"""What a running app shares across requests (``Store``) and how it is made: ``make_store``
opens the database, migrates it and builds the caches; ``open_store`` does so from the
environment's settings, for the CLI."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from api.accounts.access import Scope
from api.accounts.security import TokenCache
from api.analytics import heatagg
from api.areas.cellcache import CellCache
from api.db import is_sqlite, make_engine, make_sessionmaker
from api.meta.lookups import seed_lookups
from api.migrate import upgrade
from api.models import Generation
from api.pgasync import AsyncPgPool, conninfo
from api.records.batch import GroupCommit
from api.register.crypto import check_key_present
from api.settings import Settings


@dataclass
class Store:
    """What a running app shares across requests: settings, engine, sessions and caches."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    cells: CellCache
    secret: str
    scopes: dict[str, tuple[tuple[int, ...], Scope]]
    lock: threading.Lock
    tokens: TokenCache = field(default_factory=TokenCache)
    pg: AsyncPgPool | None = None  # PostGIS only: autocommit connections for one-statement writes
    writes: GroupCommit | None = None  # PostGIS only: plain records stored in rounds over ``pg``
    generations: tuple[float, dict[str, int]] = (0.0, {})
    # per-process state a resource package keeps (e.g. api.residents' photo-upload window)
    extras: dict[str, Any] = field(default_factory=dict)
    _refreshing: asyncio.Future[None] | None = field(default=None, repr=False)

    def current_generations(self, session: Session) -> dict[str, int]:
        """The change counters, re-read from the DB at most every ``generation_ttl`` seconds."""
        if not self.generations_fresh():
            self._read_generations(session)
        return self.generations[1]

    def generations_fresh(self) -> bool:
        """Whether the counters were read less than ``generation_ttl`` seconds ago."""
        checked, gens = self.generations
        return bool(gens) and time.monotonic() - checked < self.settings.generation_ttl

    def _read_generations(self, session: Session) -> None:
        """Read the change counters now."""
        now = time.monotonic()
        gens = dict(session.execute(select(Generation.name, Generation.value)).all())
        self.generations = (now, gens)

    async def refresh_generations(self) -> None:
        """Re-read the counters in the threadpool; requests that ask while a read is under way
        wait for that read instead of starting their own."""
        pending = self._refreshing
        if pending is None or pending.get_loop() is not asyncio.get_running_loop():
            pending = self._refreshing = asyncio.ensure_future(run_in_threadpool(self._read_fresh))
            pending.add_done_callback(self._refreshed)
        await asyncio.shield(pending)

    def _refreshed(self, done: asyncio.Future[None]) -> None:
        """Let the next due refresh start a new read (unless one has started already)."""
        if self._refreshing is done:
            self._refreshing = None

    def _read_fresh(self) -> None:
        """``_read_generations`` in a session of its own (threadpool side)."""
        with self.sessions() as session:
            self._read_generations(session)


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
    """Open the database (migrating it to head and refreshing lookups), switch heat counting on
    (``api.analytics.heatagg.install``: every record the ORM writes counts) and build the caches."""
    heatagg.install()
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    with _startup_lock(engine):
        with engine.connect() as conn:
            check_key_present(conn, settings)
        if migrate:
            upgrade(settings.database_url, settings=settings)
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


def open_store() -> Store:
    """The store from the environment's settings, migrated to the latest schema."""
    from api.settings import get_settings

    return make_store(get_settings())
