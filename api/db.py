"""Engines and sessions for both backends: SQLite + SpatiaLite (embedded) and PostGIS.

SQLite connections come from ``sqlean`` (the stdlib sqlite3 here cannot load extensions) and get
``mod_spatialite`` loaded on connect; the spatial metadata is initialised once per file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# GDAL (pyogrio: GeoPackage exports) must be in the process before the first mod_spatialite load:
# loaded after it, GDAL's SQLite calls bind to the system libsqlite3 mod_spatialite brought in, and
# the first GeoPackage write crashes the process (a segfault, killing the server for everyone).
import pyogrio  # noqa: F401  # isort: skip
import sqlean
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SPATIALITE = "mod_spatialite"


def is_sqlite(engine_or_url: Engine | str) -> bool:
    """Whether the engine or URL points at the embedded SQLite backend."""
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def _on_sqlite_connect(dbapi_conn, _record) -> None:  # noqa: ANN001 - DBAPI callback
    """Load SpatiaLite, enable foreign keys and WAL, and create spatial metadata if missing."""
    dbapi_conn.enable_load_extension(True)
    dbapi_conn.load_extension(SPATIALITE)
    dbapi_conn.enable_load_extension(False)
    dbapi_conn.execute("PRAGMA foreign_keys = ON")
    dbapi_conn.execute("PRAGMA busy_timeout = 30000")
    dbapi_conn.execute("PRAGMA journal_mode = WAL")
    # FULL: a commit the tablet got 201 for (and then deleted) survives a power loss under WAL
    dbapi_conn.execute("PRAGMA synchronous = FULL")
    if dbapi_conn.execute("SELECT CheckSpatialMetaData()").fetchone()[0] < 1:
        dbapi_conn.execute("SELECT InitSpatialMetaData(1)")
        dbapi_conn.commit()


def _normalise_url(url: str) -> str:
    """Route plain ``postgresql://`` URLs to psycopg 3, the driver installed here."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, *, pool_size: int = 16) -> Engine:
    """An engine for ``url``: SpatiaLite-enabled SQLite or PostGIS through psycopg 3."""
    url = _normalise_url(url)
    if is_sqlite(url):
        db = make_url(url).database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            module=sqlean,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=pool_size,
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    # No overflow: connections beyond the pool would be opened and closed per request under load
    # (a PostgreSQL backend start each time); threads past ``pool_size`` wait for a connection.
    return create_engine(url, pool_size=pool_size, max_overflow=0, pool_pre_ping=False)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit (responses are built then)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session committed on success and rolled back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
