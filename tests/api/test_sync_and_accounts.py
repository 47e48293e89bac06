"""Release review: offline sync (late records after a leader change, incremental ``since``),
account changes taking effect at once, and SQLite durability."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import C1, PASSWORDS, record_body
from sqlalchemy import text

from api.cli.main import main as wangge
from api.db import session_scope
from api.io.loaders import add_user, assign_leader, update_user


def test_late_sync_after_leader_change_is_accepted(api):
    cell = C1 + "001"
    queued = record_body(occurred_at=(datetime.now(UTC) - timedelta(hours=2)).isoformat())
    before = record_body(occurred_at=(datetime.now(UTC) - timedelta(hours=3)).isoformat())
    with session_scope(api.store.sessions) as s:
        assign_leader(s, cell, "officer2")  # the cell changes hands after the record was taken
    try:
        n = api.count("records")
        r = api.post("/records", "officer", json=queued)  # the tablet syncs late
        assert r.status_code == 201 and r.json()["cell_code"] == cell, r.text
        # the new leader may report what happened in their cell before they took it over
        assert api.post("/records", "officer2", json=before).status_code == 201
        # but the old leader may not record there anything that happens after the change
        now = record_body(occurred_at=datetime.now(UTC).isoformat())
        assert api.post("/records", "officer", json=now).status_code == 403
        assert api.count("records") == n + 2
    finally:
        with session_scope(api.store.sessions) as s:
            assign_leader(s, cell, "officer")


def test_since_pages_by_update_time(api):
    old = record_body(occurred_at="2021-03-01T08:00:00+08:00")
    new = record_body(occurred_at="2024-06-01T08:00:00+08:00")
    start = datetime.now(UTC) - timedelta(seconds=1)
    ids = []
    for body in (old, new):  # changed in this order; occurred_at order is the reverse
        assert api.post("/records", "officer", json=body).status_code == 201
        ids.append(body["id"])
    got = api.get("/records", "officer", params={"since": start.isoformat(), "limit": 500}).json()
    mine = [r["id"] for r in got if r["id"] in ids]
    assert mine == ids  # oldest change first, whatever occurred_at says
    stamps = [r["updated_at"] for r in got]
    assert stamps == sorted(stamps)
    one = api.get("/records", "officer", params={"since": start.isoformat(), "limit": 1}).json()
    assert [r["id"] for r in one] == [got[0]["id"]]


def test_disabled_user_refused_on_next_request(api, monkeypatch):
    with session_scope(api.store.sessions) as s:
        if s.execute(text("SELECT 1 FROM users WHERE username = 'temp1'")).first() is None:
            add_user(s, "temp1", "t-pass", "police")
    PASSWORDS["temp1"] = "t-pass"
    assert api.get("/me", "temp1").status_code == 200  # scope now cached
    monkeypatch.setenv("DATABASE_URL", str(api.store.settings.database_url))
    monkeypatch.setenv("WANGGE_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("WANGGE_DATA_KEY_FILE", str(api.store.settings.data_key_file))
    from api.settings import get_settings

    get_settings.cache_clear()
    try:
        assert wangge(["users", "disable", "temp1"]) == 0
        assert api.get("/me", "temp1").status_code == 401
        assert wangge(["users", "enable", "temp1"]) == 0
        assert api.get("/me", "temp1").status_code == 200
        assert wangge(["users", "disable", "nobody-such"]) == 2
    finally:
        get_settings.cache_clear()


def test_role_change_takes_effect_without_restart(api):
    with session_scope(api.store.sessions) as s:
        if s.execute(text("SELECT 1 FROM users WHERE username = 'temp2'")).first() is None:
            add_user(s, "temp2", "t2-pass", "admin")
    PASSWORDS["temp2"] = "t2-pass"
    assert api.get("/me", "temp2").json()["role"] == "admin"
    with session_scope(api.store.sessions) as s:
        update_user(s, "temp2", role="police")
    assert api.get("/me", "temp2").json()["role"] == "police"


def test_sqlite_commits_are_durable(api):
    if api.backend != "sqlite":
        return
    with api.store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
