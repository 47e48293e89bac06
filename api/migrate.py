"""Run the Alembic migrations packaged under api/migrations, from the CLI or at server start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from api.settings import Settings

HERE = Path(__file__).resolve().parent


def alembic_config(url: str, settings: Settings | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations and ``url``; ``settings`` (else the
    environment's) name the data key the migrations that encrypt existing rows use."""
    cfg = Config(str(HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.attributes["url"] = url
    cfg.attributes["settings"] = settings
    return cfg


def upgrade(url: str, revision: str = "head", settings: Settings | None = None) -> None:
    """Bring the database at ``url`` up to ``revision`` (creating every table on an empty one)."""
    command.upgrade(alembic_config(url, settings), revision)


def downgrade(url: str, revision: str, settings: Settings | None = None) -> None:
    """Take the database at ``url`` down to ``revision``."""
    command.downgrade(alembic_config(url, settings), revision)
