"""JSON types are taken as sent: a number in a string, a boolean or NaN where a number is expected
is a 422 naming the field (never coerced), an int passes where a float is expected, and a body
declared in a charset other than UTF-8 is refused with 415 naming the header. Nothing is
written by a refused body."""

from __future__ import annotations

import json
import uuid

import pytest
from conftest import C1, X0, Y0, record_body

from api.places.schemas import PlaceIn
from api.records.schemas import RecordIn

T0 = "2024-05-01T08:00:00+08:00"


def snapshot(api) -> tuple[int, ...]:  # noqa: ANN001
    """Row counts of every table a refused body could have written to."""
    tables = ("places", "records", "parties", "checkins", "transitions", "audit_log")
    return tuple(api.count(t) for t in tables)


def place_body(**over) -> dict:  # noqa: ANN003
    """A valid place in the officer's first cell."""
    body = {"id": str(uuid.uuid4()), "kind": "rental", "name": "出租屋"}
    body |= {"lon": X0 + 0.005, "lat": Y0 + 0.008, "attrs": {}}
    return body | over


def patrol(**over) -> dict:  # noqa: ANN003
    """A patrol with a two-point track and a check-in at the fixture building 1."""
    body = record_body(
        kind="patrol",
        category="routine",
        lon=None,
        lat=None,
        track=[[X0 + 0.001, Y0 + 0.006, T0], [X0 + 0.004, Y0 + 0.007, T0]],
        started_at=T0,
        ended_at="2024-05-01T08:30:00+08:00",
        checkins=[{"building_id": 1, "at": T0, "lon": X0 + 0.0025, "lat": Y0 + 0.0065}],
    )
    body.pop("priority")
    return body | over


RECORD_CASES = [
    ("lon as a string", record_body(lon=str(X0 + 0.005)), ["body", "lon"]),
    ("lat as a string", record_body(lat=str(Y0 + 0.008)), ["body", "lat"]),
    ("lon as a boolean", record_body(lon=True), ["body", "lon"]),
    ("lat as an object", record_body(lat={"v": Y0}), ["body", "lat"]),
    (
        "track point as strings",
        patrol(track=[[str(X0 + 0.001), Y0 + 0.006, T0], [X0 + 0.004, Y0 + 0.007, T0]]),
        ["body", "track", 0, 0],
    ),
    (
        "check-in lat as a string",
        patrol(checkins=[{"building_id": 1, "at": T0, "lon": X0 + 0.0025, "lat": "39.1065"}]),
        ["body", "checkins", 0, "lat"],
    ),
    (
        "building id as a string",
        patrol(checkins=[{"building_id": "1", "at": T0, "lon": X0 + 0.0025, "lat": Y0 + 0.0065}]),
        ["body", "checkins", 0, "building_id"],
    ),
]


