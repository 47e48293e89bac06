"""Text is checked the same way in every body (records, places, ``attrs`` at any depth, parties,
notes, transitions): no lone UTF-16 surrogate, no NUL, bounded nesting and size. Each refusal is a
422 naming the field and writes nothing; a value stored before the rule never breaks a GET."""

from __future__ import annotations

import json
import uuid

import pytest
from conftest import X0, Y0, record_body

from api.db import session_scope
from api.edge.text_rules import MAX_DEPTH, MAX_FREE_JSON_CHARS
from api.models import Place

SURROGATE = "\ud800x"  # what JSON "\ud800x" decodes to: a lone high surrogate


def raw(api, method: str, path: str, user: str, body: dict):  # noqa: ANN001, ANN201
    """Send ``body`` as JSON with its lone surrogates escaped (as a client's JSON would carry
    them; a UTF-8 encoder cannot write them raw)."""
    headers = {**api.auth(user), "Content-Type": "application/json"}
    return api.client.request(method, "/api/v1" + path, content=json.dumps(body), headers=headers)


def place_body(**over) -> dict:  # noqa: ANN003
    """A valid place in the officer's first cell."""
    body = {
        "id": str(uuid.uuid4()),
        "kind": "rental",
        "name": "出租屋",
        "lon": X0 + 0.005,
        "lat": Y0 + 0.008,
        "attrs": {},
    }
    body.update(over)
    return body


def nested(depth: int) -> object:
    """A value nested ``depth`` objects deep."""
    value: object = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


def snapshot(api) -> tuple[int, ...]:  # noqa: ANN001
    """Row counts of every table a refused body could have written to."""
    tables = ("places", "records", "parties", "transitions", "audit_log")
    return tuple(api.count(t) for t in tables)


PLACE_CASES = [
    ("surrogate in attrs", {"attrs": {"note": SURROGATE}}, ["body", "attrs"]),
    ("trailing surrogate in attrs", {"attrs": {"note": "a\udc80"}}, ["body", "attrs"]),
    ("surrogate in an attrs key", {"attrs": {SURROGATE: "x"}}, ["body", "attrs"]),
    ("surrogate deep in attrs", {"attrs": {"tenants": [{"name": SURROGATE}]}}, ["body", "attrs"]),
    ("NUL in attrs", {"attrs": {"note": "a\x00b"}}, ["body", "attrs"]),
    ("attrs 300 deep", {"attrs": {"note": nested(300)}}, ["body", "attrs"]),
    ("attrs one level too deep", {"attrs": {"note": nested(MAX_DEPTH)}}, ["body", "attrs"]),
    ("attrs too big", {"attrs": {"note": "x" * (MAX_FREE_JSON_CHARS + 1)}}, ["body", "attrs"]),
    ("surrogate in name", {"name": SURROGATE}, ["body", "name"]),
    ("surrogate in address", {"address": SURROGATE}, ["body", "address"]),
]


@pytest.mark.parametrize("name,change,loc", PLACE_CASES, ids=[c[0] for c in PLACE_CASES])
def test_bad_text_in_a_new_place_is_refused(api, name, change, loc):
    before = snapshot(api)
    r = raw(api, "POST", "/places", "officer", place_body(**change))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == loc
    assert snapshot(api) == before


@pytest.mark.parametrize("name,change,loc", PLACE_CASES, ids=[c[0] for c in PLACE_CASES])
def test_bad_text_in_a_place_patch_is_refused_and_nothing_saved(api, name, change, loc):
    body = place_body(attrs={"note": "原样"})
    assert api.post("/places", "officer", json=body).status_code == 201
    before = snapshot(api)
    r = raw(api, "PATCH", f"/places/{body['id']}", "officer", {"version": 1, **change})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == loc
    assert snapshot(api) == before
    listed = api.get("/places", "officer")
    assert listed.status_code == 200, listed.text
    (mine,) = [f for f in listed.json()["features"] if f["id"] == body["id"]]
    assert mine["properties"]["attrs"] == {"note": "原样"}
    assert mine["properties"]["version"] == 1


def test_attrs_at_the_depth_limit_are_checked_as_attributes(api):
    """Nesting up to the limit is not refused by the text rule (the attribute table then
    refuses a note that is not text, naming the attribute)."""
    r = api.post("/places", "officer", json=place_body(attrs={"note": nested(MAX_DEPTH - 1)}))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "attrs", "note"]


