"""One resend rule for every record shape (issue 9, finding 1): the same id with the same content
answers 200 with the stored record, other content 409 with ``current``, and concurrent copies store
one row (and its child rows, audit entry and heat count once), with no server error, on both
backends and whichever path the record takes (plain, group commit, general)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from conftest import X0, Y0, W, former_leader, record_body
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.main import create_app
from api.store import make_store

SHAPES = ["plain", "patrol_track", "patrol_checkins", "dispute_parties", "incident_photos"]
#: Child tables of a record, with the column pointing at it.
CHILDREN = {"checkins": "record_id", "parties": "record_id", "record_photos": "record_id"}


def _scalar(api, sql: str) -> int:  # noqa: ANN001
    """A single integer from ``sql``."""
    with api.store.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one() or 0)


def _rows_of(api, rid: str) -> dict[str, int]:  # noqa: ANN001
    """How many rows the record ``rid`` has in records, each child table and the audit log."""
    out = {"records": api.count(f"records WHERE id = '{_db_id(api, rid)}'")}
    for table, col in CHILDREN.items():
        out[table] = api.count(f"{table} WHERE {col} = '{_db_id(api, rid)}'")
    out["audit_log"] = api.count(f"audit_log WHERE entity_id = '{rid}'")
    return out


def _db_id(api, rid: str) -> str:  # noqa: ANN001
    """A UUID as the backend stores it (SQLite: 32 hex digits, PostgreSQL: the usual text)."""
    return uuid.UUID(rid).hex if api.backend == "sqlite" else rid


def _place(api) -> str:  # noqa: ANN001
    """A new place in the officer's first cell; its id."""
    pid = str(uuid.uuid4())
    body = {
        "id": pid,
        "kind": "rental",
        "name": "出租屋",
        "lon": X0 + 0.004,
        "lat": Y0 + 0.007,
    }
    assert api.post("/places", "officer", json=body).status_code == 201
    return pid


def _photo(api) -> str:  # noqa: ANN001
    """A new photo uploaded by the officer; its SHA-256."""
    png = b"\x89PNG\r\n\x1a\n" + uuid.uuid4().bytes + b"\x00" * 32
    r = api.post("/photos", "officer", files={"file": ("a.png", png, "image/png")})
    assert r.status_code == 201, r.text
    return hashlib.sha256(png).hexdigest()


def _building(api, name: str) -> int:  # noqa: ANN001
    """The id of the fixture building called ``name``."""
    return _scalar(api, f"SELECT id FROM buildings WHERE name = '{name}'")


def _patrol(**over) -> dict:  # noqa: ANN003
    """A patrol along a short track in the officer's first cell."""
    body = record_body(
        kind="patrol",
        category="routine",
        lon=None,
        lat=None,
        track=[
            [X0 + 0.001, Y0 + 0.006, "2024-05-01T08:00:00+08:00"],
            [X0 + 0.004, Y0 + 0.007, "2024-05-01T08:20:00+08:00"],
        ],
        started_at="2024-05-01T08:00:00+08:00",
        ended_at="2024-05-01T08:30:00+08:00",
    )
    body.pop("priority")
    body.update(over)
    return body


def _maker(api, shape: str) -> Callable[..., dict]:  # noqa: ANN001
    """A function making a new body of ``shape`` (fields overridable), its referents created."""
    if shape == "plain":
        return record_body
    if shape == "patrol_track":
        return _patrol
    if shape == "patrol_checkins":
        place, building = _place(api), _building(api, "1号楼")
        at = "2024-05-01T08:20:00+08:00"
        visits = [
            {"place_id": place, "at": at, "lon": X0 + 0.004, "lat": Y0 + 0.007},
            {"building_id": building, "at": at, "lon": X0 + 0.0025, "lat": Y0 + 0.0065},
        ]
        return lambda **over: _patrol(checkins=visits, **over)
    if shape == "dispute_parties":
        parties = [
            {"name": "张三丰", "phone": "13812345678", "id_number": "120101199001"},
            {"role": "party", "name": "李四", "phone": "13900001111"},
        ]
        return lambda **over: record_body(
            kind="dispute", category="neighbour", parties=parties, **over
        )
    photos = sorted([_photo(api), _photo(api)], reverse=True)  # not in the stored order
    return lambda **over: record_body(photos=photos, **over)


