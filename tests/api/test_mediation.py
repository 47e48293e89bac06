"""Disputes carry their mediation; petitions are records; screening rounds count "nothing found"."""

from __future__ import annotations

import uuid

from conftest import C1, C2, record_body


def _dispute(api, **over) -> dict:  # noqa: ANN001, ANN003
    body = record_body(kind="dispute", category="neighbour", priority="routine", **over)
    r = api.post("/records", "officer", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _put(api, path: str, user: str, body: dict):  # noqa: ANN001, ANN202
    return api.client.put("/api/v1" + path, headers=api.auth(user), json=body)


def test_mediation_with_sessions_referral_and_mass_incident(api):
    rec = _dispute(api)
    empty = api.get(f"/records/{rec['id']}/mediation", "officer").json()
    assert empty["outcome"] is None and empty["sessions"] == []
    s = api.post(
        f"/records/{rec['id']}/mediation/sessions",
        "officer",
        json={"at": "2024-05-02T10:00:00+08:00", "note": "第一次调解"},
    )
    assert s.status_code == 201 and len(s.json()["sessions"]) == 1
    resent = api.post(  # the outbox's resend after a lost answer: stored once
        f"/records/{rec['id']}/mediation/sessions",
        "officer",
        json={"at": "2024-05-02T02:00:00Z", "note": "第一次调解"},
    )
    assert resent.status_code == 201 and len(resent.json()["sessions"]) == 1
    body = {
        "mediator": "officer",
        "mediator_name": "王网格",
        "outcome": "referred",
        "referred_to": "court",
        "agreement": "",
        "mass_incident": True,
        "headcount": 12,
    }
    r = _put(api, f"/records/{rec['id']}/mediation", "officer", body)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["outcome"] == "referred" and got["referred_to"] == "court" and got["ended_at"]
    assert got["mass_incident"] is True and got["headcount"] == 12 and got["mediator"] == "officer"


def test_mediation_refuses_what_the_tables_do_not_allow(api):
    rec = _dispute(api)
    cases = [
        ({"outcome": "won"}, ["body", "outcome"]),
        ({"outcome": "referred"}, ["body", "referred_to"]),
        ({"outcome": "success", "referred_to": "court"}, ["body", "referred_to"]),
        ({"mass_incident": True, "headcount": 1}, ["body", "headcount"]),
        ({"mediator": "nobody"}, ["body", "mediator"]),
    ]
    for body, loc in cases:
        r = _put(api, f"/records/{rec['id']}/mediation", "officer", body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["detail"][0]["loc"] == loc
    assert api.get(f"/records/{rec['id']}/mediation", "officer").json()["outcome"] is None
    incident = api.post("/records", "officer", json=record_body()).json()
    assert _put(api, f"/records/{incident['id']}/mediation", "officer", {}).status_code == 422
    assert _put(api, f"/records/{rec['id']}/mediation", "police", {}).status_code == 403


def test_petition_is_a_record_kind_in_the_case_loop(api):
    r = api.post(
        "/records",
        "officer",
        json=record_body(kind="petition", category="visit", priority="routine"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "reported"
    meta = api.client.get("/api/v1/meta").json()
    assert "petition" in [k["code"] for k in meta["record_kinds"]]
    assert [o["code"] for o in meta["cases"]["mediation"]["outcomes"]] == [
        "success",
        "partial",
        "failed",
        "referred",
    ]


def test_screening_rounds_count_nothing_found(api):
    sid = str(uuid.uuid4())
    body = {
        "id": sid,
        "cell_code": C1 + "001",
        "at": "2024-05-03T09:00:00+08:00",
        "disputes_found": 0,
    }
    r = api.post("/screenings", "officer", json=body)
    assert r.status_code == 201 and r.json()["nothing_found"] is True
    assert api.post("/screenings", "officer", json=body).status_code == 200
    other = {**body, "id": str(uuid.uuid4()), "cell_code": C2 + "001"}
    assert api.post("/screenings", "officer", json=other).status_code == 403
    unknown = {**body, "id": str(uuid.uuid4()), "cell_code": "999999999999999"}
    assert api.post("/screenings", "officer", json=unknown).status_code == 422
    listed = api.get("/screenings", "officer", params={"cell": C1 + "001"}).json()
    assert sid in [x["id"] for x in listed]
    assert sid not in [x["id"] for x in api.get("/screenings", "officer2").json()]