def test_an_escaped_surrogate_pair_is_a_character_and_accepted(api):
    body = place_body(attrs={"note": "\U0001f600"})
    r = api.client.post(
        "/api/v1/places",
        content=json.dumps(body),  # ensure_ascii: the emoji travels as "\ud83d\ude00"
        headers={**api.auth("officer"), "Content-Type": "application/json"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["properties"]["attrs"]["note"] == "\U0001f600"


RECORD_CASES = [
    ("surrogate in description", {"description": SURROGATE}, ["body", "description"]),
    ("surrogate in category", {"category": SURROGATE}, ["body", "category"]),
    (
        "surrogate in a party's name",
        {"parties": [{"name": SURROGATE}]},
        ["body", "parties", 0, "name"],
    ),
    ("surrogate in a field name", {SURROGATE: 1}, ["body"]),
]


@pytest.mark.parametrize("name,change,loc", RECORD_CASES, ids=[c[0] for c in RECORD_CASES])
def test_bad_text_in_a_new_record_is_refused(api, name, change, loc):
    before = snapshot(api)
    r = raw(api, "POST", "/records", "officer", record_body(**change))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][: len(loc)] == loc
    assert snapshot(api) == before


def test_bad_text_in_record_patches_and_transitions_is_refused(api):
    body = record_body(description="原样")
    assert api.post("/records", "officer", json=body).status_code == 201
    rid = body["id"]
    before = snapshot(api)
    cases = [
        ("PATCH", f"/records/{rid}", {"version": 1, "description": SURROGATE}, "description"),
        ("PATCH", f"/records/{rid}", {"version": 1, "parties": [{"name": "a\x00"}]}, "parties"),
        (
            "POST",
            f"/records/{rid}/transitions",
            {"action": "dispatch", "version": 1, "note": SURROGATE},
            "note",
        ),
        ("POST", f"/records/{rid}/transitions", {"action": SURROGATE, "version": 1}, "action"),
    ]
    for method, path, change, field in cases:
        r = raw(api, method, path, "admin", change)
        assert r.status_code == 422, (path, change, r.text)
        assert r.json()["detail"][0]["loc"][:2] == ["body", field], r.text
    assert snapshot(api) == before
    got = api.get(f"/records/{rid}", "officer").json()
    assert (got["description"], got["version"], got["transitions"]) == ("原样", 1, [])


def test_a_stored_lone_surrogate_never_breaks_the_answer(api):
    """A value saved before the rule (SQLite keeps JSON as escaped text, so it could be) is
    answered repaired, with U+FFFD, instead of failing every GET of the places."""
    body = place_body(attrs={"note": "原样"})
    assert api.post("/places", "officer", json=body).status_code == 201
    try:
        with session_scope(api.store.sessions) as s:
            s.get(Place, uuid.UUID(body["id"])).attrs = {"note": "坏" + SURROGATE}
    except Exception:  # noqa: BLE001 - PostgreSQL's jsonb refuses it: nothing to repair there
        assert api.backend == "postgis"
        return
    r = api.get("/places", "officer")
    assert r.status_code == 200, r.text
    (mine,) = [f for f in r.json()["features"] if f["id"] == body["id"]]
    assert mine["properties"]["attrs"] == {"note": "坏\ufffdx"}


QUERIES = [
    "/places?cell=%00",
    "/records?cell=1%002",
    "/cells?community=%00",
    "/buildings?cell=%00",
    "/export/places?format=csv&cell=%00",
    "/analytics/coverage?community=%00",
    "/analytics/siting?k=1&community=%00",
]


@pytest.mark.parametrize("path", QUERIES)
def test_nul_in_a_query_is_refused_before_any_route(api, path):
    """PostgreSQL cannot compare against NUL: checked at the edge for every route."""
    r = api.get(path, "admin")
    assert r.status_code == 422, r.text
    name = path.split("?")[1].split("&")[-1].split("=")[0]
    assert r.json()["detail"][0]["loc"] == ["query", name]


def test_nul_in_the_path_is_refused(api):
    r = api.get("/analytics/cells/%00/records", "admin")
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["path"]


def test_nul_in_the_sign_in_form_is_refused_and_a_good_form_still_passes(api):
    before = snapshot(api)
    r = api.client.post("/api/v1/auth/token", data={"username": "off\x00icer", "password": "x"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "username"]
    assert snapshot(api) == before
    ok = api.client.post(
        "/api/v1/auth/token",
        content="username=officer&password=o-pass",
        # what a browser sends for URLSearchParams: the form is replayed to the route intact
        headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
    )
    assert ok.status_code == 200, ok.text