@pytest.mark.parametrize("shape", SHAPES)
def test_a_sequential_resend_answers_the_stored_record(api, shape):
    make = _maker(api, shape)
    body = make()
    heat_before = _heat_total(api)
    first = api.post("/records", "officer", json=body)
    assert first.status_code == 201, first.text
    rows = _rows_of(api, body["id"])
    again = api.post("/records", "officer", json=body)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert _rows_of(api, body["id"]) == rows and rows["records"] == 1 == rows["audit_log"]
    assert _heat_total(api) == heat_before + 1


@pytest.mark.parametrize("shape", SHAPES)
def test_a_resend_with_other_content_conflicts_with_the_current_record(api, shape):
    make = _maker(api, shape)
    body = make()
    first = api.post("/records", "officer", json=body).json()
    rows = _rows_of(api, body["id"])
    other = {**body, "description": "改过的描述"}
    r = api.post("/records", "officer", json=other)
    assert r.status_code == 409, r.text
    current = r.json()["current"]
    assert {k: current[k] for k in first} == first
    assert r.json()["detail"][0]["loc"] == ["body", "id"]
    assert _rows_of(api, body["id"]) == rows


@pytest.mark.parametrize("shape", ["plain", "dispute_parties"])
def test_a_conflict_shows_nothing_of_a_record_the_caller_may_not_see(api, shape):
    body = _maker(api, shape)()
    assert api.post("/records", "officer", json=body).status_code == 201
    theirs = {**body, "lon": X0 + W + 0.005, "lat": Y0 + 0.008}  # in officer2's cell
    r = api.post("/records", "officer2", json=theirs)
    assert r.status_code == 409, r.text
    assert r.json()["current"] is None
    assert "张三丰" not in r.text and "13812345678" not in r.text  # nothing of its parties


def _heat_total(api) -> int:  # noqa: ANN001
    """The sum of all heat counts."""
    return _scalar(api, 'SELECT coalesce(sum("count"), 0) FROM heat_counts')


def _heat_matches_rebuild(api) -> None:  # noqa: ANN001
    """The live heat tables equal what ``wangge heat rebuild`` computes (rebuilt, then rolled
    back)."""
    from api.analytics import heatagg

    with api.store.engine.connect() as conn:
        trans = conn.begin()
        live = heatagg.snapshot(conn)
        heatagg.rebuild(conn)
        rebuilt = heatagg.snapshot(conn)
        trans.rollback()
    for table in live:
        pd.testing.assert_frame_equal(live[table], rebuilt[table], check_dtype=False)


def _send_together(api, bodies: list[dict]) -> list:  # noqa: ANN001
    """POST every body at once from several threads; the responses in order."""
    api.auth("officer")
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda b: api.post("/records", "officer", json=b), bodies))


@pytest.mark.parametrize("shape", SHAPES)
def test_concurrent_resends_store_one_row_and_count_once(api, shape):
    make = _maker(api, shape)
    body = make()
    heat_before = _heat_total(api)
    answers = _send_together(api, [body] * 12)
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] * 11 + [201], [r.text for r in answers if r.status_code >= 500]
    created = next(r.json() for r in answers if r.status_code == 201)
    assert all(r.json() == created for r in answers)
    rows = _rows_of(api, body["id"])
    assert rows["records"] == 1 == rows["audit_log"]
    assert rows["checkins"] == len(body.get("checkins", []))
    assert rows["parties"] == len(body.get("parties", []))
    assert rows["record_photos"] == len(body.get("photos", []))
    assert _heat_total(api) == heat_before + 1
    _heat_matches_rebuild(api)


