"""``crs`` on records and places (and their patches): ``wgs84`` (default), ``gcj02`` or ``bd09``.
Points, a patrol's track and its check-ins are converted to WGS84 before any check or cell
lookup and stored in WGS84; the test point lies 150 m west of a cell edge, so its GCJ-02
coordinates (about 550 m east of it) taken as WGS84 would land in the neighbouring cell."""

from __future__ import annotations

import uuid

import pytest
from conftest import C1, C2, X0, Y0, record_body

from api.schemas import CRS_NAMES
from grid.input.shift import TO_WGS84, wgs84_to_bd09, wgs84_to_gcj02

TRUE = (X0 + 0.0085, Y0 + 0.0075)  # in C1's north cell, 0.0015° west of C2's
FROM_WGS84 = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}
T0 = "2024-05-01T08:00:00+08:00"


def shifted(crs: str, lon: float = TRUE[0], lat: float = TRUE[1]) -> tuple[float, float]:
    """(lon, lat) as a map in ``crs`` shows the WGS84 point."""
    x, y = FROM_WGS84[crs](lon, lat)
    return float(x), float(y)


def snapshot(api) -> tuple[int, ...]:  # noqa: ANN001
    """Row counts of every table a refused body could have written to."""
    return tuple(api.count(t) for t in ("places", "records", "checkins", "audit_log"))


def place_body(**over) -> dict:  # noqa: ANN003
    """A rental place; fields overridable."""
    body = {"id": str(uuid.uuid4()), "kind": "rental", "name": "出租屋", "attrs": {}}
    return body | over


def test_the_allowed_values_are_grid_shifts():
    assert set(CRS_NAMES) == {"wgs84", *TO_WGS84}


def test_the_test_point_would_change_cell_if_not_converted(api):
    """The premise: GCJ-02 coordinates taken as WGS84 land in C2's cell, not C1's."""
    lon, lat = shifted("gcj02")
    r = api.get("/cells/locate", "admin", params={"lon": lon, "lat": lat})
    assert r.json()["cell_code"] == C2 + "001", r.text
    r = api.get("/cells/locate", "admin", params={"lon": TRUE[0], "lat": TRUE[1]})
    assert r.json()["cell_code"] == C1 + "001", r.text


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_a_record_in_another_datum_lands_in_its_true_cell(api, crs):
    lon, lat = shifted(crs)
    body = record_body(lon=lon, lat=lat, crs=crs)
    r = api.post("/records", "officer", json=body)  # the officer leads C1's cells only
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["cell_code"] == C1 + "001"
    assert got["lon"] == pytest.approx(TRUE[0], abs=1e-7)
    assert got["lat"] == pytest.approx(TRUE[1], abs=1e-7)
    assert "crs" not in got
    again = api.post("/records", "officer", json=body)  # a resend: the same hash
    assert again.status_code == 200, again.text
    assert again.json()["id"] == body["id"]


def test_wgs84_is_the_default_and_can_be_named(api):
    lon, lat = shifted("gcj02")
    r = api.post("/records", "admin", json=record_body(lon=lon, lat=lat))
    assert r.status_code == 201 and r.json()["cell_code"] == C2 + "001", r.text
    r = api.post("/records", "officer", json=record_body(lon=TRUE[0], lat=TRUE[1], crs="wgs84"))
    assert r.status_code == 201 and r.json()["lon"] == TRUE[0], r.text


def test_a_patrol_track_and_checkins_are_converted(api):
    track = [(X0 + 0.001, Y0 + 0.006), TRUE]
    near = (X0 + 0.0025, Y0 + 0.0065)  # the fixture building 1
    body = record_body(
        kind="patrol",
        category="routine",
        lon=None,
        lat=None,
        crs="gcj02",
        track=[[*shifted("gcj02", *p), T0] for p in track],
        started_at=T0,
        ended_at="2024-05-01T08:30:00+08:00",
        checkins=[
            {
                "building_id": 1,
                "at": T0,
                "lon": shifted("gcj02", *near)[0],
                "lat": shifted("gcj02", *near)[1],
            }
        ],
    )
    body.pop("priority")
    r = api.post("/records", "officer", json=body)
    assert r.status_code == 201, r.text
    got = api.get(f"/records/{body['id']}", "officer").json()
    assert got["cell_code"] == C1 + "001"
    for (x, y, _), (tx, ty) in zip(got["track"], track, strict=True):
        assert (x, y) == (pytest.approx(tx, abs=1e-7), pytest.approx(ty, abs=1e-7))
    checkin = got["checkins"][0]
    assert (checkin["lon"], checkin["lat"]) == (
        pytest.approx(near[0], abs=1e-7),
        pytest.approx(near[1], abs=1e-7),
    )


