"""The data key guards the register: a server whose database holds encrypted people must not start
without the key that can read them (a new key would be made silently and every stored name, ID
number and phone would be unreadable from then on).

Each test opens its own SQLite database, never the shared ``api`` fixture's store, so opening and
refusing stores here cannot disturb the other tests.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest

from api.migrate import upgrade
from api.register.crypto import check_key_present
from api.settings import Settings, SettingsError
from api.store import make_store


def settings_for(tmp_path: Path, **extra: object) -> Settings:
    """Settings for a database of its own under ``tmp_path``, the data key in a file there."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'wangge.sqlite'}",
        secret_key="k" * 40,
        photo_dir=tmp_path / "photos",
        web_dir=tmp_path / "no-web",
        data_key_file=tmp_path / "data_key",
        **extra,
    )


def store_a_person(path: Path) -> None:
    """One encrypted-looking person row, written as a restored backup would hold it."""
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO persons (id, created_at, updated_at, version, content_hash, household_id,"
            " building_id, person_type, relation, name) VALUES (?, '2026-01-01 00:00:00',"
            " '2026-01-01 00:00:00', 1, 'x', ?, 1, 'registered', 'head', ?)",
            (uuid.uuid4().hex, uuid.uuid4().hex, b"\x01ciphertext"),
        )


def test_store_refuses_encrypted_people_without_their_key(tmp_path: Path) -> None:
    """Persons stored, no WANGGE_DATA_KEY and no key file: the store refuses to open, naming the
    missing file, and makes no new key."""
    settings = settings_for(tmp_path)
    upgrade(settings.database_url, settings=settings)
    store_a_person(tmp_path / "wangge.sqlite")
    with pytest.raises(SettingsError, match="data_key"):
        make_store(settings, migrate=False)
    assert not settings.data_key_file.exists()


def test_an_empty_register_or_a_present_key_opens(tmp_path: Path) -> None:
    """A database without people opens without a key (the key is made when first needed); with
    people, a key given by variable or by file lets it open."""
    settings = settings_for(tmp_path)
    store = make_store(settings)  # fresh database: migrated, nothing encrypted yet
    store.engine.dispose()
    store_a_person(tmp_path / "wangge.sqlite")
    engine_url = settings.database_url
    from sqlalchemy import create_engine

    engine = create_engine(engine_url)
    with engine.connect() as conn:
        check_key_present(conn, settings.model_copy(update={"data_key": "A" * 44}))
        settings.data_key_file.write_text("B" * 44)
        check_key_present(conn, settings)
        settings.data_key_file.unlink()
        with pytest.raises(SettingsError, match="persons"):
            check_key_present(conn, settings)
    engine.dispose()
