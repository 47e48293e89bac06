"""Records through HTTP: idempotent creation, versioned updates, the case loop with deadlines."""

from __future__ import annotations

from datetime import datetime, timedelta

from conftest import C1, C2, X0, Y0, W, record_body

from grid.domain import caseflow


def test_create_derives_cell_h3_and_status(api):
    body = record_body()
    r = api.post("/records", "officer", json=body)
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["cell_code"] == C1 + "001" and got["community_code"] == C1
    assert len(got["h3"]) == 15 and got["status"] == caseflow.INITIAL_STATUS
    assert got["version"] == 1 and got["deadline"] is None and got["author"] == "officer"


def test_same_id_same_content_is_not_duplicated(api):
    body = record_body()
    first = api.post("/records", "officer", json=body)
    before = api.count("records")
    again = api.post("/records", "officer", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == body["id"] and api.count("records") == before


def test_same_id_different_content_conflicts(api):
    body = record_body()
    assert api.post("/records", "officer", json=body).status_code == 201
    r = api.post("/records", "officer", json={**body, "description": "别的"})
    assert r.status_code == 409
    assert r.json()["current"]["description"] == body["description"]
    assert r.json()["detail"][0]["loc"] == ["body", "id"]


def test_full_case_loop_with_deadline_and_audit(api):
    body = record_body(priority="hazard")
    rec = api.post("/records", "officer", json=body).json()
    steps = [
        ("officer", "register"),
        ("officer", "dispatch"),
        ("officer", "handle"),
        ("officer", "feedback"),
        ("street", "verify"),
        ("admin", "evaluate"),
    ]
    for user, action in steps:
        r = api.post(
            f"/records/{rec['id']}/transitions",
            user,
            json={"action": action, "version": rec["version"], "note": action},
        )
        assert r.status_code == 200, r.text
        rec = r.json()
        if action == "dispatch":
            dispatched = datetime.fromisoformat(rec["dispatched_at"])
            deadline = datetime.fromisoformat(rec["deadline"])
            assert deadline - dispatched == timedelta(hours=caseflow.DEADLINE_HOURS["hazard"])
    assert rec["status"] == "evaluated" and rec["closed_at"] is not None
    assert [(t["by"], t["action"]) for t in rec["transitions"]] == steps
    assert all(t["at"] for t in rec["transitions"])
    n = api.count(f"audit_log WHERE entity_id = '{body['id']}'")
    assert n == 1 + len(steps)


def test_illegal_transition_lists_allowed_actions(api):
    rec = api.post("/records", "officer", json=record_body()).json()
    r = api.post(
        f"/records/{rec['id']}/transitions", "officer", json={"action": "verify", "version": 1}
    )
    assert r.status_code == 422
    msg = r.json()["detail"][0]["msg"]
    assert "register" in msg and "cancel" in msg
    assert api.get(f"/records/{rec['id']}", "officer").json()["status"] == "reported"


def test_cancel_needs_a_reason_and_dispatch_takes_a_leader_as_receiver(api):
    rec = api.post("/records", "officer", json=record_body()).json()
    move = f"/records/{rec['id']}/transitions"
    bare = api.post(move, "officer", json={"action": "cancel", "version": 1, "note": "  "})
    assert bare.status_code == 422 and bare.json()["detail"][0]["loc"] == ["body", "note"]
    rec = api.post(move, "officer", json={"action": "register", "version": 1}).json()
    for who in ("nobody", "police"):  # not a user; a user who leads no cell of the community
        r = api.post(move, "officer", json={"action": "dispatch", "version": 2, "receiver": who})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "receiver"], who
    ok = api.post(move, "officer", json={"action": "dispatch", "version": 2, "receiver": "officer"})
    assert ok.status_code == 200, ok.text
    kept = f"audit_log WHERE entity_id = '{rec['id']}' AND CAST(diff AS TEXT) LIKE '%receiver%'"
    assert api.count(kept) == 1
    handle = {"action": "handle", "version": 3, "receiver": "officer"}
    wrong = api.post(move, "officer", json=handle)
    assert wrong.status_code == 422  # handling names no receiver
    other = api.post("/records", "officer", json=record_body()).json()
    done = api.post(
        f"/records/{other['id']}/transitions",
        "officer",
        json={"action": "cancel", "version": 1, "note": "重复上报"},
    )
    assert done.status_code == 200 and done.json()["transitions"][-1]["note"] == "重复上报"


