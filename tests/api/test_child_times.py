"""Times inside a record (check-in and track point times) are range-checked like its own: a time
the database cannot hold, or one before 2000, is a field-level 422, never a server error, and
nothing is written."""

from __future__ import annotations

import uuid

import pytest
from conftest import X0, Y0, record_body

BAD = ["0001-01-01T00:00:00+08:00", "1999-12-31T23:59:59+00:00", "9999-12-31T23:59:59-08:00"]


def _patrol(**over) -> dict:  # noqa: ANN003
    """A patrol in the officer's first cell."""
    body = record_body(kind="patrol", category="routine", **over)
    body.pop("priority")
    return body


@pytest.mark.parametrize("at", BAD)
def test_a_check_in_time_out_of_range_is_refused_at_its_field(api, at):
    place = {"id": str(uuid.uuid4()), "kind": "rental", "name": "铺", "lon": X0 + 0.004}
    assert api.post("/places", "officer", json={**place, "lat": Y0 + 0.007}).status_code == 201
    visit = {"place_id": place["id"], "at": at, "lon": X0 + 0.004, "lat": Y0 + 0.007}
    n = api.count("records")
    r = api.post("/records", "officer", json=_patrol(checkins=[visit]))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "checkins", 0, "at"]
    assert api.count("records") == n


@pytest.mark.parametrize("at", BAD)
def test_a_track_time_out_of_range_is_refused_at_its_point(api, at):
    track = [[X0 + 0.001, Y0 + 0.006, at], [X0 + 0.002, Y0 + 0.006, at]]
    n = api.count("records")
    r = api.post("/records", "officer", json=_patrol(lon=None, lat=None, track=track))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "track", 0]
    assert api.count("records") == n