def test_a_record_patch_converts_its_point(api):
    body = record_body()
    assert api.post("/records", "officer", json=body).status_code == 201
    lon, lat = shifted("bd09")
    r = api.patch(
        f"/records/{body['id']}",
        "officer",
        json={"version": 1, "lon": lon, "lat": lat, "crs": "bd09"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["cell_code"] == C1 + "001"
    assert r.json()["lon"] == pytest.approx(TRUE[0], abs=1e-7)


def test_a_place_and_its_patch_are_converted(api):
    lon, lat = shifted("gcj02")
    body = place_body(lon=lon, lat=lat, crs="gcj02")
    r = api.post("/places", "officer", json=body)
    assert r.status_code == 201, r.text
    props = r.json()["properties"]
    assert props["cell_code"] == C1 + "001"
    assert r.json()["geometry"]["coordinates"] == [
        pytest.approx(TRUE[0], abs=1e-7),
        pytest.approx(TRUE[1], abs=1e-7),
    ]
    assert api.post("/places", "officer", json=body).status_code == 200  # resent: same hash
    south = shifted("bd09", TRUE[0], Y0 + 0.0025)
    r = api.patch(
        f"/places/{body['id']}",
        "officer",
        json={"version": 1, "lon": south[0], "lat": south[1], "crs": "bd09"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["cell_code"] == C1 + "002"
    assert r.json()["geometry"]["coordinates"][1] == pytest.approx(Y0 + 0.0025, abs=1e-7)


BAD = [
    ("unknown crs", "/records", record_body(crs="epsg:3857"), ["body", "crs"]),
    ("crs not a string", "/records", record_body(crs=4326), ["body", "crs"]),
    (
        "unknown crs on a place",
        "/places",
        place_body(lon=TRUE[0], lat=TRUE[1], crs="GCJ"),
        ["body", "crs"],
    ),
]


@pytest.mark.parametrize("name,path,body,loc", BAD, ids=[c[0] for c in BAD])
def test_a_bad_crs_is_refused(api, name, path, body, loc):
    before = snapshot(api)
    r = api.post(path, "officer", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == loc
    assert snapshot(api) == before


@pytest.mark.parametrize("missing", ["lon", "lat"])
def test_a_patch_in_another_datum_needs_both_coordinates(api, missing):
    body = place_body(lon=TRUE[0], lat=TRUE[1])
    assert api.post("/places", "officer", json=body).status_code == 201
    before = snapshot(api)
    change = {"version": 1, "crs": "gcj02", "lon": TRUE[0], "lat": TRUE[1]}
    del change[missing]
    r = api.patch(f"/places/{body['id']}", "officer", json=change)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", missing]
    assert snapshot(api) == before
    (mine,) = [f for f in api.get("/places", "officer").json()["features"] if f["id"] == body["id"]]
    assert mine["geometry"]["coordinates"] == [TRUE[0], TRUE[1]]
    assert mine["properties"]["version"] == 1


def test_the_content_hash_is_over_wgs84_content_only():
    """A body naming wgs84 hashes as one that does not (records stored before ``crs`` existed
    still match their resends), and a converted body hashes as its WGS84 content."""
    from api.records.schemas import RecordIn
    from api.records.service import content_hash

    plain = record_body(lon=TRUE[0], lat=TRUE[1])
    named = RecordIn.model_validate(plain | {"crs": "wgs84"})
    assert "crs" not in named.model_dump()
    assert content_hash(named) == content_hash(RecordIn.model_validate(plain))
    lon, lat = shifted("gcj02")
    converted = RecordIn.model_validate(plain | {"lon": lon, "lat": lat, "crs": "gcj02"})
    again = RecordIn.model_validate(plain | {"lon": lon, "lat": lat, "crs": "gcj02"})
    assert content_hash(converted) == content_hash(again)
    assert (converted.lon, converted.lat) == (
        pytest.approx(TRUE[0], abs=1e-7),
        pytest.approx(TRUE[1], abs=1e-7),
    )
