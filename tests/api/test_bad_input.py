"""Bad input gets 4xx with a field-level detail and writes nothing."""

from __future__ import annotations

import pytest
from conftest import X0, Y0, record_body

NOW_PLUS_DAY = "2099-01-01T00:00:00+00:00"

CASES = [
    ("unknown category", {"category": "alien_landing"}, 422, ["body", "category"]),
    ("unknown kind", {"kind": "picnic"}, 422, ["body", "kind"]),
    ("swapped lat/lon", {"lon": Y0 + 0.008, "lat": X0 + 0.005}, 422, ["body", "lat"]),
    ("lon out of range", {"lon": 250.0}, 422, ["body", "lon"]),
    ("outside every cell", {"lon": 116.0, "lat": 39.9}, 422, ["body", "lon"]),
    ("missing point", {"lon": None, "lat": None}, 422, ["body", "lon"]),
    ("far future", {"occurred_at": NOW_PLUS_DAY}, 422, ["body", "occurred_at"]),
    ("before 2000", {"occurred_at": "1999-12-31T00:00:00+00:00"}, 422, ["body", "occurred_at"]),
    ("naive time", {"occurred_at": "2024-05-01T08:00:00"}, 422, ["body", "occurred_at"]),
    (
        "end before start",
        {"started_at": "2024-05-01T09:00:00+08:00", "ended_at": "2024-05-01T08:00:00+08:00"},
        422,
        ["body", "ended_at"],
    ),
    ("wrong type", {"lat": "north"}, 422, ["body", "lat"]),
    ("bad uuid", {"id": "not-a-uuid"}, 422, ["body", "id"]),
    ("unknown field", {"colour": "red"}, 422, ["body", "colour"]),
    ("NUL in text", {"description": "楼道\u0000堆物"}, 422, ["body", "description"]),
    (
        "NUL in a party's name",
        {"parties": [{"name": "张\u0000三"}]},
        422,
        ["body", "parties", 0, "name"],
    ),
    ("photo never uploaded", {"photos": ["0" * 64]}, 422, ["body", "photos", 0]),
    ("photo not a hash", {"photos": ["cat.jpg"]}, 422, ["body", "photos", 0]),
    (
        "bad party phone",
        {"parties": [{"name": "张三", "phone": "call me"}]},
        422,
        ["body", "parties", 0, "phone"],
    ),
    (
        "track on incident",
        {
            "track": [
                [X0 + 0.001, Y0 + 0.006, "2024-05-01T08:00:00+08:00"],
                [X0 + 0.002, Y0 + 0.006, "2024-05-01T08:01:00+08:00"],
            ]
        },
        422,
        ["body", "track"],
    ),
]


@pytest.mark.parametrize("name,change,status,loc", CASES, ids=[c[0] for c in CASES])
def test_bad_record_is_refused_and_nothing_written(api, name, change, status, loc):
    before = (api.count("records"), api.count("audit_log"), api.count("parties"))
    r = api.post("/records", "officer", json=record_body(**change))
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert detail[0]["loc"] == loc and detail[0]["msg"]
    assert (api.count("records"), api.count("audit_log"), api.count("parties")) == before


def test_swapped_coordinates_are_named(api):
    r = api.post("/records", "officer", json=record_body(lon=Y0 + 0.008, lat=X0 + 0.005))
    assert "swapped" in r.json()["detail"][0]["msg"]


def test_point_in_another_officers_cell_is_forbidden(api):
    before = api.count("records")
    r = api.post("/records", "officer", json=record_body(lon=X0 + 0.015))
    assert r.status_code == 403 and "outside your cells" in r.json()["detail"][0]["msg"]
    assert api.count("records") == before


def test_oversized_body_is_refused(api):
    before = api.count("records")
    r = api.post("/records", "officer", json=record_body(description="x" * 400_000))
    assert r.status_code == 413 and r.json()["detail"][0]["type"] == "too_large"
    assert api.count("records") == before


def test_bad_place_is_refused(api):
    before = api.count("places")
    base = {
        "id": "6b0c6f3e-0000-4000-8000-0000000000ff",
        "kind": "hazard",
        "name": "隐患",
        "lon": X0 + 0.004,
        "lat": Y0 + 0.007,
    }
    for change, loc in (
        ({"attrs": {"category": "ghosts"}}, ["body", "attrs", "category"]),
        ({"risk_level": "extreme"}, ["body", "risk_level"]),
        ({"lat": 200.0}, ["body", "lat"]),
        ({"kind": "zoo"}, ["body", "kind"]),
        ({"attrs": {"landlord": "李\u0000"}}, ["body", "attrs"]),
    ):
        r = api.post("/places", "officer", json={**base, **change})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == loc, r.text
    assert api.count("places") == before


def test_bad_query_parameters(api):
    assert api.get("/cells", "admin", params={"bbox": "1,2,3"}).status_code == 422
    assert api.get("/cells/locate", "admin", params={"lon": 116.0, "lat": 39.9}).status_code == 422
    r = api.get(
        "/stats/counts",
        "admin",
        params={"from": "2024-02-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "to"]


def test_unauthenticated_and_forged_tokens(api):
    assert api.client.get("/api/v1/records").status_code == 401
    r = api.client.get("/api/v1/records", headers={"Authorization": "Bearer forged.token.x"})
    assert r.status_code == 401
    bad = api.client.post("/api/v1/auth/token", data={"username": "officer", "password": "nope"})
    assert bad.status_code == 401