@pytest.mark.parametrize("name,body,loc", RECORD_CASES, ids=[c[0] for c in RECORD_CASES])
def test_wrong_json_type_in_a_record_is_refused(api, name, body, loc):
    before = snapshot(api)
    r = api.post("/records", "officer", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == loc
    assert snapshot(api) == before


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused(api, literal):
    before = snapshot(api)
    text = json.dumps(record_body(lon="LON")).replace('"LON"', literal)
    headers = {**api.auth("officer"), "Content-Type": "application/json"}
    r = api.client.post("/api/v1/records", content=text, headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "lon"]
    assert snapshot(api) == before


PLACE_CASES = [
    ("lon as a string", {"lon": str(X0 + 0.005)}, ["body", "lon"]),
    ("lat as a boolean", {"lat": False}, ["body", "lat"]),
]


@pytest.mark.parametrize("name,change,loc", PLACE_CASES, ids=[c[0] for c in PLACE_CASES])
def test_wrong_json_type_in_a_place_is_refused(api, name, change, loc):
    before = snapshot(api)
    r = api.post("/places", "officer", json=place_body(**change))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == loc
    assert snapshot(api) == before


def test_wrong_json_types_in_patches_and_transitions_are_refused(api):
    place, record = place_body(), record_body()
    assert api.post("/places", "officer", json=place).status_code == 201
    assert api.post("/records", "officer", json=record).status_code == 201
    before = snapshot(api)
    cases = [
        (f"/places/{place['id']}", {"version": "1", "name": "新"}, ["body", "version"]),
        (f"/places/{place['id']}", {"version": 1, "lon": "117.2"}, ["body", "lon"]),
        (f"/records/{record['id']}", {"version": 1.0, "description": "新"}, ["body", "version"]),
        (f"/records/{record['id']}", {"version": 1, "lat": "39.1"}, ["body", "lat"]),
    ]
    for path, change, loc in cases:
        r = api.patch(path, "officer", json=change)
        assert r.status_code == 422, (change, r.text)
        assert r.json()["detail"][0]["loc"] == loc, r.text
    r = api.post(
        f"/records/{record['id']}/transitions", "admin", json={"action": "dispatch", "version": "1"}
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "version"]
    assert snapshot(api) == before
    got = api.get(f"/records/{record['id']}", "officer").json()
    assert (got["version"], got["description"], got["transitions"]) == (
        1,
        record["description"],
        [],
    )


def test_an_int_passes_where_a_number_is_expected():
    """JSON has one number type: 117 is as good a longitude as 117.0 (then checked as a point)."""
    body = RecordIn.model_validate_json(json.dumps(record_body(lon=117, lat=39)))
    assert (body.lon, body.lat) == (117.0, 39.0) and isinstance(body.lon, float)
    place = PlaceIn.model_validate(place_body(lon=117, lat=39))
    assert (place.lon, place.lat) == (117.0, 39.0)


def test_an_int_coordinate_reaches_the_point_check(api):
    before = snapshot(api)
    r = api.post("/records", "officer", json=record_body(lon=117, lat=39))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "lon"]
    assert r.json()["detail"][0]["type"] == "outside_cells"
    assert snapshot(api) == before


@pytest.mark.parametrize("charset", ["latin-1", "iso-8859-1", "GBK", '"utf-16"', "ascii"])
@pytest.mark.parametrize("path", ["/records", "/places"])
def test_a_charset_other_than_utf8_is_refused(api, charset, path):
    """Refused before any route, the direct record entry included, whatever the body holds."""
    body = record_body() if path == "/records" else place_body()
    before = snapshot(api)
    headers = {**api.auth("officer"), "Content-Type": f"application/json; charset={charset}"}
    r = api.client.post("/api/v1" + path, content=json.dumps(body), headers=headers)
    assert r.status_code == 415, r.text
    detail = r.json()["detail"][0]
    assert detail["loc"] == ["header", "content-type"]
    assert "Content-Type" in detail["msg"] and "UTF-8" in detail["msg"]
    assert snapshot(api) == before


def test_a_non_utf8_form_is_refused(api):
    r = api.client.post(
        "/api/v1/auth/token",
        content="username=officer&password=o-pass",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=ISO-8859-1"},
    )
    assert r.status_code == 415, r.text
    assert r.json()["detail"][0]["loc"] == ["header", "content-type"]


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", '"utf-8"', "utf8"])
def test_utf8_declared_is_accepted(api, charset):
    body = record_body()
    headers = {**api.auth("officer"), "Content-Type": f"application/json; Charset={charset}"}
    r = api.client.post("/api/v1/records", content=json.dumps(body), headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["cell_code"] == C1 + "001"


@pytest.mark.parametrize(
    "change,field",
    [
        ({"lon": "117.205"}, "lon"),
        ({"radius_m": "250"}, "radius_m"),
        ({"capacity": 5.5}, "capacity"),
    ],
)
def test_wrong_json_type_in_a_centre_is_refused(api, change, field):
    before = api.count("centres"), api.count("audit_log")
    body = {"kind": "station", "name": "警务站", "lon": X0 + 0.005, "lat": Y0 + 0.008} | change
    r = api.post("/analytics/centres", "admin", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", field]
    assert (api.count("centres"), api.count("audit_log")) == before