def test_officer_may_not_verify(api):
    rec = api.post("/records", "officer", json=record_body()).json()
    for action in ("register", "dispatch", "handle", "feedback"):
        rec = api.post(
            f"/records/{rec['id']}/transitions",
            "officer",
            json={"action": action, "version": rec["version"]},
        ).json()
    r = api.post(
        f"/records/{rec['id']}/transitions",
        "officer",
        json={"action": "verify", "version": rec["version"]},
    )
    assert r.status_code == 422 and "roles" in r.json()["detail"][0]["msg"]


def test_stale_version_conflicts_with_current(api):
    rec = api.post("/records", "officer", json=record_body()).json()
    ok = api.patch(f"/records/{rec['id']}", "officer", json={"version": 1, "description": "v2"})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = api.patch(f"/records/{rec['id']}", "officer", json={"version": 1, "description": "x"})
    assert stale.status_code == 409
    assert stale.json()["current"]["description"] == "v2"
    t = api.post(
        f"/records/{rec['id']}/transitions", "officer", json={"action": "register", "version": 1}
    )
    assert t.status_code == 409


def test_patch_moving_point_recomputes_cell(api):
    rec = api.post("/records", "officer", json=record_body()).json()
    r = api.patch(
        f"/records/{rec['id']}",
        "officer",
        json={"version": 1, "lon": X0 + 0.005, "lat": Y0 + 0.002},
    )
    assert r.status_code == 200 and r.json()["cell_code"] == C1 + "002"


def test_patrol_with_track_and_checkins(api):
    place = {
        "id": "6b0c6f3e-0000-4000-8000-000000000001",
        "kind": "rental",
        "name": "出租屋A",
        "lon": X0 + 0.004,
        "lat": Y0 + 0.007,
        "risk_level": "watch",
        "attrs": {"landlord": "李", "tenant_count": 3},
    }
    assert api.post("/places", "officer", json=place).status_code in (200, 201)
    body = record_body(
        kind="patrol",
        category="routine",
        priority=None,
        lon=None,
        lat=None,
        track=[
            [X0 + 0.001, Y0 + 0.006, "2024-05-01T08:00:00+08:00"],
            [X0 + 0.004, Y0 + 0.007, "2024-05-01T08:20:00+08:00"],
        ],
        started_at="2024-05-01T08:00:00+08:00",
        ended_at="2024-05-01T08:30:00+08:00",
        checkins=[
            {
                "place_id": place["id"],
                "at": "2024-05-01T08:20:00+08:00",
                "lon": X0 + 0.004,
                "lat": Y0 + 0.007,
            }
        ],
    )
    body.pop("priority")
    r = api.post("/records", "officer", json=body)
    assert r.status_code == 201, r.text
    got = api.get(f"/records/{body['id']}", "officer").json()
    assert got["status"] is None and len(got["track"]) == 2
    assert got["checkins"][0]["place_id"] == place["id"]
    assert got["checkins"][0]["cell_code"] == C1 + "001"


def test_list_filters_and_scope(api):
    mine = api.post("/records", "officer2", json=record_body(lon=X0 + W + 0.005)).json()
    assert mine["cell_code"].startswith(C2)
    listed = {r["id"] for r in api.get("/records", "officer2", params={"mine": True}).json()}
    assert mine["id"] in listed
    other = {r["id"] for r in api.get("/records", "officer").json()}
    assert mine["id"] not in other
    assert api.get(f"/records/{mine['id']}", "officer").status_code == 404
    assert api.get(f"/records/{mine['id']}", "police").status_code == 200
