"""Place attributes follow the table in grid/domain/catalog.py: checked on create and patch (nothing
written when refused), listed in /meta, and personal ones masked by role like dispute parties."""

from __future__ import annotations

import uuid

import pytest
from conftest import C1, X0, Y0

from grid.domain import catalog

TENANT = {"name": "刘小明", "phone": "13912345678", "id_number": "120101199202021234"}


def place_body(kind: str = "rental", **attrs) -> dict:  # noqa: ANN003
    """A valid place of ``kind`` in the officer's first cell with ``attrs``."""
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "name": "测试场所",
        "lon": X0 + 0.004,
        "lat": Y0 + 0.007,
        "attrs": attrs,
    }


def test_meta_lists_attributes_of_every_kind(api):
    m = api.get("/meta", "officer").json()
    assert set(m["place_attrs"]) == {k.value for k in catalog.PlaceKind}
    hazard = {f["code"]: f for f in m["place_attrs"]["hazard"]}
    assert hazard["category"]["type"] == "enum" and hazard["category"]["required"] is True
    assert [o["code"] for o in hazard["category"]["options"]] == [
        t.code for t in catalog.HAZARD_CATEGORIES
    ]
    assert [o["zh"] for o in hazard["severity"]["options"]] == ["一般", "较大", "重大"]
    assert hazard["rectification_deadline"]["type"] == "date"
    rental = {f["code"]: f for f in m["place_attrs"]["rental"]}
    assert rental["landlord"]["personal"] == "name" and rental["tenant_count"]["min"] == 0
    assert rental["tenants"]["type"] == "persons"
    assert {f["code"] for f in m["common_attrs"]} == {"note", "photos"}


@pytest.mark.parametrize(
    ("kind", "attrs", "field"),
    [
        ("rental", {"pets": 2}, "pets"),  # unknown attribute
        ("rental", {"tenant_count": "many"}, "tenant_count"),  # wrong type
        ("rental", {"tenant_count": 2.5}, "tenant_count"),  # not whole
        ("rental", {"tenant_count": True}, "tenant_count"),  # a bool is not a number
        ("rental", {"floating_population": -1}, "floating_population"),  # below min
        ("internet_cafe", {"seats": 100000}, "seats"),  # above max
        ("hazard", {"category": "gas", "severity": "huge"}, "severity"),  # enum value
        ("hazard", {"severity": "major"}, "category"),  # required missing
        (
            "hazard",
            {"category": "gas", "rectification_deadline": "next week"},
            "rectification_deadline",
        ),
        (
            "hazard",
            {"category": "gas", "rectification_deadline": "2024-02-30"},
            "rectification_deadline",
        ),
        ("bathhouse", {"open_late": "yes"}, "open_late"),
        ("rental", {"landlord": 12}, "landlord"),
        ("rental", {"note": "x" * 2001}, "note"),
        ("rental", {"photos": ["not-a-hash"]}, "photos"),
    ],
)
def test_bad_attrs_refused_on_create(api, kind, attrs, field):
    before = api.count("places")
    r = api.post("/places", "officer", json=place_body(kind, **attrs))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][:3] == ["body", "attrs", field], r.text
    assert api.count("places") == before


def test_bad_tenant_names_the_entry(api):
    r = api.post("/places", "officer", json=place_body(tenants=[{"name": "甲", "phone": "abc"}]))
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "attrs", "tenants", 0, "phone"]


def test_good_attrs_stored_and_patch_checked(api):
    body = place_body(
        "hazard",
        category="ebike_charging",
        severity="major",
        rectification_deadline="2099-06-30",  # past it, "rectifying" reads "overdue"
        rectification_status="rectifying",
        note="楼道飞线",
    )
    r = api.post("/places", "officer", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["properties"]["attrs"] == body["attrs"]
    audits = api.count("audit_log")
    bad = api.patch(
        f"/places/{body['id']}",
        "officer",
        json={"version": 1, "name": "改名", "attrs": {**body["attrs"], "severity": "tiny"}},
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == [
        "body",
        "attrs",
        "severity",
    ]
    assert api.count("audit_log") == audits
    now = api.get("/places", "officer", params={"kind": "hazard"}).json()["features"]
    stored = next(f["properties"] for f in now if f["id"] == body["id"])
    assert stored["name"] == "测试场所" and stored["version"] == 1  # nothing written
    ok = api.patch(
        f"/places/{body['id']}",
        "officer",
        json={"version": 1, "attrs": {**body["attrs"], "rectification_status": "rectified"}},
    )
    assert ok.status_code == 200 and ok.json()["properties"]["attrs"]["rectification_status"] == (
        "rectified"
    )


def test_personal_attrs_masked_by_role(api):
    body = place_body(
        landlord="王大锤", landlord_phone="13800001111", tenant_count=2, tenants=[TENANT]
    )
    assert api.post("/places", "officer", json=body).status_code == 201

    def seen(user: str) -> dict:
        feats = api.get("/places", user, params={"cell": C1 + "001"}).json()["features"]
        return next(f["properties"]["attrs"] for f in feats if f["id"] == body["id"])

    assert seen("admin") == body["attrs"]
    assert seen("officer")["landlord_phone"] == "13800001111"  # own cell
    street = seen("street")
    assert (
        street["landlord"] == "王大锤" and street["tenants"][0]["id_number"] == "120101***********4"
    )
    police = seen("police")
    assert police["landlord"] == "王**" and police["landlord_phone"] == "138****1111"
    assert police["tenants"][0] == {
        "name": "刘**",
        "phone": "139****5678",
        "id_number": "120101***********4",
    }
    assert police["tenant_count"] == 2  # not personal

    # Street staff send back what they saw (a masked ID number) with a real change: the stored
    # ID number is kept, not overwritten with asterisks.
    r = api.patch(
        f"/places/{body['id']}",
        "street",
        json={"version": 1, "attrs": {**street, "tenant_count": 3}},
    )
    assert r.status_code == 200, r.text
    assert seen("admin")["tenants"] == [TENANT] and seen("admin")["tenant_count"] == 3
