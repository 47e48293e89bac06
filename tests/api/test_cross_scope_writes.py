"""Writes that reach into another officer's scope are refused (issue 9, finding 4): a patrol
check-in at a place or building outside the caller's reach at the record's time, and a record
linking a photo the caller may not see. Such an id gets exactly the answer an unknown id gets, so a
refusal does not tell which ids exist; nothing is written, and the photo stays unreadable."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from conftest import X0, Y0, W, former_leader, record_body
from sqlalchemy import text

NEVER = str(uuid.UUID(int=1))  # an id no place has
COUNTED = ("records", "checkins", "record_photos", "parties", "audit_log", "heat_counts")


def _state(api) -> tuple[int, ...]:  # noqa: ANN001
    """Row counts that a refused write must leave alone, and the heat total."""
    with api.store.engine.connect() as conn:
        heat = conn.execute(text('SELECT coalesce(sum("count"), 0) FROM heat_counts')).scalar()
    return (*(api.count(t) for t in COUNTED), int(heat or 0))


def _place(api, user: str, lon: float, lat: float) -> str:  # noqa: ANN001
    """A new rental placed by ``user``; its id."""
    pid = str(uuid.uuid4())
    body = {"id": pid, "kind": "rental", "name": "出租屋", "lon": lon, "lat": lat}
    assert api.post("/places", user, json=body).status_code == 201
    return pid


def _building(api, name: str) -> int:  # noqa: ANN001
    """The id of the fixture building called ``name``."""
    with api.store.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT id FROM buildings WHERE name = '{name}'")).scalar())


def _patrol(visit: dict, *, at: str = "2024-05-01T08:20:00+08:00", x: float = X0) -> dict:
    """A patrol in the first cell of the community at ``x`` with one check-in ``visit``."""
    body = record_body(
        kind="patrol",
        category="routine",
        occurred_at=at,
        lon=x + 0.005,
        lat=Y0 + 0.008,
        checkins=[{"at": at, "lon": x + 0.005, "lat": Y0 + 0.008, **visit}],
    )
    body.pop("priority")
    return body


def _photo(api, user: str) -> str:  # noqa: ANN001
    """A new photo uploaded by ``user``; its SHA-256."""
    png = b"\x89PNG\r\n\x1a\n" + uuid.uuid4().bytes + b"\x00" * 32
    r = api.post("/photos", user, files={"file": ("a.png", png, "image/png")})
    assert r.status_code == 201, r.text
    return hashlib.sha256(png).hexdigest()


def _refused_alike(a, b, *, differs: tuple[str, str] | None = None) -> None:  # noqa: ANN001
    """Two refusals are the same answer: status and body (``differs``: the one value that
    differs between the two requests, e.g. the photo hash quoted in the message)."""
    assert a.status_code == b.status_code == 422, (a.text, b.text)
    body_a, body_b = a.text, b.text
    if differs:
        body_b = body_b.replace(differs[1], differs[0])
    assert body_a == body_b


def test_a_check_in_at_another_officers_place_is_refused_as_unknown(api):
    theirs = _place(api, "officer2", X0 + W + 0.005, Y0 + 0.008)  # officer2's cell
    before = _state(api)
    foreign = api.post("/records", "officer", json=_patrol({"place_id": theirs}))
    unknown = api.post("/records", "officer", json=_patrol({"place_id": NEVER}))
    assert foreign.json()["detail"] == [
        {"loc": ["body", "checkins", 0, "place_id"], "msg": "no such place", "type": "value_error"}
    ]
    _refused_alike(foreign, unknown)
    assert _state(api) == before
    # the place's own officer checks in there
    mine = api.post("/records", "officer2", json=_patrol({"place_id": theirs}, x=X0 + W))
    assert mine.status_code == 201, mine.text


@pytest.mark.parametrize("unknown_id", [999_999, 2**40, 0])
def test_a_check_in_at_another_officers_building_is_refused_as_unknown(api, unknown_id):
    theirs = _building(api, "2号楼")  # in officer2's south cell
    before = _state(api)
    foreign = api.post("/records", "officer", json=_patrol({"building_id": theirs}))
    unknown = api.post("/records", "officer", json=_patrol({"building_id": unknown_id}))
    assert foreign.json()["detail"][0]["loc"] == ["body", "checkins", 0, "building_id"]
    assert foreign.json()["detail"][0]["msg"] == "no such building"
    _refused_alike(foreign, unknown)
    assert _state(api) == before
    # street staff reach both communities
    street = api.post("/records", "street", json=_patrol({"building_id": theirs}))
    assert street.status_code == 201, street.text


def test_check_ins_are_judged_at_the_records_time(api):
    officer = former_leader(api)
    place = _place(api, "officer2", X0 + W + 0.005, Y0 + 0.008)  # in C2's north cell
    then = "2020-05-01T08:20:00+08:00"
    ok = api.post("/records", officer, json=_patrol({"place_id": place}, at=then, x=X0 + W))
    assert ok.status_code == 201, ok.text  # they led that cell then
    before = _state(api)
    # a building in C2's south cell, which they never led, on the same patrol
    body = _patrol({"building_id": _building(api, "2号楼")}, at=then, x=X0 + W)
    r = api.post("/records", officer, json=body)
    assert r.status_code == 422 and r.json()["detail"][0]["msg"] == "no such building"
    assert _state(api) == before


def test_linking_another_users_unlinked_photo_is_refused_as_unknown(api):
    sha = _photo(api, "officer2")
    never = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    before = _state(api)
    foreign = api.post("/records", "officer", json=record_body(photos=[sha]))
    unknown = api.post("/records", "officer", json=record_body(photos=[never]))
    assert foreign.json()["detail"][0]["loc"] == ["body", "photos", 0]
    _refused_alike(foreign, unknown, differs=(sha, never))
    assert _state(api) == before
    assert api.get(f"/photos/{sha}", "officer").status_code == 404  # still unreadable
    assert api.get(f"/photos/{sha}", "officer2").status_code == 200


def test_linking_a_photo_of_a_record_the_caller_may_not_see_is_refused(api):
    sha = _photo(api, "officer2")
    theirs = record_body(lon=X0 + W + 0.005, photos=[sha])
    assert api.post("/records", "officer2", json=theirs).status_code == 201
    before = _state(api)
    r = api.post("/records", "officer", json=record_body(photos=[sha]))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "photos", 0]
    assert _state(api) == before
    assert api.get(f"/photos/{sha}", "officer").status_code == 404
    # those who may see the photo may link it: street staff see officer2's record
    assert api.get(f"/photos/{sha}", "street").status_code == 200
    assert api.post("/records", "street", json=record_body(photos=[sha])).status_code == 201


def test_a_photo_linked_to_a_record_the_caller_sees_may_be_linked_again(api):
    sha = _photo(api, "admin")
    assert api.post("/records", "admin", json=record_body(photos=[sha])).status_code == 201
    assert api.get(f"/photos/{sha}", "officer").status_code == 200  # in the officer's cell
    r = api.post("/records", "officer", json=record_body(photos=[sha]))
    assert r.status_code == 201, r.text


def test_a_place_may_not_take_a_photo_its_author_may_not_see(api):
    """A place's ``attrs.photos`` links photos too (GET /photos follows the place): the same rule
    and the same answer as for a record."""
    sha = _photo(api, "officer2")
    never = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    place = {"kind": "rental", "name": "出租屋", "lon": X0 + 0.004, "lat": Y0 + 0.007}
    n = api.count("places")
    foreign = api.post(
        "/places", "officer", json={**place, "id": str(uuid.uuid4()), "attrs": {"photos": [sha]}}
    )
    unknown = api.post(
        "/places", "officer", json={**place, "id": str(uuid.uuid4()), "attrs": {"photos": [never]}}
    )
    assert foreign.json()["detail"][0]["loc"] == ["body", "attrs", "photos", 0]
    _refused_alike(foreign, unknown, differs=(sha, never))
    pid = str(uuid.uuid4())
    assert api.post("/places", "officer", json={**place, "id": pid}).status_code == 201
    r = api.patch(f"/places/{pid}", "officer", json={"version": 1, "attrs": {"photos": [sha]}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "attrs", "photos", 0]
    assert api.count("places") == n + 1
    stored = api.get("/places", "officer").json()
    mine = next(f for f in stored["features"] if f["properties"]["id"] == pid)
    assert mine["properties"]["version"] == 1 and not mine["properties"]["attrs"].get("photos")
    assert api.get(f"/photos/{sha}", "officer").status_code == 404
    # the officer's own upload is theirs to link
    own = _photo(api, "officer")
    r = api.patch(f"/places/{pid}", "officer", json={"version": 1, "attrs": {"photos": [own]}})
    assert r.status_code == 200, r.text
