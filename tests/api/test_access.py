"""Roles: officers stay in their cells, police read but never write, personal data is masked."""

from __future__ import annotations

from conftest import C1, C2, X0, Y0, record_body

PARTY = {"name": "张三丰", "phone": "13812345678", "id_number": "120101199001011234"}


def test_me_lists_scope(api):
    me = api.get("/me", "officer").json()
    assert me["role"] == "officer" and me["cells"] == [C1 + "001", C1 + "002"]
    assert me["communities"] == [C1]
    assert api.get("/me", "street").json()["communities"] == [C1, C2]


def test_officer_sees_only_own_community_cells(api):
    feats = api.get("/cells", "officer").json()["features"]
    assert {f["properties"]["community_code"] for f in feats} == {C1}
    assert len(api.get("/cells", "police").json()["features"]) == 4


def test_police_cannot_edit(api):
    rec = api.post("/records", "officer", json=record_body()).json()
    before = api.count("records")
    assert api.post("/records", "police", json=record_body()).status_code == 403
    assert (
        api.patch(
            f"/records/{rec['id']}", "police", json={"version": 1, "description": "x"}
        ).status_code
        == 403
    )
    assert (
        api.post(
            f"/records/{rec['id']}/transitions", "police", json={"action": "register", "version": 1}
        ).status_code
        == 403
    )
    assert api.count("records") == before
    assert api.get(f"/records/{rec['id']}", "police").status_code == 200


def test_officer_cannot_touch_another_officers_record(api):
    rec = api.post("/records", "officer2", json=record_body(lon=X0 + 0.015)).json()
    r = api.patch(f"/records/{rec['id']}", "officer", json={"version": 1, "description": "x"})
    assert r.status_code == 404
    assert api.get("/places", "officer", params={"cell": C2 + "001"}).json()["features"] == []


def test_personal_data_masked_by_role(api):
    rec = api.post(
        "/records",
        "officer",
        json=record_body(kind="dispute", category="neighbour", parties=[PARTY]),
    ).json()
    seen = {
        u: api.get(f"/records/{rec['id']}", u).json()["parties"][0]
        for u in ("admin", "street", "officer", "police")
    }
    assert seen["admin"] == {"role": "party", **PARTY}
    assert (
        seen["street"]["name"] == "张三丰" and seen["street"]["id_number"] == "120101***********4"
    )
    assert seen["officer"]["phone"] == "13812345678"
    assert seen["police"]["name"] == "张**" and seen["police"]["phone"] == "138****5678"
    assert PARTY["id_number"] not in str(seen["police"]) + str(seen["officer"])


def test_leader_phone_masked_for_police(api):
    feats = api.get("/cells", "police").json()["features"]
    leader = next(f for f in feats if f["id"] == C1 + "001")["properties"]["leader"]
    assert leader["username"] == "officer" and leader["phone"] == "138****5678"
    admin = api.get("/cells", "admin").json()["features"]
    assert (
        next(f for f in admin if f["id"] == C1 + "001")["properties"]["leader"]["phone"]
        == "13812345678"
    )


def test_every_write_is_audited(api):
    rec = api.post("/records", "officer", json=record_body()).json()
    api.patch(f"/records/{rec['id']}", "officer", json={"version": 1, "description": "改"})
    api.post(
        f"/records/{rec['id']}/transitions", "officer", json={"action": "register", "version": 2}
    )
    rows = api.count(f"audit_log WHERE entity_id = '{rec['id']}'")
    assert rows == 3
    assert api.count(f"audit_log WHERE entity_id = '{rec['id']}' AND action = 'update'") == 1


def test_meta_comes_from_grid(api):
    from grid.domain import caseflow, catalog

    meta = api.get("/meta", "police").json()
    assert [k["code"] for k in meta["record_kinds"]] == [k.value for k in catalog.RecordKind]
    assert {t["action"] for t in meta["transitions"]} == {t.action for t in caseflow.TRANSITIONS}
    assert meta["tiles"]["crs"] in ("wgs84", "gcj02")
    assert Y0 < 40