@pytest.mark.parametrize("shape", SHAPES)
def test_concurrent_different_contents_store_one_and_conflict_the_rest(api, shape):
    make = _maker(api, shape)
    rid = str(uuid.uuid4())
    bodies = [make(id=rid, description=f"版本 {i}") for i in range(8)]
    heat_before = _heat_total(api)
    answers = _send_together(api, bodies)
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] + [409] * 7, [r.text for r in answers if r.status_code >= 500]
    winner = next(b for b, r in zip(bodies, answers, strict=True) if r.status_code == 201)
    stored = api.get(f"/records/{rid}", "officer").json()
    assert stored["description"] == winner["description"]
    assert all(r.json()["current"]["id"] == rid for r in answers if r.status_code == 409)
    rows = _rows_of(api, rid)
    assert rows["records"] == 1 == rows["audit_log"]
    assert rows["checkins"] == len(winner.get("checkins", []))
    assert rows["parties"] == len(winner.get("parties", []))
    assert rows["record_photos"] == len(winner.get("photos", []))
    assert _heat_total(api) == heat_before + 1
    _heat_matches_rebuild(api)


def test_a_general_and_a_plain_copy_of_one_id_racing_store_one(api):
    """A record resent in another shape (e.g. its photos dropped) takes the other write path; the
    two still meet on one rule."""
    make = _maker(api, "incident_photos")
    rid = str(uuid.uuid4())
    general = make(id=rid)
    plain = {k: v for k, v in general.items() if k != "photos"}
    answers = _send_together(api, [general, plain] * 4)
    codes = sorted(r.status_code for r in answers)
    assert codes.count(201) == 1 and set(codes) <= {200, 201, 409}, codes
    assert api.count(f"records WHERE id = '{_db_id(api, rid)}'") == 1
    assert api.count(f"audit_log WHERE entity_id = '{rid}'") == 1


@pytest.fixture(scope="module")
def router(api):  # noqa: ANN001, ANN201
    """A second app without the direct entry (``api.records.ingest``), plain records through the
    router: a second server process over the same database, so it has its own store (a store's
    PostGIS write rounds belong to the event loop of the app that runs them)."""
    store = make_store(api.store.settings, migrate=False)
    with TestClient(create_app(api.store.settings, store, ingest=False)) as client:
        yield client
    store.engine.dispose()


def test_copies_through_the_direct_entry_and_the_router_meet_on_one_rule(api, router):
    body = record_body()
    headers = api.auth("officer")

    def send(i: int):  # noqa: ANN202
        client = router if i % 2 else api.client
        return client.post("/api/v1/records", json=body, headers=headers)

    heat_before = _heat_total(api)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(12)))
    assert sorted(r.status_code for r in answers) == [200] * 11 + [201]
    assert all(r.json() == answers[0].json() for r in answers)
    other = router.post("/api/v1/records", json={**body, "category": "traffic"}, headers=headers)
    assert other.status_code == 409 and other.json()["current"]["category"] == "fire"
    assert _rows_of(api, body["id"])["records"] == 1 == _rows_of(api, body["id"])["audit_log"]
    assert _heat_total(api) == heat_before + 1


def test_an_officer_moved_to_other_cells_gets_their_own_record_back(api):
    """A record written while its officer led the cell, resent after they left it (the first
    answer was lost on the way): the resend is the same record, not a conflict that would stall
    the tablet's outbox; different content is still a conflict, shown to its own author."""
    officer = former_leader(api)  # led C2's north cell in 2020 only
    body = record_body(lon=X0 + W + 0.005, lat=Y0 + 0.008, occurred_at="2020-05-01T08:00:00+08:00")
    first = api.post("/records", officer, json=body)
    assert first.status_code == 201, first.text
    again = api.post("/records", officer, json=body)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    other = api.post("/records", officer, json={**body, "description": "改过"})
    assert other.status_code == 409 and other.json()["current"]["id"] == body["id"]
    assert _rows_of(api, body["id"])["records"] == 1
