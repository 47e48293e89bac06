"""Alembic environment: one migration history for SQLite + SpatiaLite and PostGIS."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers

from api.db import make_engine
from api.models import Base
from api.settings import get_settings

config = context.config


def _url() -> str:
    """The database URL: set by the caller on the config, else from the settings."""
    return config.attributes.get("url") or get_settings().database_url


def run_migrations_online() -> None:
    """Run migrations on a live connection (reusing the caller's when it passes one)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url(), pool_size=1)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()


def _run(connection) -> None:  # noqa: ANN001 - SQLAlchemy Connection
    """Configure the context with GeoAlchemy2's helpers and run the pending migrations."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=alembic_helpers.include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations_online()
