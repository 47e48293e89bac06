"""Alembic migrations create, downgrade and re-create the schema on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import fresh_database
from sqlalchemy import insert, inspect, select, text

from api.db import make_engine
from api.meta.lookups import term_rows
from api.migrate import downgrade, upgrade
from api.models import Base, Photo, PhotoUpload, User
from grid.domain import caseflow


@pytest.mark.parametrize("backend", ["sqlite", "postgis"])
def test_upgrade_downgrade_upgrade(backend, tmp_path):
    gen = fresh_database(backend, tmp_path)
    url = next(gen)
    try:
        upgrade(url)
        engine = make_engine(url, pool_size=1)
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM terms")).scalar_one() == len(term_rows())
            roles = {r for (r,) in conn.execute(text("SELECT code FROM roles"))}
            assert roles == {r.value for r in caseflow.Role}
            cols = {c["name"] for c in inspect(conn).get_columns("records")}
            assert {"geom", "track", "h3", "cell_code", "version", "deadline"} <= cols
        engine.dispose()
        downgrade(url, "base")
        engine = make_engine(url, pool_size=1)
        assert not set(Base.metadata.tables) & set(inspect(engine).get_table_names())
        engine.dispose()
        upgrade(url)
    finally:
        gen.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgis"])
def test_0003_records_existing_photos_first_uploader(backend, tmp_path):
    """Upgrading a store that already has photos makes each one's ``uploaded_by`` an uploader in
    ``photo_uploads`` (a photo with no known uploader gets none), keeping its upload time."""
    gen = fresh_database(backend, tmp_path)
    url = next(gen)
    try:
        upgrade(url, "0002")
        engine = make_engine(url, pool_size=1)
        at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
        with engine.begin() as conn:
            conn.execute(
                insert(User.__table__),
                {
                    "id": 7,
                    "username": "o",
                    "password_hash": "x",
                    "role": "officer",
                    "display_name": "o",
                    "active": True,
                    "created_at": at,
                },
            )
            photo = {"size": 1, "content_type": "image/png", "created_at": at}
            conn.execute(
                insert(Photo.__table__),
                [
                    {**photo, "sha256": "a" * 64, "path": "aa/a", "uploaded_by": 7},
                    {**photo, "sha256": "b" * 64, "path": "bb/b", "uploaded_by": None},
                ],
            )
        upgrade(url)
        with engine.connect() as conn:
            rows = conn.execute(select(PhotoUpload.sha256, PhotoUpload.user_id, PhotoUpload.at))
            assert [tuple(r) for r in rows] == [("a" * 64, 7, at)]
        downgrade(url, "0002")
        assert "photo_uploads" not in inspect(engine).get_table_names()
        upgrade(url)
        engine.dispose()
    finally:
        gen.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgis"])
def test_0008_seals_existing_resident_phones(backend, tmp_path):
    """Upgrading seals a stored reporter's phone with the data cipher (the plain digits are gone
    from the row) and re-keys its hash as the blind index; downgrading gives the phone back."""
    import uuid

    from api.models import Record
    from api.models.keyed import point_wkt
    from api.register.crypto import cipher_for
    from api.residents.limits import PHONE_FIELD
    from api.settings import Settings

    gen = fresh_database(backend, tmp_path)
    url = next(gen)
    settings = Settings(database_url=url, data_key_file=tmp_path / "key", secret_key="s" * 40)
    try:
        upgrade(url, "0007_api_keys", settings=settings)
        engine = make_engine(url, pool_size=1)
        at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
        rid = uuid.uuid4()
        with engine.begin() as conn:
            user = {"username": "o", "password_hash": "x", "role": "officer", "display_name": "o"}
            conn.execute(
                insert(User.__table__), {**user, "id": 7, "active": True, "created_at": at}
            )
            conn.execute(
                insert(Record.__table__),
                {
                    "id": rid,
                    "kind": "incident",
                    "category": "other",
                    "priority": "routine",
                    "status": "reported",
                    "description": "",
                    "occurred_at": at,
                    "lon": 117.2,
                    "lat": 39.1,
                    "geom": point_wkt(117.2, 39.1),
                    "cell_code": "C",
                    "h3": "h",
                    "community_code": "M",
                    "author_id": 7,
                    "created_at": at,
                    "updated_at": at,
                    "version": 1,
                    "content_hash": "c",
                },
            )
            conn.execute(
                text(
                    "INSERT INTO resident_reports (ticket, record_id, channel, phone, phone_hash,"
                    " ip_hash, created_at) VALUES ('t1', :rid, 'resident', '13912345678', 'old',"
                    " 'ip', :at)"
                ),
                {"rid": rid.hex if backend == "sqlite" else str(rid), "at": at},
            )
        upgrade(url, settings=settings)
        cipher = cipher_for(settings)
        with engine.connect() as conn:
            phone, index = conn.execute(
                text("SELECT phone, phone_hash FROM resident_reports")
            ).one()
            dump = str(conn.execute(text("SELECT * FROM resident_reports")).all())
        assert b"13912345678" not in bytes(phone) and "13912345678" not in dump
        assert cipher.decrypt(PHONE_FIELD, bytes(phone)) == "13912345678"
        assert index == cipher.index("13912345678")
        downgrade(url, "0007_api_keys", settings=settings)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT phone FROM resident_reports")).scalar() == (
                "13912345678"
            )
        engine.dispose()
    finally:
        gen.close()
